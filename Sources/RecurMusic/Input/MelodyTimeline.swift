/// The melody a reader has read so far: notes and rests laid end to end on the 16th-note
/// grid, ties merged, and where its bar lines fall.
///
/// The ABC and MusicXML readers read a tune from its start to its end and share this, so
/// that both merge ties and place bar lines alike, and both know the bar they are in
/// when they must refuse something.
struct MelodyTimeline {
    /// The notes, in order, never overlapping.
    private(set) var notes: [Note] = []
    /// Where the next note or rest starts: the length so far.
    private(set) var steps = 0
    /// Steps at which a bar line falls, ascending, each above 0.
    private(set) var barLines: [Int] = []
    /// Whether the last note is tied to the next.
    private var tieOpen = false

    /// The step where the current bar started.
    var barStart: Int { barLines.last ?? 0 }
    /// The current bar's number, 1-based: bar lines passed, plus one.
    var barNumber: Int { barLines.count + 1 }
    /// Whether `length` more steps keep the melody within `MelodyInput.maximumSteps`.
    func fits(_ length: Int) -> Bool { length <= MelodyInput.maximumSteps - steps }

    /// Adds a note of `pitch` (a rest when nil) lasting `length` steps. A note of the pitch
    /// of a note tied to it (`tiesToNext` on that one) and starting where it ends
    /// lengthens that note instead.
    mutating func append(pitch: Int?, steps length: Int, tiesToNext: Bool = false) {
        if let pitch {
            if tieOpen, let last = notes.last, last.pitch == pitch, last.end == steps {
                notes[notes.count - 1].length += length
            } else {
                notes.append(Note(pitch: pitch, start: steps, length: length))
            }
        }
        tieOpen = pitch != nil && tiesToNext
        steps += length
    }

    /// Closes the current bar; a bar line before any step, or right after another, closes
    /// nothing.
    mutating func closeBar() {
        if steps > 0 && barLines.last != steps { barLines.append(steps) }
    }

    /// The melody's token text.
    var text: String { Self.text(of: Melody(notes: notes, steps: steps), barLines: barLines) }

    /// The token text of `melody` with a bar line at each of `barLines` (steps in
    /// 1…`melody.steps`), and one closing the last bar whether or not the file wrote it,
    /// so that every format gives the same tokens for the same tune.
    static func text(of melody: Melody, barLines: [Int]) -> String {
        var lines = barLines.filter { $0 > 0 && $0 <= melody.steps }
        if lines.last != melody.steps { lines.append(melody.steps) }
        let tune = Tune(melody: melody, barLines: lines)
        return NoteEncoding.standard.tokens(for: tune, endOfTune: false).joined(separator: " ")
    }

    /// The 1-based beat `offset` steps into a bar of `meter` (quarters when nil).
    static func beat(offset: Int, meter: Meter?) -> Int {
        offset / (meter?.stepsPerBeat ?? 4) + 1
    }
}

extension Key {
    /// The key with `fifths` sharps (positive) or flats (negative) in `mode`: one sharp is
    /// G major, E minor, A dorian. MIDI and MusicXML give a key this way; nil outside −7…7.
    init?(fifths: Int, mode: Mode) {
        guard (-7...7).contains(fifths) else { return nil }
        // Each fifth up moves the major tonic four letters and seven semitones.
        let majorLetter = (4 * fifths % 7 + 7) % 7
        let majorPitchClass = (7 * fifths % 12 + 12) % 12
        let letter = (majorLetter + mode.letterSteps) % 7
        let pitchClass = (majorPitchClass + mode.whiteKeyTonic) % 12
        let alteration = ((pitchClass - Tonic.naturalPitchClasses[letter]) % 12 + 18) % 12 - 6
        self.init(tonic: Tonic(letter: letter, alteration: alteration), mode: mode)
    }
}
