/// A melody, or several voices, with what a musician reads it by: meter, key and bars.
///
/// Decoding gives a tune on the white keys (its mode fixes the tonic: C major, A minor,
/// D dorian …); `inKey(_:)` moves it to the tonic a user asked for. Every writer (audio,
/// MIDI, ABC, the piano roll) takes a tune, so that all formats of a sample agree.
public struct Tune: Sendable, Hashable {
    /// The notes of each voice, in the key below, the highest voice (soprano) first; one
    /// for a melody. Every voice lasts the same number of steps.
    public var voices: [Melody]
    /// The meter of its `M:` header; nil when the tokens name none.
    public var meter: Meter?
    /// The mode of its `K:` header; nil when the tokens name none (read as major).
    public var mode: Mode?
    /// Steps at which a written bar line falls, ascending, in 1…`steps`.
    public var barLines: [Int]
    /// The key the notes sound in.
    public var key: Key

    /// A white-key melody as decoded.
    public init(melody: Melody, meter: Meter? = nil, mode: Mode? = nil, barLines: [Int] = []) {
        self.init(voices: [melody], meter: meter, mode: mode, barLines: barLines)
    }

    /// A white-key tune of several voices as decoded; each voice is made to last as long
    /// as the longest.
    public init(voices: [Melody], meter: Meter? = nil, mode: Mode? = nil, barLines: [Int] = []) {
        precondition(!voices.isEmpty, "a tune has at least one voice")
        let steps = voices.map(\.steps).max() ?? 0
        self.voices = voices.map { Melody(notes: $0.notes, steps: steps) }
        self.meter = meter
        self.mode = mode
        self.barLines = barLines
        key = Key(whiteKeysIn: mode ?? .major)
    }

    /// The same tune moved to `tonic`, keeping its mode: by the interval in −6…+5
    /// semitones from the current tonic, so it moves as little as possible.
    public func inKey(_ tonic: Tonic) -> Tune {
        let target = Key(tonic: tonic, mode: key.mode)
        let shift = ((target.tonic.pitchClass - key.tonic.pitchClass) % 12 + 12 + 6) % 12 - 6
        var moved = self
        moved.key = target
        for v in moved.voices.indices {
            moved.voices[v].notes = voices[v].notes.map { Note(pitch: $0.pitch + shift, start: $0.start, length: $0.length) }
        }
        return moved
    }

    /// The first (highest) voice: the whole tune when it has one voice.
    public var melody: Melody { voices[0] }

    /// The tune's length in steps, the same for every voice.
    public var steps: Int { voices[0].steps }

    /// The meter writers use: the written one, or 4/4.
    public var effectiveMeter: Meter { meter ?? Meter(numerator: 4, denominator: 4)! }

    /// The tune's bars as ranges of steps: between written bar lines when it has any
    /// (a steps after the last bar line form a last bar), otherwise full bars of the
    /// meter from the first step (the last one may be short).
    public var bars: [Range<Int>] {
        let steps = self.steps
        guard steps > 0 else { return [] }
        var ends = barLines.filter { $0 > 0 && $0 <= steps }
        if ends.isEmpty {
            let length = effectiveMeter.stepsPerBar
            ends = Array(stride(from: length, to: steps, by: length))
        }
        if ends.last != steps { ends.append(steps) }
        var start = 0
        return ends.map { end in
            defer { start = end }
            return start..<end
        }
    }
}
