import Foundation

/// How a notes model spells melodies as tokens (DESIGN.md §5), stored as JSON in the
/// model file's `notes` metadata field so that a model carries the grid and pitch
/// range it was trained on.
///
/// ```json
/// {"format":"recur.notes/1","steps_per_quarter":4,"lowest_pitch":36,"highest_pitch":96,
///  "markers":[],"tokens":{"n<midi>":"…","-":"…","r":"…","<eos>":"…"}}
/// ```
public struct NoteEncoding: Sendable, Hashable, Codable {
    /// The value of `format` this version writes and reads.
    public static let formatName = "recur.notes/1"
    /// The token that holds the current note or rest for one more step.
    public static let hold = "-"
    /// The token that starts a rest.
    public static let rest = "r"
    /// The token that ends a tune.
    public static let endOfTune = "<eos>"
    /// The prefix of a note token: `n` followed by the MIDI note number, e.g. `n67`.
    public static let notePrefix = "n"

    /// The encoding's version, `recur.notes/1`.
    public var format: String
    /// Grid steps per quarter note; DESIGN.md §5 fixes it at 4 (16th notes).
    public var stepsPerQuarter: Int
    /// The lowest MIDI pitch the model knows; lower pitches are moved up by octaves.
    public var lowestPitch: Int
    /// The highest MIDI pitch the model knows; higher pitches are moved down by octaves.
    public var highestPitch: Int
    /// Extra tokens that take no time (bar lines, meter marks); decoding skips them.
    public var markers: [String]
    /// A description of every kind of token, for people reading the model file.
    public var tokens: [String: String]

    /// An encoding with the given pitch range and markers and the standard grid.
    public init(lowestPitch: Int = 21, highestPitch: Int = 108, markers: [String] = []) {
        self.format = Self.formatName
        self.stepsPerQuarter = 4
        self.lowestPitch = lowestPitch
        self.highestPitch = highestPitch
        self.markers = markers
        var tokens = [
            "n<midi>": "starts a note of MIDI pitch <midi> (\(lowestPitch)…\(highestPitch)); it lasts one step",
            Self.hold: "holds the current note or rest for one more step",
            Self.rest: "starts a rest of one step",
            Self.endOfTune: "ends a tune (sampling starts a tune after it)",
        ]
        for marker in markers { tokens[marker] = "a marker that takes no time" }
        self.tokens = tokens
    }

    /// The encoding used when a model records none: the piano's range, A0…C8.
    public static let standard = NoteEncoding()

    /// Every token of the encoding, in vocabulary order: `<eos>`, `-`, `r`, the note
    /// tokens from lowest to highest pitch, then the markers.
    public var vocabulary: [String] {
        [Self.endOfTune, Self.hold, Self.rest]
            + (lowestPitch...max(lowestPitch, highestPitch)).map { Self.notePrefix + String($0) } + markers
    }

    /// Reads and checks the JSON of a model's `notes` metadata field.
    public init(json: String) throws(NoteEncodingError) {
        let decoded: NoteEncoding
        do {
            decoded = try JSONDecoder().decode(NoteEncoding.self, from: Data(json.utf8))
        } catch {
            throw NoteEncodingError(field: "notes", reason: "is not a valid note encoding: \(error)")
        }
        try decoded.validate()
        self = decoded
    }

    /// The JSON for a model's `notes` metadata field (keys sorted, one line).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Checks the fields a renderer relies on.
    public func validate() throws(NoteEncodingError) {
        guard format == Self.formatName else {
            throw NoteEncodingError(field: "format", reason: "is \(format.debugDescription); this version reads \(Self.formatName)")
        }
        guard stepsPerQuarter == 4 else {
            throw NoteEncodingError(field: "steps_per_quarter", reason: "is \(stepsPerQuarter); DESIGN.md §5 fixes it at 4")
        }
        guard (0...127).contains(lowestPitch), (0...127).contains(highestPitch), lowestPitch <= highestPitch else {
            throw NoteEncodingError(
                field: "lowest_pitch/highest_pitch",
                reason: "are \(lowestPitch)…\(highestPitch); give MIDI pitches 0…127 with lowest ≤ highest")
        }
        for marker in markers where marker.isEmpty || marker.contains(where: \.isWhitespace) || NoteToken(marker) != nil {
            throw NoteEncodingError(
                field: "markers", reason: "contains \(marker.debugDescription), which is empty, has spaces or is a note, hold, rest or <eos> token")
        }
    }

    enum CodingKeys: String, CodingKey {
        case format
        case stepsPerQuarter = "steps_per_quarter"
        case lowestPitch = "lowest_pitch"
        case highestPitch = "highest_pitch"
        case markers
        case tokens
    }

    /// Reads the JSON; `markers` and `tokens` may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let lowest = try container.decode(Int.self, forKey: .lowestPitch)
        let highest = try container.decode(Int.self, forKey: .highestPitch)
        let markers = try container.decodeIfPresent([String].self, forKey: .markers) ?? []
        self.init(lowestPitch: lowest, highestPitch: highest, markers: markers)
        format = try container.decode(String.self, forKey: .format)
        stepsPerQuarter = try container.decode(Int.self, forKey: .stepsPerQuarter)
        if let tokens = try container.decodeIfPresent([String: String].self, forKey: .tokens) { self.tokens = tokens }
    }
}

/// A note encoding that cannot be used, naming the metadata field and the problem.
public struct NoteEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON field at fault, e.g. `steps_per_quarter`.
    public let field: String
    /// What is wrong with it.
    public let reason: String

    public var description: String { "note encoding: \(field) \(reason)" }
}
