import Foundation

/// How a notes model spells melodies as tokens (DESIGN.md §5), stored as JSON in the
/// model file's `notes` metadata field so that a model carries the grid and pitch
/// range it was trained on.
///
/// ```json
/// {"format":"recur.notes/1","steps_per_quarter":4,"lowest_pitch":36,"highest_pitch":96,
///  "markers":[],"tokens":{"n<midi>":"…","-":"…","r":"…","<eos>":"…"}}
/// ```
///
/// `recur.notes/2` adds structure a musician asks for: header tokens that open a tune
/// with its meter and mode (`M:6/8 K:dorian`), and a bar line `|` closing every bar. Its
/// JSON lists the meters and modes the model was trained on, so a request for another
/// can be refused before any work.
public struct NoteEncoding: Sendable, Hashable, Codable {
    /// The plain encoding: steps only.
    public static let formatName = "recur.notes/1"
    /// The encoding with meter and mode headers and bar lines.
    public static let structuredFormatName = "recur.notes/2"
    /// The token that closes a bar (`recur.notes/2`); it takes no time.
    public static let barLine = "|"
    /// The prefix of a meter header token, e.g. `M:6/8`.
    public static let meterPrefix = "M:"
    /// The prefix of a mode header token, e.g. `K:dorian`.
    public static let modePrefix = "K:"
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
    /// `recur.notes/2`: the meters the model knows (`6/8` …), in its header tokens' order.
    public var meters: [Meter]
    /// `recur.notes/2`: the modes the model knows.
    public var modes: [Mode]
    /// `recur.notes/2`: how many voices sound together. Each 16th-note step is one step
    /// token (`n<midi>`, `-`, `r`) per voice, in a fixed order, the highest voice
    /// (soprano) first; 1 for a melody.
    public var voices: Int = 1
    /// `recur.notes/2` with several voices: the lowest and highest pitch each voice sang
    /// in training, highest voice first (empty when unknown). A melody to harmonise is
    /// moved by octaves into the first.
    public var voiceRanges: [ClosedRange<Int>] = []
    /// `recur.notes/2`: how many of the training corpus's tunes of each meter — and of each
    /// meter and mode with `minimumTunesPerKind` tunes or more — last how many bars (a pickup
    /// and the bar completing it count as one), recorded by `recur train`; the cadence draws
    /// each sampled tune's length from it (`BarGrammar.Cadence`). Empty for a model trained
    /// before it was recorded.
    public var barsPerTune: [TuneKind: [Int: Int]] = [:]

    /// The fewest tunes of a meter and mode whose lengths are recorded apart from the meter's.
    public static let minimumTunesPerKind = 20
    /// `recur.notes/2`: the end of a tune fed before every sample (then `<eos>`), so that
    /// a tune starts from a state like the ones training saw at tune boundaries
    /// (`SamplingRequest.warmup`). Not part of any output.
    public var warmup: [String]

    /// The warm-up of a `recur.notes/2` encoding that names none: a whole bar of middle C
    /// and a bar line, the most ordinary end of a tune.
    public static let defaultWarmup = ["n60", "-", "-", "-", "-", "-", "-", "-", "|"]

    /// Whether tunes open with meter and mode headers and close bars with `|`.
    public var isStructured: Bool { format == Self.structuredFormatName }

    /// A `recur.notes/2` encoding that knows `meters` and `modes`.
    public init(
        lowestPitch: Int = 21, highestPitch: Int = 108, meters: [Meter], modes: [Mode], markers: [String] = [],
        voices: Int = 1
    ) {
        self.init(lowestPitch: lowestPitch, highestPitch: highestPitch, markers: markers)
        format = Self.structuredFormatName
        self.voices = voices
        if voices > 1 {
            tokens["<step>"] =
                "a 16th-note step is \(voices) step tokens (n<midi>, -, r), one per voice, the highest voice first"
        }
        warmup = Self.defaultWarmup
        self.meters = meters.sorted()
        self.modes = modes.sorted()
        tokens[Self.barLine] = "closes a bar; it takes no time"
        tokens[Self.meterPrefix + "<meter>"] =
            "opens a tune: its meter (\(self.meters.map(\.description).joined(separator: ", ")))"
        tokens[Self.modePrefix + "<mode>"] =
            "follows the meter: the tune's mode (\(self.modes.map(\.rawValue).joined(separator: ", "))); the tune is on the white keys (C major, A minor, D dorian …)"
    }

    /// The encoding of a notes corpus's vocabulary: `recur.notes/2` when it has header
    /// or bar-line tokens, the standard `recur.notes/1` otherwise. Tokens that are
    /// neither steps nor headers become markers (they take no time).
    public init(vocabulary: [String], voices: Int = 1) {
        var meters: [Meter] = []
        var modes: [Mode] = []
        var markers: [String] = []
        var structured = false
        for token in vocabulary where NoteToken(token) == nil {
            if token == Self.barLine {
                structured = true
            } else if let header = TuneHeaderToken(token) {
                structured = true
                switch header {
                case .meter(let meter): meters.append(meter)
                case .mode(let mode): modes.append(mode)
                }
            } else {
                markers.append(token)
            }
        }
        if structured || voices > 1 {
            self.init(meters: meters, modes: modes, markers: markers, voices: voices)
        } else {
            self.init(markers: markers)
        }
    }

    /// An encoding with the given pitch range and markers and the standard grid.
    public init(lowestPitch: Int = 21, highestPitch: Int = 108, markers: [String] = []) {
        self.meters = []
        self.modes = []
        self.warmup = []
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

    /// The most voices an encoding may have (MIDI has 16 channels; a writer gives each
    /// voice its own).
    public static let maximumVoices = 16

    /// The encoding used when a model records none: the piano's range, A0…C8.
    public static let standard = NoteEncoding()

    /// Every token of the encoding, in vocabulary order: `<eos>`, `-`, `r`, the note
    /// tokens from lowest to highest pitch, then the markers.
    public var vocabulary: [String] {
        var tokens =
            [Self.endOfTune, Self.hold, Self.rest]
            + (lowestPitch...max(lowestPitch, highestPitch)).map { Self.notePrefix + String($0) } + markers
        if isStructured {
            tokens.append(Self.barLine)
            tokens += meters.map { Self.meterPrefix + $0.description } + modes.map { Self.modePrefix + $0.rawValue }
        }
        return tokens
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
        guard format == Self.formatName || format == Self.structuredFormatName else {
            throw NoteEncodingError(
                field: "format",
                reason: "is \(format.debugDescription); this version reads \(Self.formatName) and \(Self.structuredFormatName)")
        }
        guard (1...Self.maximumVoices).contains(voices) else {
            throw NoteEncodingError(field: "voices", reason: "is \(voices); give 1 (a melody) to \(Self.maximumVoices)")
        }
        guard voices == 1 || isStructured else {
            throw NoteEncodingError(field: "voices", reason: "is \(voices); several voices need \(Self.structuredFormatName)")
        }
        guard voiceRanges.isEmpty || voiceRanges.count == voices else {
            throw NoteEncodingError(
                field: "voice_ranges", reason: "has \(voiceRanges.count) ranges for \(voices) voices; give one per voice")
        }
        guard stepsPerQuarter == 4 else {
            throw NoteEncodingError(field: "steps_per_quarter", reason: "is \(stepsPerQuarter); DESIGN.md §5 fixes it at 4")
        }
        guard (0...127).contains(lowestPitch), (0...127).contains(highestPitch), lowestPitch <= highestPitch else {
            throw NoteEncodingError(
                field: "lowest_pitch/highest_pitch",
                reason: "are \(lowestPitch)…\(highestPitch); give MIDI pitches 0…127 with lowest ≤ highest")
        }
        for marker in markers
        where marker.isEmpty || marker.contains(where: \.isWhitespace) || NoteToken(marker) != nil || marker == Self.barLine
            || TuneHeaderToken(marker) != nil
        {
            throw NoteEncodingError(
                field: "markers",
                reason:
                    "contains \(marker.debugDescription), which is empty, has spaces or is a note, hold, rest, <eos>, bar-line or header token"
            )
        }
    }

    enum CodingKeys: String, CodingKey {
        case format
        case stepsPerQuarter = "steps_per_quarter"
        case lowestPitch = "lowest_pitch"
        case highestPitch = "highest_pitch"
        case markers
        case tokens
        case meters
        case modes
        case warmup
        case voices
        case voiceRanges = "voice_ranges"
        case barsPerTune = "bars_per_tune"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(stepsPerQuarter, forKey: .stepsPerQuarter)
        try container.encode(lowestPitch, forKey: .lowestPitch)
        try container.encode(highestPitch, forKey: .highestPitch)
        try container.encode(markers, forKey: .markers)
        try container.encode(tokens, forKey: .tokens)
        if isStructured {
            try container.encode(meters.map(\.description), forKey: .meters)
            try container.encode(modes.map(\.rawValue), forKey: .modes)
            try container.encode(warmup, forKey: .warmup)
            if voices > 1 { try container.encode(voices, forKey: .voices) }
            if !voiceRanges.isEmpty {
                try container.encode(voiceRanges.map { [$0.lowerBound, $0.upperBound] }, forKey: .voiceRanges)
            }
            if !barsPerTune.isEmpty {
                var table: [String: [[Int]]] = [:]
                for (kind, counts) in barsPerTune {
                    table[kind.description] = counts.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }
                }
                try container.encode(table, forKey: .barsPerTune)
            }
        }
    }

    /// Reads the JSON; `markers` and `tokens` may be left out, and `meters` and `modes`
    /// belong to `recur.notes/2` only.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let lowest = try container.decode(Int.self, forKey: .lowestPitch)
        let highest = try container.decode(Int.self, forKey: .highestPitch)
        let markers = try container.decodeIfPresent([String].self, forKey: .markers) ?? []
        let format = try container.decode(String.self, forKey: .format)
        if format == Self.structuredFormatName {
            let meterNames = try container.decodeIfPresent([String].self, forKey: .meters) ?? []
            let modeNames = try container.decodeIfPresent([String].self, forKey: .modes) ?? []
            var meters: [Meter] = []
            for name in meterNames {
                guard let meter = Meter(name) else {
                    throw NoteEncodingError(
                        field: "meters", reason: "contains \(name.debugDescription), which is not a meter like 6/8")
                }
                meters.append(meter)
            }
            var modes: [Mode] = []
            for name in modeNames {
                guard let mode = Mode(rawValue: name) else {
                    throw NoteEncodingError(
                        field: "modes",
                        reason:
                            "contains \(name.debugDescription); modes are \(Mode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                modes.append(mode)
            }
            let voices = try container.decodeIfPresent(Int.self, forKey: .voices) ?? 1
            self.init(
                lowestPitch: lowest, highestPitch: highest, meters: meters, modes: modes, markers: markers, voices: voices)
            if let warmup = try container.decodeIfPresent([String].self, forKey: .warmup) { self.warmup = warmup }
            let ranges = try container.decodeIfPresent([[Int]].self, forKey: .voiceRanges) ?? []
            for range in ranges {
                guard range.count == 2, range[0] <= range[1] else {
                    throw NoteEncodingError(
                        field: "voice_ranges", reason: "holds \(range); give [lowest, highest] MIDI pitches for each voice")
                }
                voiceRanges.append(range[0]...range[1])
            }
            let table = try container.decodeIfPresent([String: [[Int]]].self, forKey: .barsPerTune) ?? [:]
            for (name, rows) in table {
                guard let kind = TuneKind(name) else {
                    throw NoteEncodingError(
                        field: "bars_per_tune",
                        reason:
                            "names \(name.debugDescription), which is not a meter like 6/8 or a meter and mode like \"6/8 dorian\""
                    )
                }
                for row in rows {
                    guard row.count == 2, row[0] > 0, row[1] > 0 else {
                        throw NoteEncodingError(
                            field: "bars_per_tune", reason: "holds \(row) for \(name); give [bars, tunes] with both above 0")
                    }
                    barsPerTune[kind, default: [:]][row[0]] = row[1]
                }
            }
        } else {
            self.init(lowestPitch: lowest, highestPitch: highest, markers: markers)
        }
        self.format = format
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
