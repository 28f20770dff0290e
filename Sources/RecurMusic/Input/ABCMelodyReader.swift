/// Reads the first tune of an ABC 2.1 text as one voice on the 16th-note grid.
///
/// The tune starts at its `X:` line (or the text's start when it has none); its header
/// runs to the `K:` line. `M:`, `L:` (an eighth, or a 16th for meters below 3/4, when
/// absent, as ABC 2.1 says), `K:` and `V:` are read; the other fields are skipped. The
/// body ends at a blank line after its music, or at the next `X:`.
///
/// Repeats are not expanded: `|:`, `:|`, `::` and the endings `[1`, `[2` (`|1`, `:|2`)
/// are bar lines, and the music is read once, as written, the first ending followed by
/// the second. Refused, with the bar (1-based from the body's first bar; a pickup is bar
/// 1) and beat: chords, a second voice, tuplets, grace notes, a change of meter or key
/// after the first note, a length off the 16th-note grid, and any symbol not known.
enum ABCMelodyReader {
    /// The melody of the first tune in `text`.
    static func read(_ text: String) throws(MelodyInputError) -> MelodyInput {
        // Fields start their line; an indented tune (pasted into a job) reads the same.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.drop { $0 == " " || $0 == "\t" } }
        let start = lines.firstIndex { $0.hasPrefix("X:") } ?? 0
        var meter: Meter?
        var unit: ABCLength?
        var voice: String?
        var key: ABCKey?
        var index = start
        while index < lines.count, key == nil {
            let line = lines[index]
            index += 1
            guard !line.hasPrefix("%"), let field = ABCBodyScanner.field(line) else { continue }
            let value = ABCFields.value(field.value)
            switch field.letter {
            case "M": meter = try ABCFields.meter(value)
            case "L": unit = try ABCLength(ABCFields.unit(value))
            case "V":
                let id = String(value.prefix { !$0.isWhitespace })
                if let voice, voice != id { throw MelodyInputError(format: .abc, problem: .secondVoice("V:\(id)")) }
                voice = id
            case "K": key = try ABCFields.key(value)
            default: continue
            }
        }
        guard let key else {
            throw MelodyInputError(
                format: .abc,
                problem: .malformed("the tune has no K: line; ABC 2.1 ends a tune's header with K: (K:G, K:Ador, K:none)"))
        }
        var scanner = ABCBodyScanner(
            unit: unit ?? ABCLength(ABCFields.defaultUnit(for: meter)), key: key, meter: meter, voice: voice)
        scanner.scan(lines[index...])
        let timeline = try layOut(resolvingBrokenRhythm(in: scanner.elements), meter: scanner.meter)
        guard !timeline.notes.isEmpty else { throw MelodyInputError(format: .abc, problem: .empty) }
        return MelodyInput(
            format: .abc, tokens: timeline.text, meter: scanner.meter, key: scanner.key.tonic, mode: scanner.key.mode)
    }

    /// The elements with each broken rhythm applied to the notes either side of it:
    /// `A>B` is a dotted A and a half-length B, `A<B` the other way round, `>>` and `>>>`
    /// dot twice and three times. A broken rhythm without a note on each side becomes a
    /// refusal where it stands.
    static func resolvingBrokenRhythm(in elements: [ABCElement]) -> [ABCElement] {
        var resolved: [ABCElement] = []
        var next: ABCLength?  // the factor for the note after a broken rhythm
        let misplaced = MelodyInputError.Problem.malformed(
            "a broken rhythm (> or <) needs a note or rest on each side in one bar, as in A>B")
        for element in elements {
            switch element {
            case .broken(let count):
                guard next == nil, let last = resolved.last, let lengthened = last.scaled(by: .one) else {
                    return resolved + [.refusal(misplaced)]
                }
                let long = ABCLength(numerator: (2 << abs(count)) - 1, denominator: 1 << abs(count))
                let short = ABCLength(numerator: 1, denominator: 1 << abs(count))
                resolved[resolved.count - 1] = lengthened.scaled(by: count > 0 ? long : short) ?? lengthened
                next = count > 0 ? short : long
            case .note, .rest:
                resolved.append(next.flatMap { element.scaled(by: $0) } ?? element)
                next = nil
            case .barLine, .refusal:
                if next != nil { return resolved + [.refusal(misplaced)] }
                resolved.append(element)
            }
        }
        return next == nil ? resolved : resolved + [.refusal(misplaced)]
    }

    /// The elements laid end to end on the 16th-note grid; a refusal, or a length off
    /// the grid, is thrown with the bar and beat where it stands.
    static func layOut(_ elements: [ABCElement], meter: Meter?) throws(MelodyInputError) -> MelodyTimeline {
        var timeline = MelodyTimeline()
        func refusal(_ problem: MelodyInputError.Problem) -> MelodyInputError {
            MelodyInputError(
                format: .abc, problem: problem, bar: timeline.barNumber,
                beat: MelodyTimeline.beat(offset: timeline.steps - timeline.barStart, meter: meter))
        }
        for element in elements {
            switch element {
            case .note(_, let length, _, let text), .rest(let length, let text):
                guard 16 * length.numerator % length.denominator == 0 else {
                    throw refusal(.offGrid("\(text) lasts \(length.reduced) of a whole note"))
                }
                let steps = 16 * length.numerator / length.denominator
                guard timeline.fits(steps) else { throw refusal(.tooLong) }
                if case .note(let pitch, _, let tie, _) = element {
                    timeline.append(pitch: pitch, steps: steps, tiesToNext: tie)
                } else {
                    timeline.append(pitch: nil, steps: steps)
                }
            case .barLine:
                timeline.closeBar()
            case .refusal(let problem):
                throw refusal(problem)
            case .broken:
                continue  // resolved before
            }
        }
        return timeline
    }
}
