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
public enum ABCNotation {
    /// Written values in 16th steps, longest first: whole, dotted half, half, dotted
    /// quarter, quarter, dotted eighth, eighth, 16th (and the long values of 3/2, 4/2).
    static let writtenValues = [32, 24, 16, 12, 8, 6, 4, 3, 2, 1]

    /// Bars per line of music.
    public static let barsPerLine = 4

    /// The ABC text of one tune.
    /// - Parameters:
    ///   - reference: the `X:` number.
    ///   - title: the `T:` line.
    ///   - tempo: quarter notes per minute, for `Q:`.
    public static func text(for tune: Tune, reference: Int = 1, title: String, tempo: Double) -> String {
        let meter = tune.effectiveMeter
        var lines = [
            "X:\(reference)",
            "T:\(title.replacingOccurrences(of: "\n", with: " "))",
            "M:\(meter)",
            "L:1/8",
            "Q:1/4=\(Int(tempo.rounded()))",
            "K:\(tune.key.tonic)\(tune.key.mode.abcSuffix)",
        ]
        let bars = tune.bars
        var line = ""
        var barsOnLine = 0
        let notes = tune.melody.notes
        var next = 0  // the first note that may still sound in the current bar
        for (index, bar) in bars.enumerated() {
            var speller = Speller(key: tune.key)
            var items: [String] = []
            var step = bar.lowerBound
            while next < notes.count && notes[next].end <= bar.lowerBound { next += 1 }
            var n = next
            while step < bar.upperBound {
                if n < notes.count, notes[n].start <= step {
                    let note = notes[n]
                    let end = min(note.end, bar.upperBound)
                    let spelling = Spelling(pitch: note.pitch, key: tune.key)
                    let pieces = split(end - step)
                    for (p, piece) in pieces.enumerated() {
                        let tied = p < pieces.count - 1 || note.end > bar.upperBound
                        items.append(
                            beatSpace(step, bar: bar, meter: meter) + speller.text(spelling) + length(piece)
                                + (tied ? "-" : ""))
                        step += piece
                    }
                    if note.end <= bar.upperBound { n += 1 }
                } else {
                    let end = n < notes.count ? min(notes[n].start, bar.upperBound) : bar.upperBound
                    for piece in split(end - step) {
                        items.append(beatSpace(step, bar: bar, meter: meter) + "z" + length(piece))
                        step += piece
                    }
                }
            }
            let last = index == bars.count - 1
            line += items.joined().trimmingCharacters(in: [" "]) + (last ? " |]" : " | ")
            // A short first bar (a pickup) does not count towards the line's four.
            if !(index == 0 && bar.count < meter.stepsPerBar && !last) { barsOnLine += 1 }
            if barsOnLine == barsPerLine || last {
                lines.append(line.trimmingCharacters(in: [" "]))
                line = ""
                barsOnLine = 0
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A space before a note that starts a beat (not the bar's first), so that notes beam
    /// by beat as a musician writes them.
    static func beatSpace(_ step: Int, bar: Range<Int>, meter: Meter) -> String {
        let offset = step - bar.lowerBound
        return offset > 0 && offset % meter.stepsPerBeat == 0 ? " " : ""
    }

    /// `steps` 16ths as written values, longest first (5 → 4 + 1).
    static func split(_ steps: Int) -> [Int] {
        var rest = steps
        var pieces: [Int] = []
        while rest > 0 {
            let piece = writtenValues.first { $0 <= rest }!
            pieces.append(piece)
            rest -= piece
        }
        return pieces
    }

    /// The length suffix for `steps` 16ths with `L:1/8`: 1 → `/`, 2 → ``, 3 → `3/`, 4 → `2`.
    static func length(_ steps: Int) -> String {
        if steps == 2 { return "" }
        if steps % 2 == 0 { return String(steps / 2) }
        return steps == 1 ? "/" : "\(steps)/"
    }
}
