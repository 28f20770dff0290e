import RecurMusic

/// A small reader of the ABC that `ABCNotation` writes (one voice, `L:1/8`), written
/// from the ABC 2.1 standard to check the writer: note lengths, ties, rests, bar
/// lengths, and accidentals that last to the end of the bar.
struct ABCReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The notes, ties merged, in 16th steps.
    var notes: [Note] = []
    /// Each bar's length in 16th steps.
    var barSteps: [Int] = []
    /// The pitches of `notes`.
    var pitches: [Int] { notes.map(\.pitch) }

    init(_ text: String) throws {
        let lines = text.split(separator: "\n").map(String.init)
        guard let keyLine = lines.firstIndex(where: { $0.hasPrefix("K:") }) else { throw Failure(description: "no K: line") }
        guard lines.contains("L:1/8") else { throw Failure(description: "no L:1/8") }
        let keyText = String(lines[keyLine].dropFirst(2))
        let tonicLength = keyText.count > 1 && "#b".contains(keyText[keyText.index(after: keyText.startIndex)]) ? 2 : 1
        guard let tonic = Tonic(String(keyText.prefix(tonicLength))) else { throw Failure(description: "bad key \(keyText)") }
        let suffix = String(keyText.dropFirst(tonicLength))
        guard let mode = Mode.allCases.first(where: { $0.abcSuffix == suffix }) else {
            throw Failure(description: "bad mode \(suffix)")
        }
        let signature = Key(tonic: tonic, mode: mode).signature
        let naturals = [0, 2, 4, 5, 7, 9, 11]
        let letters = Array("CDEFGAB")

        let body = Array(lines[(keyLine + 1)...].joined(separator: "\n"))
        var i = 0
        var step = 0
        var barStart = 0
        var altered: [Int: Int] = [:]  // octave * 7 + letter → alteration, this bar
        var tiedPitch: Int?
        func length() throws -> Int {
            var numerator = 0, denominator = 1
            var digits = ""
            while i < body.count, body[i].isNumber {
                digits.append(body[i])
                i += 1
            }
            numerator = digits.isEmpty ? 1 : Int(digits)!
            if i < body.count, body[i] == "/" {
                i += 1
                var under = ""
                while i < body.count, body[i].isNumber {
                    under.append(body[i])
                    i += 1
                }
                denominator = under.isEmpty ? 2 : Int(under)!
            }
            guard (numerator * 2) % denominator == 0 else { throw Failure(description: "length off the 16th grid at \(i)") }
            return numerator * 2 / denominator
        }
        while i < body.count {
            let c = body[i]
            switch c {
            case " ", "\n":
                i += 1
            case "|":
                i += 1
                if i < body.count, body[i] == "]" { i += 1 }
                barSteps.append(step - barStart)
                barStart = step
                altered = [:]
            case "z":
                i += 1
                step += try length()
                tiedPitch = nil
            case "^", "_", "=", "A"..."G", "a"..."g":
                var accidental: Int?
                if c == "^" || c == "_" || c == "=" {
                    accidental = c == "^" ? 1 : c == "_" ? -1 : 0
                    i += 1
                }
                guard i < body.count, let letter = letters.firstIndex(of: Character(body[i].uppercased())) else {
                    throw Failure(description: "no letter after an accidental at \(i)")
                }
                var octave = body[i].isUppercase ? 4 : 5
                i += 1
                while i < body.count, body[i] == "'" || body[i] == "," {
                    octave += body[i] == "'" ? 1 : -1
                    i += 1
                }
                let slot = octave * 7 + letter
                if let accidental { altered[slot] = accidental }
                let alteration = altered[slot] ?? signature[letter]
                let pitch = (octave + 1) * 12 + naturals[letter] + alteration
                let steps = try length()
                if let tied = tiedPitch, tied == pitch, let last = notes.indices.last {
                    notes[last].length += steps
                } else {
                    notes.append(Note(pitch: pitch, start: step, length: steps))
                }
                step += steps
                tiedPitch = nil
                if i < body.count, body[i] == "-" {
                    tiedPitch = pitch
                    i += 1
                }
            default:
                throw Failure(description: "unexpected \(c) at \(i)")
            }
        }
    }
}
