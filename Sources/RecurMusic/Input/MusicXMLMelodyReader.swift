import Foundation

/// Reads the melody of an uncompressed MusicXML score (`score-partwise`) as one voice on
/// the 16th-note grid.
///
/// The melody is the first `<part>`. `<divisions>` gives the time unit; `<time>` the meter
/// (none for `<senza-misura>`); `<key>` the key, from its `<fifths>` and `<mode>` (major's
/// tonic when the mode is left out). Notes are `<pitch>` (step, alter, octave) or `<rest>`
/// with a `<duration>`; notes joined by `<tie>` (or `<tied>`) of one pitch are merged.
/// Every measure closes with a bar line. Refused, with the measure's number as the bar and
/// the beat: `<chord/>`, `<backup>` and `<forward>` (a second voice), `<grace>`,
/// `<time-modification>` (tuplets), durations off the 16th-note grid, and a change of
/// time or key after the first note.
enum MusicXMLMelodyReader {
    /// The melody of the first part of the MusicXML document `data`.
    static func read(_ data: Data) throws(MelodyInputError) -> MelodyInput {
        if data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw MelodyInputError(
                format: .musicxml,
                problem: .malformed("the document defines XML entities, which MusicXML never needs; export the score again"))
        }
        var reading = Reading()
        for item in try MusicXMLScanner.items(in: data) { try reading.read(item) }
        guard !reading.timeline.notes.isEmpty else { throw MelodyInputError(format: .musicxml, problem: .empty) }
        let key = reading.key.flatMap { Key(fifths: $0.fifths, mode: $0.mode ?? .major) }
        return MelodyInput(
            format: .musicxml, tokens: reading.timeline.text, meter: reading.meter, key: key?.tonic, mode: reading.key?.mode)
    }

    /// The state of reading a part from its first item to its last.
    struct Reading {
        var timeline = MelodyTimeline()
        var divisions: Int?
        var meter: Meter?
        var key: (fifths: Int, mode: Mode?)?
        /// The current measure's number (its position when it has no integer number).
        var measure = 0
        var measures = 0
        var measureStart = 0
        /// Where the last note started, and its name, for a chord built on it.
        var lastNote: (start: Int, name: String)?
        var hasMusic: Bool { timeline.steps > 0 }

        func refusal(_ problem: MelodyInputError.Problem, at step: Int? = nil) -> MelodyInputError {
            let offset = (step ?? timeline.steps) - measureStart
            return MelodyInputError(
                format: .musicxml, problem: problem, bar: measure, beat: MelodyTimeline.beat(offset: max(0, offset), meter: meter)
            )
        }

        func malformed(_ message: String) -> MelodyInputError { refusal(.malformed(message)) }

        mutating func read(_ item: MusicXMLItem) throws(MelodyInputError) {
            switch item {
            case .measure(let number):
                measures += 1
                measure = number.flatMap { Int($0) } ?? measures
                measureStart = timeline.steps
            case .measureEnd:
                timeline.closeBar()
            case .divisions(let text):
                guard let value = Int(text), (1...1_000_000).contains(value) else {
                    throw malformed("<divisions>\(text)</divisions> is not a number of divisions a quarter (1 or more)")
                }
                divisions = value
            case .key(let fifthsText, let modeText):
                guard let fifths = fifthsText.flatMap({ Int($0) }), (-7...7).contains(fifths) else {
                    throw refusal(.unsupported("a <key> without <fifths> −7…7; give a key signature of sharps or flats"))
                }
                let new = (fifths: fifths, mode: Self.mode(modeText))
                if let key, hasMusic, key.fifths != new.fifths || key.mode != new.mode {
                    throw refusal(.change("key from \(Self.describe(key)) to \(Self.describe(new))"))
                }
                key = new
            case .time(let beats, let beatType, let senzaMisura):
                var new: Meter?
                if !senzaMisura {
                    guard let numerator = beats.flatMap({ Int($0) }), let denominator = beatType.flatMap({ Int($0) }),
                        let meter = Meter(numerator: numerator, denominator: denominator)
                    else {
                        throw refusal(
                            .unsupported(
                                "a time signature \(beats ?? "?")/\(beatType ?? "?"); give N/D with N 1…32 and D 1, 2, 4, 8 or 16"
                            ))
                    }
                    new = meter
                }
                if hasMusic, new != meter {
                    throw refusal(
                        .change("meter from \(meter.map(\.description) ?? "none") to \(new.map(\.description) ?? "none")"))
                }
                meter = new
            case .move(let name, let duration):
                // A backup starts the second voice where it moves back to.
                let back =
                    name == "backup"
                    ? duration.flatMap { Int($0) }.map { 4 * max(0, min($0, 1_000_000_000)) / (divisions ?? 4) } : nil
                throw refusal(.secondVoice("<\(name)>"), at: max(measureStart, timeline.steps - (back ?? 0)))
            case .note(let note):
                try read(note)
            }
        }

        mutating func read(_ note: MusicXMLNote) throws(MelodyInputError) {
            let name = note.isRest ? "a rest" : Self.name(of: note)
            if note.isGrace { throw refusal(.graceNote("(\(name))")) }
            if note.isChord {
                throw refusal(.chord("(\(name) with \(lastNote?.name ?? "the note before"))"), at: lastNote?.start)
            }
            if note.isTuplet { throw refusal(.tuplet("(\(name) in a <time-modification>)")) }
            if note.isUnpitched {
                throw refusal(.unsupported("an unpitched (percussion) note; give a melody of pitched notes"))
            }
            guard let divisions else { throw malformed("a <note> comes before any <divisions>; export the score again") }
            guard let duration = note.duration.flatMap({ Int($0) }), (0...1_000_000_000).contains(duration) else {
                throw malformed("\(name) has no <duration> of 0 or more divisions")
            }
            guard 4 * duration % divisions == 0 else {
                throw refusal(.offGrid("\(name) lasts \(duration) of \(divisions) divisions a quarter"))
            }
            let steps = 4 * duration / divisions
            guard steps > 0 else { return }  // a note of no time sounds nothing
            guard timeline.fits(steps) else { throw refusal(.tooLong) }
            var pitch: Int?
            if !note.isRest { pitch = try self.pitch(of: note, name: name) }
            lastNote = (timeline.steps, name)
            timeline.append(pitch: pitch, steps: steps, tiesToNext: note.tiesToNext)
        }

        /// The MIDI pitch of `<step>`, `<alter>` and `<octave>` (C4 = 60).
        func pitch(of note: MusicXMLNote, name: String) throws(MelodyInputError) -> Int {
            guard let step = note.step, let letter = Array("CDEFGAB").firstIndex(of: Character(step.count == 1 ? step : "?")),
                let octave = note.octave.flatMap({ Int($0) }), (0...9).contains(octave)
            else { throw malformed("\(name) has no <step> A…G and <octave> 0…9 in its <pitch>") }
            var alteration = 0
            if let alter = note.alter {
                guard let value = Double(alter), let whole = Int(exactly: value), (-2...2).contains(whole) else {
                    throw refusal(.unsupported("\(name) is altered by \(alter) semitones; give whole semitones (no microtones)"))
                }
                alteration = whole
            }
            let pitch = 12 * (octave + 1) + Tonic.naturalPitchClasses[letter] + alteration
            guard (0...127).contains(pitch) else { throw refusal(.outOfRange("\(name) (n\(pitch))")) }
            return pitch
        }

        /// `G major`, or `1 sharp` for a signature without a mode.
        static func describe(_ key: (fifths: Int, mode: Mode?)) -> String {
            if let mode = key.mode, let named = Key(fifths: key.fifths, mode: mode) { return named.description }
            let count = abs(key.fifths)
            return "\(count) \(key.fifths < 0 ? "flat" : "sharp")\(count == 1 ? "" : "s")"
        }

        /// `F#4`, `Bb3`: a note as a musician names it.
        static func name(of note: MusicXMLNote) -> String {
            let alteration = note.alter.flatMap { Double($0) }.flatMap { abs($0) < 10 ? Int($0) : nil } ?? 0
            let accidental =
                alteration > 0
                ? String(repeating: "#", count: min(2, alteration)) : String(repeating: "b", count: min(2, -alteration))
            return (note.step ?? "?") + accidental + (note.octave ?? "")
        }

        /// A `<mode>`: the seven modes, `ionian` as major and `aeolian` as minor; nil for
        /// `none` or no mode.
        static func mode(_ text: String?) -> Mode? {
            switch text?.lowercased() {
            case "ionian": .major
            case "aeolian": .minor
            case let name?: Mode(rawValue: name)
            case nil: nil
            }
        }
    }
}
