/// One token of a notes model (DESIGN.md §5), parsed from its text.
public enum NoteToken: Sendable, Hashable, CustomStringConvertible {
    /// `n<midi>`: starts a note. The pitch is as written, possibly outside 0…127.
    case note(pitch: Int)
    /// `-`: holds the current note or rest for one more step.
    case hold
    /// `r`: starts a rest.
    case rest
    /// `<eos>`: ends the tune.
    case endOfTune

    /// Parses a token; `nil` for anything that is not a note, hold, rest or `<eos>`.
    ///
    /// A note is `n` followed by an optionally signed decimal integer (`n60`, `n-3`);
    /// pitches outside MIDI's range parse here and are handled by decoding.
    public init?(_ text: String) {
        switch text {
        case NoteEncoding.hold: self = .hold
        case NoteEncoding.rest: self = .rest
        case NoteEncoding.endOfTune: self = .endOfTune
        default:
            guard text.hasPrefix(NoteEncoding.notePrefix) else { return nil }
            let number = text.dropFirst(NoteEncoding.notePrefix.count)
            let digits = number.first == "-" ? number.dropFirst() : number
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let pitch = Int(number)
            else { return nil }
            self = .note(pitch: pitch)
        }
    }

    /// The token's text, e.g. `n67`.
    public var description: String {
        switch self {
        case .note(let pitch): NoteEncoding.notePrefix + String(pitch)
        case .hold: NoteEncoding.hold
        case .rest: NoteEncoding.rest
        case .endOfTune: NoteEncoding.endOfTune
        }
    }
}

/// A header token of `recur.notes/2` (docs/MUSIC.md): `M:<meter>` or `K:<mode>`.
public enum TuneHeaderToken: Sendable, Hashable, CustomStringConvertible {
    /// `M:6/8`: the tune's meter.
    case meter(Meter)
    /// `K:dorian`: the tune's mode.
    case mode(Mode)

    /// Parses a header token; nil for anything else, including a malformed header
    /// (`M:5/7`, `K:blues`), which `looksLikeHeader` tells apart.
    public init?(_ text: String) {
        if text.hasPrefix(NoteEncoding.meterPrefix), let meter = Meter(String(text.dropFirst(NoteEncoding.meterPrefix.count))) {
            self = .meter(meter)
        } else if text.hasPrefix(NoteEncoding.modePrefix),
            let mode = Mode(rawValue: String(text.dropFirst(NoteEncoding.modePrefix.count)))
        {
            self = .mode(mode)
        } else {
            return nil
        }
    }

    /// Whether a token is meant as a header (starts with `M:` or `K:`), parsed or not.
    public static func looksLikeHeader(_ text: String) -> Bool {
        text.hasPrefix(NoteEncoding.meterPrefix) || text.hasPrefix(NoteEncoding.modePrefix)
    }

    /// `M:6/8`, `K:dorian`.
    public var description: String {
        switch self {
        case .meter(let meter): NoteEncoding.meterPrefix + meter.description
        case .mode(let mode): NoteEncoding.modePrefix + mode.rawValue
        }
    }
}
