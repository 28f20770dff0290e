/// The clef a voice is written in: a score names it, ABC writes it on the voice's `V:` line.
enum Clef: Hashable {
    /// The G clef: soprano and alto, and any melody.
    case treble
    /// The G clef with an 8 below: a tenor, sounding an octave below the staff.
    case trebleOctaveDown
    /// The F clef: the bass.
    case bass

    /// The clef of each voice of `tune`, the highest first: treble, treble, treble with an 8
    /// below and bass for the four voices of a chorale; otherwise the clef that suits each
    /// voice's median pitch (an empty voice takes the treble clef).
    static func clefs(for tune: Tune) -> [Clef] {
        if tune.voices.count == 4 { return [.treble, .treble, .trebleOctaveDown, .bass] }
        return tune.voices.map { voice in
            let pitches = voice.notes.map(\.pitch).sorted()
            guard !pitches.isEmpty else { return .treble }
            return forMedian(pitches[pitches.count / 2])
        }
    }

    /// The clef whose staff best holds notes around `pitch`: treble from middle C up,
    /// treble with an 8 below from F3 (a tenor's range), bass below.
    static func forMedian(_ pitch: Int) -> Clef {
        if pitch >= 60 { return .treble }
        if pitch >= 53 { return .trebleOctaveDown }
        return .bass
    }

    /// How many octaves the voice sounds above its staff position (the small 8: −1).
    var octaveChange: Int { self == .trebleOctaveDown ? -1 : 0 }

    /// ABC's name for it on a `V:` line.
    var abcName: String {
        switch self {
        case .treble: "treble"
        case .trebleOctaveDown: "treble-8"
        case .bass: "bass"
        }
    }
}
