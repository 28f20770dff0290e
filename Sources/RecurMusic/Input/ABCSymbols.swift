/// A note length as a fraction of a whole note, as ABC writes lengths: a multiple of the
/// unit length `L:`, itself a fraction.
struct ABCLength: Equatable {
    var numerator: Int
    var denominator: Int
}

extension ABCLength {
    /// A length from a fraction.
    init(_ fraction: (numerator: Int, denominator: Int)) {
        self.init(numerator: fraction.numerator, denominator: fraction.denominator)
    }

    /// A length of one: multiplying by it changes nothing.
    static let one = ABCLength(numerator: 1, denominator: 1)

    /// `1/32`: the fraction in lowest terms.
    var reduced: String {
        var (a, b) = (numerator, denominator)
        while b != 0 { (a, b) = (b, a % b) }
        let divisor = max(1, a)
        let (top, bottom) = (numerator / divisor, denominator / divisor)
        return bottom == 1 ? "\(top)" : "\(top)/\(bottom)"
    }
}

/// One thing an ABC tune's body says, in order: a note, a rest, a bar line, a broken
/// rhythm between two notes, or something to refuse where it stands.
enum ABCElement: Equatable {
    /// A note of a MIDI pitch, its length, whether a tie (`-`) follows it, and its text.
    case note(pitch: Int, length: ABCLength, tie: Bool, text: String)
    /// A rest, its length and its text.
    case rest(length: ABCLength, text: String)
    /// A bar line of any kind (`|`, `||`, `|]`, `|:`, `:|`, `::`, `[1` …).
    case barLine
    /// `>` (positive) or `<` (negative), repeated 1…3 times.
    case broken(Int)
    /// Something the reader refuses, reported with the bar and beat where it stands.
    case refusal(MelodyInputError.Problem)
}

extension ABCElement {
    /// The note or rest with its length multiplied by `factor`; nil for anything else.
    func scaled(by factor: ABCLength) -> ABCElement? {
        func times(_ length: ABCLength) -> ABCLength {
            ABCLength(numerator: length.numerator * factor.numerator, denominator: length.denominator * factor.denominator)
        }
        switch self {
        case .note(let pitch, let length, let tie, let text):
            return .note(pitch: pitch, length: times(length), tie: tie, text: text)
        case .rest(let length, let text): return .rest(length: times(length), text: text)
        default: return nil
        }
    }
}

/// The small lexical pieces of ABC: digits, note letters, and written text quoted in
/// messages.
enum ABCText {
    /// Written ABC for a message, cut after 40 characters.
    static func quote(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        let text = String(String.UnicodeScalarView(scalars.prefix(40)))
        return scalars.count > 40 ? text + "…" : text
    }

    /// The letter of a note name, C = 0 … B = 6, either case; nil for anything else.
    static func letter(_ scalar: Unicode.Scalar) -> Int? {
        let upper: [Unicode.Scalar] = ["C", "D", "E", "F", "G", "A", "B"]
        let lower: [Unicode.Scalar] = ["c", "d", "e", "f", "g", "a", "b"]
        return upper.firstIndex(of: scalar) ?? lower.firstIndex(of: scalar)
    }

    /// Decimal digits from `start`: their value (nil without any; capped at 1,000,000, so
    /// that no number overflows) and the index after them.
    static func digits(_ s: [Unicode.Scalar], from start: Int) -> (value: Int?, end: Int) {
        var end = start
        var value = 0
        while end < s.count, ("0"..."9").contains(s[end]) {
            value = min(1_000_000, value * 10 + Int(s[end].value) - 48)
            end += 1
        }
        return (end > start ? value : nil, end)
    }
}
