/// One symbol of a voice on the page: a note or a rest of a single written value inside one
/// bar, tied to the next symbol when its note goes on.
///
/// A score cannot write a note of five 16ths, nor one that crosses a bar line, as one
/// symbol; ABC and MusicXML both write such a note as several symbols joined by ties. They
/// get those symbols from `Melody.written(in:)`, so both split every note the same way.
struct WrittenNote: Hashable {
    /// The MIDI pitch; nil for a rest.
    var pitch: Int?
    /// The step the symbol starts on.
    var start: Int
    /// Its length in 16th steps: one of `WrittenNote.values`.
    var steps: Int
    /// Whether it carries on a note begun by the symbol before it (a tie ends here).
    var continues: Bool
    /// Whether its note goes on in the next symbol (a tie starts here).
    var tied: Bool

    /// Whether it is a rest.
    var isRest: Bool { pitch == nil }

    /// The lengths a score writes as one symbol, in 16th steps, longest first: breve,
    /// dotted whole, whole, dotted half, half, dotted quarter, quarter, dotted eighth,
    /// eighth, 16th.
    static let values = [32, 24, 16, 12, 8, 6, 4, 3, 2, 1]

    /// `steps` 16ths as written values, longest first (5 → 4 + 1, 10 → 8 + 2); none for
    /// zero or fewer.
    static func split(_ steps: Int) -> [Int] {
        var rest = steps
        var pieces: [Int] = []
        while rest > 0 {
            // `values` ends with 1, so some value always fits.
            let piece = values.first { $0 <= rest } ?? 1
            pieces.append(piece)
            rest -= piece
        }
        return pieces
    }
}

extension Melody {
    /// The melody as a score writes it: for each of `bars` (ascending, adjacent ranges of
    /// steps), its notes and rests as written values from the bar's first step to its
    /// last. A note that crosses a bar line is cut there and tied over; a length that is
    /// not one written value is written as several, longest first, tied.
    func written(in bars: [Range<Int>]) -> [[WrittenNote]] {
        var next = 0  // the first note that may still sound in the current bar
        return bars.map { bar in
            var symbols: [WrittenNote] = []
            var step = bar.lowerBound
            while next < notes.count && notes[next].end <= bar.lowerBound { next += 1 }
            var n = next
            while step < bar.upperBound {
                if n < notes.count, notes[n].start <= step {
                    let note = notes[n]
                    let pieces = WrittenNote.split(min(note.end, bar.upperBound) - step)
                    for (p, piece) in pieces.enumerated() {
                        let tied = p < pieces.count - 1 || note.end > bar.upperBound
                        symbols.append(
                            WrittenNote(pitch: note.pitch, start: step, steps: piece, continues: step > note.start, tied: tied))
                        step += piece
                    }
                    if note.end <= bar.upperBound { n += 1 }
                } else {
                    let end = n < notes.count ? min(notes[n].start, bar.upperBound) : bar.upperBound
                    for piece in WrittenNote.split(end - step) {
                        symbols.append(WrittenNote(pitch: nil, start: step, steps: piece, continues: false, tied: false))
                        step += piece
                    }
                }
            }
            return symbols
        }
    }
}
