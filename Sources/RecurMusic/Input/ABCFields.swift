import Foundation

/// What an ABC `K:` field says: the tonic and mode (nil for `K:none`), the alteration the
/// key gives each letter, and how many octaves `octave=` moves the notes.
struct ABCKey: Equatable {
    /// The tonic; nil for `K:none` or an empty `K:`.
    var tonic: Tonic?
    /// The mode; nil with the tonic. `K:G` says major.
    var mode: Mode?
    /// The alteration of each letter C … B: +1 sharp, −1 flat, 0 natural.
    var signature = [Int](repeating: 0, count: 7)
    /// Octaves every note is moved by (`octave=1` in `K:`).
    var octave = 0
}

/// The ABC 2.1 header fields that change how notes read — `M:`, `L:` and `K:` — parsed
/// from their values; the other fields (`X:`, `T:`, `Q:` …) do not touch the notes.
enum ABCFields {
    /// A field's value without a trailing `%` comment, trimmed.
    static func value(_ text: Substring) -> String {
        let uncommented = text.prefix { $0 != "%" }
        return uncommented.trimmingCharacters(in: .whitespaces)
    }

    /// `M:6/8`, `M:C` (4/4), `M:C|` (2/2); nil for `M:none` or an empty `M:`.
    static func meter(_ value: String) throws(MelodyInputError) -> Meter? {
        let compact = value.filter { $0 != " " }
        if compact.isEmpty || compact.lowercased() == "none" { return nil }
        guard let meter = Meter(compact) else {
            throw MelodyInputError(
                format: .abc,
                problem: .unsupported(
                    "M:\(value) is not a meter this reader knows; give N/D with N 1…32 and D 1, 2, 4, 8 or 16 (M:6/8), M:C, M:C| or M:none"
                ))
        }
        return meter
    }

    /// The unit note length ABC 2.1 gives a tune without `L:`: a 16th when the meter, as
    /// a fraction, is below 3/4 (2/4, 5/8), else an eighth (and an eighth without a meter).
    static func defaultUnit(for meter: Meter?) -> (numerator: Int, denominator: Int) {
        guard let meter else { return (1, 8) }
        return 4 * meter.numerator < 3 * meter.denominator ? (1, 16) : (1, 8)
    }

    /// `L:1/8`, `L:1/16`, `L:1`: the unit note length as a fraction of a whole note.
    static func unit(_ value: String) throws(MelodyInputError) -> (numerator: Int, denominator: Int) {
        let parts = value.filter { $0 != " " }.split(separator: "/", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { $0.count <= 4 && $0.allSatisfy(\.isASCII) ? Int($0) : nil }
        guard (1...2).contains(parts.count), numbers.count == parts.count, numbers.allSatisfy({ $0 > 0 }) else {
            throw MelodyInputError(
                format: .abc, problem: .malformed("L:\(value) is not a note length; give a fraction such as L:1/8"))
        }
        return (numbers[0], numbers.count == 2 ? numbers[1] : 1)
    }

    /// The mode a `K:` word names, by its first three letters as ABC 2.1 has it, any case:
    /// `m`, `min`, `minor`, `maj`, `dor`, `Dorian`, `mix`, `phr`, `lyd`, `loc`, `ion`, `aeo`.
    static func mode(_ word: Substring) -> Mode? {
        let lower = word.lowercased()
        if lower == "m" { return .minor }
        guard lower.count >= 3 else { return nil }
        switch lower.prefix(3) {
        case "maj", "ion": return .major
        case "min", "aeo": return .minor
        case "dor": return .dorian
        case "phr": return .phrygian
        case "lyd": return .lydian
        case "mix": return .mixolydian
        case "loc": return .locrian
        default: return nil
        }
    }

    /// Clef names `K:` and `V:` may carry; they change the staff, not the pitch.
    static let clefs: Set<String> = ["treble", "bass", "bass3", "alto", "alto1", "alto2", "tenor", "baritone", "none"]

    /// `K:G`, `K:Em`, `K:F# dorian`, `K:Bbmix`, `K:D exp ^f ^c`, `K:A clef=bass`, `K:none`.
    ///
    /// Accidentals after the mode (`^f`, `_b`, `=c`) change the signature for that letter;
    /// `exp` clears it first. `octave=N` moves every note by N octaves; clefs and other
    /// `name=value` settings change only the staff and are skipped.
    static func key(_ value: String) throws(MelodyInputError) -> ABCKey {
        func refuse(_ word: Substring) -> MelodyInputError {
            MelodyInputError(
                format: .abc,
                problem: .unsupported(
                    "K:\(value): \(word.debugDescription) is not a tonic, mode, accidental or clef this reader knows; write K:G, K:Em, K:Ador or K:none"
                ))
        }
        var key = ABCKey()
        var words = value.split(whereSeparator: \.isWhitespace)[...]
        if let first = words.first, first.lowercased() != "none", !first.contains("="), !clefs.contains(first.lowercased()) {
            words.removeFirst()
            if first.lowercased().hasPrefix("hp") {
                throw MelodyInputError(
                    format: .abc,
                    problem: .unsupported(
                        "K:\(value), the Highland pipes' key; write K:D mix or K:A mix with the notes' accidentals"))
            }
            guard let letter = Tonic.letters.firstIndex(of: first.first ?? " ") else { throw refuse(first) }
            var rest = first.dropFirst()
            var alteration = 0
            if rest.first == "#" || rest.first == "b" {
                alteration = rest.first == "#" ? 1 : -1
                rest = rest.dropFirst()
            }
            var mode = Mode.major
            if !rest.isEmpty {
                guard let named = self.mode(rest) else { throw refuse(first) }
                mode = named
            } else if let next = words.first, let named = self.mode(next) {
                mode = named
                words.removeFirst()
            }
            let tonic = Tonic(letter: letter, alteration: alteration)
            key = ABCKey(tonic: tonic, mode: mode, signature: Key(tonic: tonic, mode: mode).signature)
        } else if words.first?.lowercased() == "none" {
            words.removeFirst()
        }
        for word in words {
            let lower = word.lowercased()
            if lower == "exp" {
                key.signature = [Int](repeating: 0, count: 7)
            } else if let (letter, alteration) = accidental(word) {
                key.signature[letter] = alteration
            } else if lower.hasPrefix("octave=") {
                guard let octaves = Int(lower.dropFirst(7)), (-4...4).contains(octaves) else { throw refuse(word) }
                key.octave = octaves
            } else if !lower.contains("=") && !clefs.contains(lower) {
                throw refuse(word)
            }
        }
        return key
    }

    /// A global accidental of `K:` (`^f`, `__e`, `=c`): the letter (C = 0) and alteration.
    static func accidental(_ word: Substring) -> (letter: Int, alteration: Int)? {
        let alterations: [String: Int] = ["^": 1, "^^": 2, "_": -1, "__": -2, "=": 0]
        guard let last = word.last, let alteration = alterations[String(word.dropLast())],
            let letter = Array("CDEFGAB").firstIndex(of: last) ?? Array("cdefgab").firstIndex(of: last)
        else { return nil }
        return (letter, alteration)
    }
}
