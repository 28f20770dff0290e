/// A melody file that cannot be read as one voice on the 16th-note grid: which format,
/// where (the bar and beat, when known) and what to do about it.
///
/// It prints as a musician would say it, so that the command line and a failed job's
/// `error.json` can show it as it is:
///
/// ```
/// ABC, bar 3, beat 2: a chord [CEG]; give one voice, one note at a time
/// ```
public struct MelodyInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, with what the file holds there, so that tests and callers can tell
    /// the problems apart without reading the message.
    public enum Problem: Sendable, Equatable {
        /// Notes sounding together, as written (`[CEG]`, `G4 with B4`).
        case chord(String)
        /// A second voice (`V:2`, `&`, `<backup>`).
        case secondVoice(String)
        /// A tuplet (`(3`, `<time-modification>`): off the 16th-note grid.
        case tuplet(String)
        /// A grace note (`{g}`, `<grace/>`).
        case graceNote(String)
        /// A change of meter or key after the first note (`meter from 4/4 to 3/4`).
        case change(String)
        /// A note, rest or event that does not fall on the 16th-note grid.
        case offGrid(String)
        /// A MIDI note that still sounds when the next starts.
        case overlap(String)
        /// Something this reader does not know (an ABC symbol, a MusicXML element).
        case unknownSymbol(String)
        /// A pitch outside MIDI's 0…127.
        case outOfRange(String)
        /// A melody longer than `MelodyInput.maximumSteps`.
        case tooLong
        /// A file or body that holds no note.
        case empty
        /// A compressed MusicXML file (`.mxl`, a zip archive).
        case compressed
        /// Something the format allows that this reader does not read; the text says what
        /// to do instead.
        case unsupported(String)
        /// A file that breaks its format (truncated, damaged, not well-formed); the text
        /// says where and what to do.
        case malformed(String)
    }

    /// The format the input was read as; nil when it could not be told.
    public let format: MelodyInput.Format?
    /// The bar where the problem is: 1-based from the first bar of the tune (a pickup is
    /// bar 1) for ABC and MIDI, the measure's own number for MusicXML.
    public let bar: Int?
    /// The beat within `bar`, 1-based, in the meter's beat (a quarter in 4/4, a dotted
    /// quarter in 6/8), counted from the bar's first step.
    public let beat: Int?
    /// What is wrong.
    public let problem: Problem

    /// An error of `format` at `bar` and `beat` (nil when unknown).
    public init(format: MelodyInput.Format?, problem: Problem, bar: Int? = nil, beat: Int? = nil) {
        self.format = format
        self.problem = problem
        self.bar = bar
        self.beat = beat
    }

    /// `ABC, bar 3, beat 2: a chord [CEG]; give one voice, one note at a time`.
    public var description: String {
        var place = format?.description ?? "melody"
        if let bar { place += ", bar \(bar)" }
        if let beat { place += ", beat \(beat)" }
        return place + ": " + problem.description
    }
}

extension MelodyInputError.Problem: CustomStringConvertible {
    /// The problem and how to fix it.
    public var description: String {
        switch self {
        case .chord(let what): "a chord \(what); give one voice, one note at a time"
        case .secondVoice(let what): "a second voice (\(what)); give one voice only: the melody alone"
        case .tuplet(let what):
            "a tuplet \(what); melodies are read on a grid of 16th notes: write the rhythm without tuplets"
        case .graceNote(let what): "a grace note \(what); leave grace notes out, or write them out as 16ths"
        case .change(let what): "a change of \(what) after the first note; give a tune in one meter and one key"
        case .offGrid(let what): "\(what), off the 16th-note grid; give every note and rest in whole 16th notes"
        case .overlap(let what): "\(what): two notes at once; give one voice, one note at a time"
        case .unknownSymbol(let what): "\(what), which this reader does not know; remove it"
        case .outOfRange(let what): "\(what) is outside MIDI's pitches 0…127; move it by octaves"
        case .tooLong:
            "lasts more than \(MelodyInput.maximumSteps) 16th notes (\(MelodyInput.maximumSteps / 16) bars of 4/4); give a shorter melody"
        case .empty: "holds no note; give a melody of at least one note"
        case .compressed:
            "a compressed MusicXML file (.mxl); export uncompressed MusicXML (.musicxml or .xml) instead"
        case .unsupported(let what), .malformed(let what): what
        }
    }
}
