/// A time signature, `N/D`: how the steps of a tune group into bars.
///
/// Header tokens spell it `M:6/8`; ABC's `C` and `C|` are read as 4/4 and 2/2.
public struct Meter: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Beats per bar, 1…32.
    public let numerator: Int
    /// The beat's note value: 1, 2, 4, 8 or 16.
    public let denominator: Int

    /// Parses `6/8`, `C` (4/4) or `C|` (2/2); nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "C": self.init(numerator: 4, denominator: 4)
        case "C|": self.init(numerator: 2, denominator: 2)
        default:
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isASCII) }),
                let numerator = Int(parts[0]), let denominator = Int(parts[1])
            else { return nil }
            self.init(numerator: numerator, denominator: denominator)
        }
    }

    /// A meter; nil unless 1 ≤ numerator ≤ 32 and the denominator is 1, 2, 4, 8 or 16.
    public init?(numerator: Int, denominator: Int) {
        guard (1...32).contains(numerator), [1, 2, 4, 8, 16].contains(denominator) else { return nil }
        self.numerator = numerator
        self.denominator = denominator
    }

    /// 16th-note steps in one full bar (6/8 → 12, 4/4 → 16, 3/2 → 24).
    public var stepsPerBar: Int { numerator * 16 / denominator }

    /// `6/8`.
    public var description: String { "\(numerator)/\(denominator)" }

    /// Compound meters (6/8, 9/8, 12/8) beat in dotted notes: three of the denominator's
    /// notes per beat. Everything else beats in the denominator's note.
    public var stepsPerBeat: Int {
        let unit = 16 / denominator
        return numerator % 3 == 0 && numerator > 3 && denominator >= 8 ? 3 * unit : unit
    }

    public static func < (a: Meter, b: Meter) -> Bool {
        (a.denominator, a.numerator) < (b.denominator, b.numerator)
    }
}

/// The seven diatonic modes. A notes model keeps every tune on the white keys, so a
/// mode fixes its tonic there: C major, A minor, D dorian, G mixolydian …
public enum Mode: String, Sendable, Hashable, CaseIterable, Comparable {
    case major, minor, dorian, mixolydian, phrygian, lydian, locrian

    /// The tonic's pitch class on the white keys (C = 0).
    public var whiteKeyTonic: Int {
        switch self {
        case .major: 0
        case .dorian: 2
        case .phrygian: 4
        case .lydian: 5
        case .mixolydian: 7
        case .minor: 9
        case .locrian: 11
        }
    }

    /// The white-key tonic's letter (C for major, A for minor …).
    public var whiteKeyTonicName: String { ["C", "D", "E", "F", "G", "A", "B"][letterSteps] }

    /// How many letters above the relative major's tonic this mode's tonic lies
    /// (major 0, dorian 1, phrygian 2, lydian 3, mixolydian 4, minor 5, locrian 6).
    var letterSteps: Int {
        switch self {
        case .major: 0
        case .dorian: 1
        case .phrygian: 2
        case .lydian: 3
        case .mixolydian: 4
        case .minor: 5
        case .locrian: 6
        }
    }

    /// ABC's suffix after the tonic in `K:` (`Em`, `Edor`, `E` for major).
    public var abcSuffix: String {
        switch self {
        case .major: ""
        case .minor: "m"
        case .dorian: "dor"
        case .mixolydian: "mix"
        case .phrygian: "phr"
        case .lydian: "lyd"
        case .locrian: "loc"
        }
    }

    public static func < (a: Mode, b: Mode) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The tonic of a key as a musician writes it: a letter and an optional sharp or flat
/// (`E`, `F#`, `Bb`). The spelling matters: it chooses sharps or flats in ABC and the
/// key signature in MIDI.
public struct Tonic: Sendable, Hashable, CustomStringConvertible {
    /// 0 = C … 6 = B.
    public let letter: Int
    /// −1 flat, 0 natural, +1 sharp.
    public let alteration: Int

    static let letters: [Character] = ["C", "D", "E", "F", "G", "A", "B"]
    static let naturalPitchClasses = [0, 2, 4, 5, 7, 9, 11]

    /// Parses `C`, `F#`, `Bb` (also `F♯`, `B♭`, lower-case letters); nil for anything else.
    public init?(_ text: String) {
        var characters = Array(text)
        guard let first = characters.first, let letter = Self.letters.firstIndex(of: Character(first.uppercased())) else {
            return nil
        }
        characters.removeFirst()
        switch String(characters) {
        case "": alteration = 0
        case "#", "♯": alteration = 1
        case "b", "♭": alteration = -1
        default: return nil
        }
        self.letter = letter
    }

    /// A tonic from its letter (0 = C … 6 = B) and alteration (−1, 0, +1).
    public init(letter: Int, alteration: Int) {
        self.letter = ((letter % 7) + 7) % 7
        self.alteration = alteration
    }

    /// 0 = C … 11 = B.
    public var pitchClass: Int { ((Self.naturalPitchClasses[letter] + alteration) % 12 + 12) % 12 }

    /// `F#`, `Bb`.
    public var description: String {
        String(Self.letters[letter]) + (alteration > 0 ? "#" : alteration < 0 ? "b" : "")
    }

    /// The key names a job or the command line accepts, for error messages.
    public static let examples = "C, G, D, A, E, B, F#, C#, F, Bb, Eb, Ab, Db, Gb"
}

/// A key: a tonic in a mode. Knows its signature (sharps or flats) and how to spell
/// each pitch in it, for ABC and MIDI.
public struct Key: Sendable, Hashable, CustomStringConvertible {
    /// The tonic, as spelled.
    public let tonic: Tonic
    /// The mode.
    public let mode: Mode

    /// A key.
    public init(tonic: Tonic, mode: Mode) {
        self.tonic = tonic
        self.mode = mode
    }

    /// The key a white-key tune is in before transposition: C major, A minor, D dorian …
    public init(whiteKeysIn mode: Mode) {
        self.init(tonic: Tonic(letter: (mode.letterSteps) % 7, alteration: 0), mode: mode)
    }

    /// Sharps (positive) or flats (negative) in the signature, −7…7: that of the
    /// relative major, spelled from this tonic (E dorian → D major → 2 sharps).
    /// A spelling past seven (D# major) falls back to its enharmonic twin.
    public var fifths: Int {
        let majorLetter = ((tonic.letter - mode.letterSteps) % 7 + 7) % 7
        let majorPitchClass = ((tonic.pitchClass - mode.whiteKeyTonic) % 12 + 12) % 12
        let alteration = ((majorPitchClass - Tonic.naturalPitchClasses[majorLetter] + 6) % 12 + 12) % 12 - 6
        // Fifths of the natural-letter major keys (C 0, D 2, E 4, F −1, G 1, A 3, B 5); a
        // sharp adds 7, a flat takes 7.
        let natural = [0, 2, 4, -1, 1, 3, 5][majorLetter]
        let fifths = natural + 7 * alteration
        if fifths > 7 { return fifths - 12 }
        if fifths < -7 { return fifths + 12 }
        return fifths
    }

    /// The alteration the signature gives each letter (C … B): +1 sharp, −1 flat, 0.
    public var signature: [Int] {
        var alterations = [Int](repeating: 0, count: 7)
        let order = fifths >= 0 ? [3, 0, 4, 1, 5, 2, 6] : [6, 2, 5, 1, 4, 0, 3]  // F C G D A E B / B E A D G C F
        for letter in order.prefix(abs(fifths)) { alterations[letter] = fifths >= 0 ? 1 : -1 }
        return alterations
    }

    /// `E minor`.
    public var description: String { "\(tonic) \(mode.rawValue)" }
}
