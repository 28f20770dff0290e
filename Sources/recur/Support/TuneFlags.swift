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
            "Harmonise this melody with a model of several voices: one voice as ABC, MusicXML, MIDI or note tokens (its meter, key and mode unless the flags give them).",
            valueName: "file"))
    var harmonize: String?
    @Flag(help: "Let the model place bar lines anywhere, instead of where the meter puts them (models with meters).")
    var freeBars = false
    @Flag(
        help:
            "No cadence: a tune ends where and on what note the model likes (the bar lines still follow the meter unless --free-bars)."
    )
    var freeForm = false
    @Flag(
        help:
            "Models of several voices: the voices as the model writes them, parallel fifths and octaves, crossings and any last bass note included."
    )
    var freeVoicing = false

    /// The options, unchecked but for the melody to harmonise, which is read from its file
    /// (ABC, MusicXML, MIDI or note tokens) into note tokens, its meter, mode and key
    /// filling in the flags not given.
    func options() throws -> TuneOptions {
        let options = TuneOptions(
            meter: meter, mode: mode, key: key, freeBars: freeBars, freeForm: freeForm, freeVoicing: freeVoicing)
        guard let harmonize else { return options }
        let data: Data
        do {
            data = try FileReading.read(harmonize)
        } catch {
            throw InputError(
                description:
                    "--harmonize \(harmonize): cannot read the file (\(error.reason)); give a melody as ABC, MusicXML, MIDI or note tokens"
            )
        }
        guard data.contains(where: { !(Character(UnicodeScalar($0)).isWhitespace) }) else {
            throw InputError(
                description: "--harmonize \(harmonize): the file is empty; give a melody as ABC, MusicXML, MIDI or note tokens")
        }
        do {
            return TuneOptions(melody: try MelodyInput(data: data), over: options)
        } catch {
            throw InputError(description: "--harmonize \(harmonize): \(error)")
        }
    }
}

extension TuneOptionError {
    /// The error as a command-line error naming the flag.
    var flagError: InputError { InputError(description: "--\(field) \(value): \(problem)") }
}
