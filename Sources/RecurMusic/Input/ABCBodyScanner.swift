/// Reads an ABC tune's body, line by line, into `ABCElement`s (ABC 2.1): notes with their
/// accidentals (which hold to the end of the bar for that letter and octave), key
/// signature and octave marks applied; lengths as multiples of `L:`; bar lines; ties;
/// broken rhythm. Spaces, chord symbols, annotations, decorations, slurs and comments
/// are skipped. Body fields (`L:`, `M:`, `K:`, `V:` lines and `[K:…]` inline) are read;
/// the others are skipped. Scanning stops at the first refusal or at the end of the tune
/// (a blank line after music, or the next `X:`).
struct ABCBodyScanner {
    /// The unit note length (`L:`), a fraction of a whole note.
    var unit: ABCLength
    /// The key in force.
    var key: ABCKey
    /// The meter in force.
    var meter: Meter?
    /// The one voice's id, once a `V:` field names it.
    var voice: String?
    /// What the body says, in order.
    private(set) var elements: [ABCElement] = []
    /// Whether scanning has stopped (a refusal, or the end of the tune).
    private(set) var finished = false
    /// Whether a note or rest has been read: before one, `M:` and `K:` may still be set.
    private var hasMusic = false
    /// Accidentals written in the current bar, by letter and octave (`7 × octave + letter`).
    private var accidentals: [Int: Int] = [:]
    /// The tied note's letter and octave and its alteration, while a tie follows it: the
    /// note tied to carries the alteration over a bar line, as in standard notation.
    private var tied: (place: Int, alteration: Int)?
    /// The last note's letter and octave and its alteration, for a tie after it.
    private var lastNote: (place: Int, alteration: Int)?

    /// A scanner starting with the header's unit length, key, meter and voice.
    init(unit: ABCLength, key: ABCKey, meter: Meter?, voice: String?) {
        self.unit = unit
        self.key = key
        self.meter = meter
        self.voice = voice
    }

    /// Reads the body's lines until the end of the tune or a refusal.
    mutating func scan<Lines: Sequence>(_ lines: Lines) where Lines.Element == Substring {
        for line in lines {
            if finished { return }
            if line.allSatisfy(\.isWhitespace) {
                finished = hasMusic  // a blank line ends the tune (ABC 2.1), once it has music
            } else if line.hasPrefix("%") {
                continue
            } else if let field = Self.field(line) {
                readField(field.letter, ABCFields.value(field.value))
            } else {
                readMusic(Array(line.unicodeScalars))
            }
        }
    }

    /// `T:value`: a field line's letter and value; nil for a line of music.
    static func field(_ line: Substring) -> (letter: Character, value: Substring)? {
        guard let letter = line.first, letter.isASCII, letter.isLetter || letter == "+",
            line.dropFirst().first == ":"
        else { return nil }
        return (letter, line.dropFirst(2))
    }

    private mutating func refuse(_ problem: MelodyInputError.Problem) {
        elements.append(.refusal(problem))
        finished = true
    }

    /// A field in the body, on its own line or inline (`[K:D]`).
    private mutating func readField(_ letter: Character, _ value: String) {
        do {
            switch letter {
            case "X": finished = true  // the next tune
            case "L": unit = try ABCLength(ABCFields.unit(value))
            case "M":
                let new = try ABCFields.meter(value)
                guard new != meter else { return }
                guard !hasMusic else {
                    return refuse(.change("meter from \(meter.map { "M:\($0)" } ?? "M:none") to M:\(value)"))
                }
                meter = new
            case "K":
                let new = try ABCFields.key(value)
                guard new != key else { return }
                guard !hasMusic else { return refuse(.change("key to K:\(value)")) }
                key = new
            case "V":
                let id = String(value.prefix { !$0.isWhitespace })
                if voice == nil { voice = id } else if id != voice { refuse(.secondVoice("V:\(id)")) }
            default: return
            }
        } catch {
            refuse(error.problem)
        }
    }

    /// One line of music.
    private mutating func readMusic(_ s: [Unicode.Scalar]) {
        var i = 0
        func text(_ range: Range<Int>) -> String { ABCText.quote(s[range]) }
        func index(of closing: Unicode.Scalar, after start: Int) -> Int? {
            s[(start + 1)...].firstIndex(of: closing)
        }
        while i < s.count && !finished {
            let c = s[i]
            switch c {
            case " ", "\t", "`", "$", "\\", ")", "~", ".", "H"..."W", "h"..."w":
                i += 1  // spacing, continuation, slur end, decoration shortcuts
            case "y":
                i = ABCText.digits(s, from: i + 1).end  // a spacer, its length ignored
            case "%":
                return
            case "\"":
                guard let end = index(of: "\"", after: i) else {
                    return refuse(
                        .malformed("a chord symbol or annotation \(text(i..<s.count)) has no closing quote; close it with \""))
                }
                i = end + 1
            case "!":
                i = (index(of: "!", after: i) ?? i) + 1  // !trill!; a lone ! is an old line break
            case "+":
                guard let end = index(of: "+", after: i) else { return refuse(.unknownSymbol("\"+\" without its closing +")) }
                i = end + 1
            case "(":
                if i + 1 < s.count, ("1"..."9").contains(s[i + 1]) { return refuse(.tuplet(text(i..<(i + 2)))) }
                i += 1  // a slur
            case "{":
                return refuse(.graceNote(text(i..<((index(of: "}", after: i) ?? (s.count - 1)) + 1))))
            case "&":
                return refuse(.secondVoice("& (a voice overlay)"))
            case "[":
                i = readBracket(s, at: i)
            case "|", ":":
                i = readBarLine(s, at: i)
            case ">", "<":
                var end = i
                while end < s.count && s[end] == c { end += 1 }
                guard end - i <= 3 else { return refuse(.unknownSymbol("the broken rhythm \(text(i..<end))")) }
                elements.append(.broken(c == ">" ? end - i : i - end))
                i = end
            case "-":
                if case .note(let pitch, let length, _, let written) = elements.last {
                    elements[elements.count - 1] = .note(pitch: pitch, length: length, tie: true, text: written)
                    tied = lastNote
                }
                i += 1
            case "^", "_", "=", "A"..."G", "a"..."g":
                i = readNote(s, at: i)
            case "z", "x":
                let (length, end) = noteLength(s, from: i + 1)
                rest(length, text: text(i..<end))
                i = end
            case "Z", "X":
                i = readBarRests(s, at: i)
            default:
                return refuse(.unknownSymbol(text(i..<(i + 1)).debugDescription))
            }
        }
    }

    /// A note: accidental, letter, octave marks, length.
    private mutating func readNote(_ s: [Unicode.Scalar], at start: Int) -> Int {
        var i = start
        let marks: [String: Int] = ["^": 1, "^^": 2, "_": -1, "__": -2, "=": 0]
        while i < s.count, "^_=".unicodeScalars.contains(s[i]) { i += 1 }
        let explicit = marks[ABCText.quote(s[start..<i])]
        guard i == start || explicit != nil, i < s.count, let letter = ABCText.letter(s[i]) else {
            refuse(.unknownSymbol(ABCText.quote(s[start..<min(s.count, i + 1)]).debugDescription))
            return s.count
        }
        var octave = (("a"..."g").contains(s[i]) ? 5 : 4) + key.octave
        i += 1
        while i < s.count, s[i] == "'" || s[i] == "," {
            octave += s[i] == "'" ? 1 : -1
            i += 1
        }
        let (length, end) = noteLength(s, from: i)
        let written = ABCText.quote(s[start..<end])
        let place = 7 * octave + letter
        let alteration: Int
        if let explicit {
            alteration = explicit
            accidentals[place] = explicit
        } else if let tied, tied.place == place {
            alteration = tied.alteration
        } else {
            alteration = accidentals[place] ?? key.signature[letter]
        }
        tied = nil
        lastNote = (place, alteration)
        let pitch = 12 * (octave + 1) + Tonic.naturalPitchClasses[letter] + alteration
        guard (0...127).contains(pitch) else {
            refuse(.outOfRange("\(written) (n\(pitch))"))
            return s.count
        }
        hasMusic = true
        elements.append(.note(pitch: pitch, length: length, tie: false, text: written))
        return end
    }

    /// A rest of `length` units.
    private mutating func rest(_ length: ABCLength, text: String) {
        hasMusic = true
        tied = nil
        elements.append(.rest(length: length, text: text))
    }

    /// `Z4` (or `X4`): four whole bars of rest, with bar lines between them.
    private mutating func readBarRests(_ s: [Unicode.Scalar], at start: Int) -> Int {
        let (count, end) = ABCText.digits(s, from: start + 1)
        let written = ABCText.quote(s[start..<end])
        guard let meter else {
            refuse(.unsupported("\(written), a rest of whole bars, with no meter; write the rest with z, or give M:"))
            return s.count
        }
        let bars = min(count ?? 1, MelodyInput.maximumSteps)
        for bar in 0..<bars {
            if bar > 0 { elements.append(.barLine) }
            rest(ABCLength(numerator: meter.numerator, denominator: meter.denominator), text: written)
        }
        return end
    }

    /// `[`: an inline field (`[K:D]`), a chord (`[CEG]`, refused), `[|` or an ending (`[1`).
    private mutating func readBracket(_ s: [Unicode.Scalar], at start: Int) -> Int {
        let next = start + 1 < s.count ? s[start + 1] : " "
        if next == "|" { return readBarLine(s, at: start + 1) }
        if ("0"..."9").contains(next) {
            closeBar()  // an ending, read as a bar line: repeats are not expanded
            var end = start + 1
            while end < s.count, ("0"..."9").contains(s[end]) || s[end] == "," || s[end] == "-" { end += 1 }
            return end
        }
        let isField = start + 2 < s.count && Character(next).isLetter && s[start + 2] == ":"
        guard let close = s[(start + 1)...].firstIndex(of: "]") else {
            refuse(
                isField
                    ? .malformed("the inline field \(ABCText.quote(s[start...])) has no closing ]; close it with ]")
                    : .unknownSymbol("\"[\" without its closing ]"))
            return s.count
        }
        if isField {
            let value = String(String.UnicodeScalarView(s[(start + 3)..<close]))
            readField(Character(next), ABCFields.value(Substring(value)))
            return close + 1
        }
        refuse(.chord(ABCText.quote(s[start...close])))
        return s.count
    }

    /// A bar line: a run of `|` and `:` (`|`, `||`, `|]`, `|:`, `:|`, `::`), with an ending
    /// number after it (`|1`, `:|2`) skipped. Repeats are not expanded.
    private mutating func readBarLine(_ s: [Unicode.Scalar], at start: Int) -> Int {
        var end = start
        while end < s.count, s[end] == "|" || s[end] == ":" || (s[end] == "]" && end > start && s[end - 1] == "|") {
            end += 1
        }
        let run = s[start..<end]
        guard run.contains("|") || run.count >= 2 else {
            refuse(.unknownSymbol("\":\" outside a bar line"))
            return s.count
        }
        closeBar()
        while end < s.count, ("0"..."9").contains(s[end]) || s[end] == "," || s[end] == "-" { end += 1 }
        return end
    }

    private mutating func closeBar() {
        accidentals = [:]
        elements.append(.barLine)
    }

    /// A length after a note or rest (`2`, `/2`, `/`, `//`, `3/2`): a multiple of the unit.
    /// Denominators past 2^20 stay there: off the grid anyway, and no product overflows.
    func noteLength(_ s: [Unicode.Scalar], from start: Int) -> (ABCLength, end: Int) {
        var (numerator, end) = ABCText.digits(s, from: start)
        var denominator = 1
        while end < s.count, s[end] == "/" {
            let (divisor, after) = ABCText.digits(s, from: end + 1)
            denominator = min(1 << 20, denominator * max(1, divisor ?? 2))
            end = after
        }
        let multiple = ABCLength(numerator: max(1, numerator ?? 1), denominator: denominator)
        return (
            ABCLength(numerator: unit.numerator * multiple.numerator, denominator: unit.denominator * multiple.denominator), end
        )
    }
}
