import RecurMusic

/// Reads back the MusicXML that `MusicXML` writes, from the MusicXML 4.0 reference, to
/// check the writer: parts, measures and their lengths, and the notes each part sounds
/// (ties merged), with every tie checked to join two pieces of one pitch.
struct MusicXMLReader {
    typealias Failure = ABCReader.Failure

    /// One `<part>`: its name in the part list, its measures and the notes they sound.
    struct Part {
        var id: String
        var name: String
        var measures: [ParsedElement]
        /// The notes, ties merged, in divisions (16th steps) from the first measure's start.
        var notes: [Note]
        /// Each measure's length in divisions: the sum of its notes' durations.
        var measureSteps: [Int]
    }

    /// The document's root, `<score-partwise>`.
    let root: ParsedElement
    /// The parts, in order.
    var parts: [Part] = []

    init(_ text: String) throws {
        root = try ParsedElement.parse(text)
        guard root.name == "score-partwise" else { throw Failure(description: "root is \(root.name)") }
        let names = Dictionary(
            uniqueKeysWithValues: root.descendants("score-part").map {
                ($0.attributes["id"] ?? "", $0.text(at: "part-name") ?? "")
            })
        for part in root.children("part") {
            let id = part.attributes["id"] ?? ""
            guard let name = names[id] else { throw Failure(description: "part \(id) is not in the part list") }
            let measures = part.children("measure")
            let (notes, measureSteps) = try Self.notes(of: measures)
            parts.append(Part(id: id, name: name, measures: measures, notes: notes, measureSteps: measureSteps))
        }
    }

    /// The notes of a part's measures and each measure's length, checking that every
    /// `<tie type="stop"/>` follows a `<tie type="start"/>` of the same pitch, that the
    /// `<tied>` notations say the same, and that each written value matches its duration.
    static func notes(of measures: [ParsedElement]) throws -> ([Note], [Int]) {
        var notes: [Note] = []
        var measureSteps: [Int] = []
        var step = 0
        var tieOpen = false
        for measure in measures {
            var length = 0
            for note in measure.children("note") {
                guard let duration = note.text(at: "duration").flatMap(Int.init), duration > 0 else {
                    throw Failure(description: "a note without a duration in measure \(measure.attributes["number"] ?? "?")")
                }
                let ties = Set(note.children("tie").compactMap { $0.attributes["type"] })
                let tied = Set(note.descendants("tied").compactMap { $0.attributes["type"] })
                guard ties == tied else { throw Failure(description: "tie \(ties) but tied \(tied) at step \(step)") }
                if let rest = note.child("rest") {
                    guard ties.isEmpty, !tieOpen else { throw Failure(description: "a tied rest at step \(step)") }
                    if rest.attributes["measure"] != "yes" { try checkType(of: note, duration: duration) }
                } else {
                    try checkType(of: note, duration: duration)
                    let pitch = try self.pitch(of: note)
                    if ties.contains("stop") {
                        guard tieOpen, let last = notes.indices.last, notes[last].pitch == pitch, notes[last].end == step else {
                            throw Failure(description: "a tie stops at step \(step) with no tie of \(pitch) open")
                        }
                        notes[last].length += duration
                    } else {
                        guard !tieOpen else { throw Failure(description: "a tie left open before step \(step)") }
                        notes.append(Note(pitch: pitch, start: step, length: duration))
                    }
                    tieOpen = ties.contains("start")
                }
                step += duration
                length += duration
            }
            measureSteps.append(length)
        }
        guard !tieOpen else { throw Failure(description: "the last note's tie goes nowhere") }
        return (notes, measureSteps)
    }

    /// The MIDI pitch of a `<note>`'s `<pitch>`.
    static func pitch(of note: ParsedElement) throws -> Int {
        let naturals: [String: Int] = ["C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11]
        guard let step = note.text(at: "pitch", "step").flatMap({ naturals[$0] }),
            let octave = note.text(at: "pitch", "octave").flatMap(Int.init)
        else { throw Failure(description: "a note without a pitch") }
        let alter = note.text(at: "pitch", "alter").flatMap(Int.init) ?? 0
        return (octave + 1) * 12 + step + alter
    }

    /// Checks that a note's `<type>` and `<dot/>`s make its duration, in 16ths.
    static func checkType(of note: ParsedElement, duration: Int) throws {
        let values = ["breve": 32, "whole": 16, "half": 8, "quarter": 4, "eighth": 2, "16th": 1]
        guard let type = note.text(at: "type"), let value = values[type] else {
            throw Failure(description: "a note of \(duration) without a known type")
        }
        let dots = note.children("dot").count
        let written = dots == 1 ? value * 3 / 2 : dots == 0 ? value : -1
        guard written == duration else { throw Failure(description: "a \(type) with \(dots) dots lasting \(duration)") }
    }
}
