/// ABC notation 2.1 of a tune: the text format folk musicians read, share and import
/// into notation programs (abcjs, music21, EasyABC, MuseScore's importer).
///
/// The unit length is an eighth (`L:1/8`), the tempo is in quarter notes (`Q:1/4=120`),
/// the key is written with its tonic and mode (`K:Edor`). Bars are the tune's own bars
/// (`Tune.bars`), four to a line, the last closed by `|]`. A note or rest that is not one
/// written value (five 16ths, say), or that crosses a bar line, is split into written
/// values joined by ties (`-`). Pitches are spelled in the key: no accidental where the
/// signature gives it, and an explicit one (`^`, `_`, `=`) wherever a reader could
/// otherwise go wrong — on a note off the signature, and on any later note of that
/// letter and octave in the same bar.
///
/// A tune of several voices writes each voice in turn after the header: a `V:` line that
/// defines it (`V:1 name="Soprano" clef=treble`), then all its bars, on lines of the same
/// bars in every voice. Each voice appears once, so readers that make one part per `V:`
/// line (music21) find one part per voice, and abcjs and abcm2ps stack the voices' lines
/// into systems.
public enum ABCNotation {
    /// Bars per line of music.
    public static let barsPerLine = 4

    /// The ABC text of one tune.
    /// - Parameters:
    ///   - reference: the `X:` number.
    ///   - title: the `T:` line.
    ///   - tempo: quarter notes per minute, for `Q:`.
    ///   - staves: for a four-voice tune, a staff per voice (`.perVoice`, as `.abc` files
    ///     have it) or soprano and alto on a treble staff, tenor and bass on a bass staff
    ///     (`.paired`, a hymnal's close score, for engraving).
    public static func text(
        for tune: Tune, reference: Int = 1, title: String, tempo: Double, staves: ScoreStaves = .perVoice
    ) -> String {
        let meter = tune.effectiveMeter
        var lines = [
            "X:\(reference)",
            "T:\(title.replacingOccurrences(of: "\n", with: " "))",
            "M:\(meter)",
            "L:1/8",
            "Q:1/4=\(Int(tempo.rounded()))",
            "K:\(tune.key.tonic)\(tune.key.mode.abcSuffix)",
        ]
        let paired = staves == .paired && tune.voices.count == 4
        if paired { lines.insert("%%score [(1 2) (3 4)]", at: lines.count - 1) }
        let bars = tune.bars
        if tune.voices.count == 1 {
            lines += self.lines(of: tune.melody, bars: bars, meter: meter, key: tune.key)
        } else {
            let clefs = Clef.clefs(for: tune)
            for (index, voice) in tune.voices.enumerated() {
                lines.append(
                    paired
                        ? pairedVoiceLines[index]
                        : voiceLine(index: index, count: tune.voices.count, clef: clefs[index]))
                lines += self.lines(of: voice, bars: bars, meter: meter, key: tune.key)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `V:` line that opens voice `index` of `count`: its number, name and clef.
    ///
    /// A voice in the treble clef with an 8 below keeps its notes at pitch in the text and
    /// says `octave=1`: ABC 2.1 draws it an octave up on that staff and plays it an octave
    /// down (`-8`), so it sounds as written — and a reader that knows neither reads it at
    /// pitch too.
    static func voiceLine(index: Int, count: Int, clef: Clef) -> String {
        let octave = clef.octaveChange == 0 ? "" : " octave=\(-clef.octaveChange)"
        return "V:\(index + 1) name=\"\(VoiceNames.name(of: index, among: count))\" clef=\(clef.abcName)\(octave)"
    }

    /// The `V:` lines of a close score: the upper voice of each staff with its stems up.
    static let pairedVoiceLines = [
        "V:1 name=\"S. A.\" clef=treble stem=up", "V:2 clef=treble stem=down",
        "V:3 name=\"T. B.\" clef=bass stem=up", "V:4 clef=bass stem=down",
    ]

    /// The lines of music of one voice: its bars, four to a line (a pickup does not count),
    /// the last closed by `|]`. Every voice of a tune breaks its lines at the same bars.
    static func lines(of voice: Melody, bars: [Range<Int>], meter: Meter, key: Key) -> [String] {
        var lines: [String] = []
        var line = ""
        var barsOnLine = 0
        for (index, symbols) in voice.written(in: bars).enumerated() {
            let bar = bars[index]
            let last = index == bars.count - 1
            line += text(of: symbols, bar: bar, meter: meter, key: key) + (last ? " |]" : " | ")
            // A short first bar (a pickup) does not count towards the line's four.
            if !(index == 0 && bar.count < meter.stepsPerBar && !last) { barsOnLine += 1 }
            if barsOnLine == barsPerLine || last {
                lines.append(line.trimmingCharacters(in: [" "]))
                line = ""
                barsOnLine = 0
            }
        }
        return lines
    }

    /// One bar's notes and rests, beamed by beat, with their accidentals.
    static func text(of symbols: [WrittenNote], bar: Range<Int>, meter: Meter, key: Key) -> String {
        var speller = Speller(key: key)
        var text = ""
        for symbol in symbols {
            let name = symbol.pitch.map { speller.text(Spelling(pitch: $0, key: key)) } ?? "z"
            text += beatSpace(symbol.start, bar: bar, meter: meter) + name + length(symbol.steps) + (symbol.tied ? "-" : "")
        }
        return text.trimmingCharacters(in: [" "])
    }

    /// A space before a note that starts a beat (not the bar's first), so that notes beam
    /// by beat as a musician writes them.
    static func beatSpace(_ step: Int, bar: Range<Int>, meter: Meter) -> String {
        let offset = step - bar.lowerBound
        return offset > 0 && offset % meter.stepsPerBeat == 0 ? " " : ""
    }

    /// The length suffix for `steps` 16ths with `L:1/8`: 1 → `/`, 2 → ``, 3 → `3/`, 4 → `2`.
    static func length(_ steps: Int) -> String {
        if steps == 2 { return "" }
        if steps % 2 == 0 { return String(steps / 2) }
        return steps == 1 ? "/" : "\(steps)/"
    }
}
