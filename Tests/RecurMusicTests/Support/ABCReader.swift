import RecurMusic

/// A small reader of the ABC that `ABCNotation` writes (`L:1/8`, one voice or several),
/// written from the ABC 2.1 standard to check the writer: note lengths, ties, rests, bar
/// lengths, accidentals that last to the end of the bar, and each voice's `V:` line
/// (`name=`, `clef=` with its `-8`, `octave=`).
struct ABCReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// One voice: what its `V:` line says and what it plays.
    struct Voice {
        /// The voice's id (`1` for `V:1`); empty for a tune without `V:` lines.
        var id = ""
        /// Its `name=`.
        var name: String?
        /// Its `clef=`, as written (`treble-8`).
        var clef: String?
        /// Its `octave=`: how many octaves above the letters the music is.
        var octave = 0
        /// The notes, ties merged, in 16th steps, at the pitch they sound.
        var notes: [Note] = []
        /// Each bar's length in 16th steps.
        var barSteps: [Int] = []
    }

    /// The voices in the order they appear; one for a tune without `V:` lines.
    var voices: [Voice] = []
    /// The lines before the body (`X:` … `K:`).
    var header: [String] = []
    /// The first voice's notes.
    var notes: [Note] { voices.first?.notes ?? [] }
    /// The first voice's bar lengths.
    var barSteps: [Int] { voices.first?.barSteps ?? [] }
    /// The pitches of `notes`.
    var pitches: [Int] { notes.map(\.pitch) }

    init(_ text: String) throws {
        let lines = text.split(separator: "\n").map(String.init)
        guard let keyLine = lines.firstIndex(where: { $0.hasPrefix("K:") }) else { throw Failure(description: "no K: line") }
        guard lines.contains("L:1/8") else { throw Failure(description: "no L:1/8") }
        header = Array(lines[...keyLine])
        let keyText = String(lines[keyLine].dropFirst(2))
        let tonicLength = keyText.count > 1 && "#b".contains(keyText[keyText.index(after: keyText.startIndex)]) ? 2 : 1
        guard let tonic = Tonic(String(keyText.prefix(tonicLength))) else { throw Failure(description: "bad key \(keyText)") }
        let suffix = String(keyText.dropFirst(tonicLength))
        guard let mode = Mode.allCases.first(where: { $0.abcSuffix == suffix }) else {
            throw Failure(description: "bad mode \(suffix)")
        }
        let signature = Key(tonic: tonic, mode: mode).signature

        var sections: [(voice: Voice, body: [String])] = []
        for line in lines[(keyLine + 1)...] {
            if line.hasPrefix("V:") {
                let voice = try Self.voice(line)
                guard !sections.contains(where: { $0.voice.id == voice.id }) else {
                    throw Failure(description: "voice \(voice.id) appears twice")
                }
                sections.append((voice, []))
            } else {
                if sections.isEmpty { sections.append((Voice(), [])) }
                sections[sections.count - 1].body.append(line)
            }
        }
        for (voice, body) in sections {
            var read = voice
            // ABC 2.1: octave= moves the letters, a clef's -8 sounds an octave below the staff.
            let shift = 12 * voice.octave - (voice.clef?.hasSuffix("-8") == true ? 12 : 0)
            (read.notes, read.barSteps) = try Self.music(Array(body.joined(separator: "\n")), signature: signature, shift: shift)
            voices.append(read)
        }
    }

    /// A `V:` line's id, `name="…"`, `clef=` and `octave=`.
    static func voice(_ line: String) throws -> Voice {
        var voice = Voice()
        var rest = Substring(line.dropFirst(2))
        voice.id = String(rest.prefix { $0 != " " })
        rest = rest.dropFirst(voice.id.count)
        guard !voice.id.isEmpty else { throw Failure(description: "a V: line without an id: \(line)") }
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: [" "])
            rest = rest[rest.index(after: equals)...]
            let value: String
            if rest.first == "\"" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: "\"") else { throw Failure(description: "unclosed quote: \(line)") }
                value = String(body[..<close])
                rest = body[body.index(after: close)...]
            } else {
                value = String(rest.prefix { $0 != " " })
                rest = rest.dropFirst(value.count)
            }
            switch key {
            case "name": voice.name = value
            case "clef": voice.clef = value
            case "octave":
                guard let octave = Int(value) else { throw Failure(description: "bad octave= in \(line)") }
                voice.octave = octave
            default: throw Failure(description: "unknown \(key)= in \(line)")
            }
        }
        return voice
    }

    /// The notes and bar lengths of one voice's music, each pitch moved by `shift` semitones.
    static func music(_ body: [Character], signature: [Int], shift: Int) throws -> ([Note], [Int]) {
        let naturals = [0, 2, 4, 5, 7, 9, 11]
        let letters = Array("CDEFGAB")
        var notes: [Note] = []
        var barSteps: [Int] = []
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
                let pitch = (octave + 1) * 12 + naturals[letter] + alteration + shift
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
        return (notes, barSteps)
    }
}
