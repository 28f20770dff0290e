import ArgumentParser
import Foundation
import RecurCore
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
    @Option(
        help: ArgumentHelp(
            "Harmonise this melody (a file of note tokens, bar lines allowed, in --key and --mode) with a model of several voices.",
            valueName: "file"))
    var harmonize: String?
    @Flag(help: "Let the model place bar lines anywhere, instead of where the meter puts them (models with meters).")
    var freeBars = false
    @Flag(
        help:
            "The model alone: no bar lines kept to the meter and no cadence (a tune may then end anywhere, on any note).")
    var freeForm = false
    @Flag(
        help:
            "Models of several voices: the voices as the model writes them, parallel fifths and octaves, crossings and any last bass note included."
    )
    var freeVoicing = false

    /// The options, unchecked; the melody to harmonise is read from its file.
    func options() throws -> TuneOptions {
        var melody: String?
        if let harmonize {
            let data: Data
            do {
                data = try FileReading.read(harmonize)
            } catch {
                throw InputError(
                    description: "--harmonize \(harmonize): cannot read the file (\(error.reason)); give a file of note tokens")
            }
            melody = String(decoding: data, as: UTF8.self)
            guard melody?.contains(where: { !$0.isWhitespace }) == true else {
                throw InputError(description: "--harmonize \(harmonize): the file is empty; give a melody of note tokens")
            }
        }
        return TuneOptions(
            meter: meter, mode: mode, key: key, harmonize: melody, freeBars: freeBars, freeForm: freeForm,
            freeVoicing: freeVoicing)
    }
}

extension TuneOptionError {
    /// The error as a command-line error naming the flag.
    var flagError: InputError { InputError(description: "--\(field) \(value): \(problem)") }
}
