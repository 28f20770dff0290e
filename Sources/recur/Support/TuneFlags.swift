import ArgumentParser
import RecurMusic

/// What a musician asks of a tune (docs/MUSIC.md): the flags shared by `generate` and
/// `submit`. Each may be left out: the model then chooses.
struct TuneFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Meter of every tune, e.g. 2/4, 3/4, 4/4, 6/8 (notes models with meters).", valueName: "N/D"))
    var meter: String?
    @Option(
        help: ArgumentHelp("Mode of every tune: major, minor, dorian, mixolydian … (notes models with modes).", valueName: "mode")
    )
    var mode: String?
    @Option(
        help: ArgumentHelp("Write the tunes in this key: its tonic, e.g. E, F#, Bb (every rendered format).", valueName: "tonic"))
    var key: String?

    /// The options, unchecked.
    var options: TuneOptions { TuneOptions(meter: meter, mode: mode, key: key) }
}

extension TuneOptionError {
    /// The error as a command-line error naming the flag.
    var flagError: InputError { InputError(description: "--\(field) \(value): \(problem)") }
}
