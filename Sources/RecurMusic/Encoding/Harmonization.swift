/// Harmonising a given melody with a model of several voices: the melody becomes the
/// highest voice, forced step by step, and the model samples the other voices around it
/// (docs/MUSIC.md, "Harmonising a melody").
///
/// It is a sampling guide (`SamplingRequest.guide`) that covers the whole tune: the meter
/// and mode headers, then for every step the melody's token for the first voice and any
/// step token for the others, a bar line wherever the melody has one. Guided sampling is
/// reproducible and batch-invariant like any other, and the tune ends with the melody.
public struct Harmonization: Sendable, Equatable {
    /// The guide, one entry per token of the tune.
    public var guide: [[String]]
    /// The melody as the model reads it: on the white keys and in the highest voice's range.
    public var melody: Melody
    /// The octaves the melody was moved by to fit the highest voice (negative: down).
    public var octaves: Int
    /// The meter the tune is written in.
    public var meter: Meter

    /// The guide for harmonising `text` (monophonic note tokens `n<midi>`, `-`, `r`, bar
    /// lines `|` allowed; no headers) with a model whose encoding has several voices.
    ///
    /// The melody is read in `key` (its tonic; C for major, A for minor, … when nil) and
    /// `mode` (major when nil), moved to the white keys the model works on, and moved by
    /// whole octaves into the range the highest voice sang in training. `meter` (a meter
    /// the model knows) lays out the bars when the melody has no bar lines; when nil it
    /// is the model's meter whose bar is as long as the melody's bars.
    ///
    /// - Throws: `TuneOptionError` naming `harmonize` (or `meter`, `mode`) for a model of
    ///   one voice, a melody that cannot be read or is empty, one that spans more than the
    ///   highest voice's range, or a pitch the model does not know.
    /// With `endOnTonic` the bass strikes the tonic of `mode` where the melody's last note
    /// starts and holds it to the end, as a chorale's last chord has it.
    public init(
        melody text: String, encoding: NoteEncoding, vocabulary: [String], meter: Meter?, mode: Mode?, key: Tonic?,
        model: String, endOnTonic: Bool = true
    ) throws(TuneOptionError) {
        func refuse(_ problem: String, value: String = text) -> TuneOptionError {
            TuneOptionError(field: "harmonize", value: Self.abbreviated(value), problem: problem)
        }
        guard encoding.voices > 1 else {
            throw refuse(
                "needs a model of several voices, such as chorales; the model '\(model)' has one", value: model)
        }
        let mode = mode ?? .major
        try encoding.requireKnown(meter: meter, mode: mode, model: model)
        var melodic = encoding
        melodic.voices = 1
        let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
        if let header = tokens.first(where: { TuneHeaderToken.looksLikeHeader($0) }) {
            throw refuse("holds the header \(header); give the meter and mode as options, not in the melody", value: header)
        }
        let decoded: DecodedMelody
        do {
            decoded = try melodic.decode(tokens)
        } catch {
            throw refuse("is not a melody of note tokens: \(error)")
        }
        guard decoded.melody.notes.count > 0 else { throw refuse("has no note to harmonise") }

        // To the white keys, as the model's tunes are (the smallest interval, as Tune.inKey).
        let white = Key(whiteKeysIn: mode).tonic.pitchClass
        let written = (key ?? Key(whiteKeysIn: mode).tonic).pitchClass
        let shift = ((white - written) % 12 + 12 + 6) % 12 - 6
        var melody = decoded.melody
        melody.notes = melody.notes.map { Note(pitch: $0.pitch + shift, start: $0.start, length: $0.length) }

        // Into the highest voice's range by whole octaves, as little as possible.
        let known = Set(vocabulary)
        let range = encoding.voiceRanges.first ?? Self.noteRange(of: vocabulary, encoding: encoding)
        let low = melody.notes.map(\.pitch).min() ?? 0, high = melody.notes.map(\.pitch).max() ?? 0
        guard
            let octaves = (-10...10).sorted(by: { abs($0) < abs($1) || (abs($0) == abs($1) && $0 > $1) })
                .first(where: { range.contains(low + 12 * $0) && range.contains(high + 12 * $0) })
        else {
            throw refuse(
                "spans \(high - low) semitones (n\(low)…n\(high) on the white keys); the highest voice of '\(model)' sings n\(range.lowerBound)…n\(range.upperBound) (\(range.upperBound - range.lowerBound) semitones): give a melody within that span",
                value: "n\(low)…n\(high)")
        }
        melody.notes = melody.notes.map { Note(pitch: $0.pitch + 12 * octaves, start: $0.start, length: $0.length) }
        for note in melody.notes where !known.contains(NoteEncoding.notePrefix + String(note.pitch)) {
            throw refuse(
                "holds a pitch the model '\(model)' does not know (n\(note.pitch) on the white keys); it knows \(Self.describe(range))",
                value: NoteEncoding.notePrefix + String(note.pitch))
        }

        // The meter: asked for, or the one whose bar is as long as the melody's bars.
        let chosen = try Self.meter(
            meter, barLines: decoded.barLines, steps: melody.steps, encoding: encoding, model: model)
        var barLines = decoded.barLines
        if barLines.isEmpty {
            barLines = Array(stride(from: chosen.stepsPerBar, through: melody.steps, by: chosen.stepsPerBar))
        }
        if barLines.last != melody.steps { barLines.append(melody.steps) }

        let steps =
            [NoteEncoding.hold, NoteEncoding.rest]
            + vocabulary.filter {
                if case .note = NoteToken($0) { return true }
                return false
            }
        let melodyTokens = melodic.tokens(for: melody, endOfTune: false)
        let bars = Set(barLines)
        var guide: [[String]] = [
            [NoteEncoding.meterPrefix + chosen.description], [NoteEncoding.modePrefix + mode.rawValue],
        ]
        guide.reserveCapacity(2 + melody.steps * (encoding.voices + 1))
        // The last chord: the bass on the tonic from the melody's last note to the end.
        let bassRange = encoding.voiceRanges.last ?? Self.noteRange(of: vocabulary, encoding: encoding)
        let tonicBass = bassRange.filter { ($0 % 12 + 12) % 12 == mode.whiteKeyTonic }
            .map { NoteEncoding.notePrefix + String($0) }.filter(known.contains)
        let lastChord = endOnTonic && !tonicBass.isEmpty ? melody.notes.last?.start : nil
        for (step, token) in melodyTokens.enumerated() {
            guide.append([token])
            for voice in 1..<encoding.voices {
                if voice == encoding.voices - 1, let lastChord, step >= lastChord {
                    guide.append(step == lastChord ? tonicBass : [NoteEncoding.hold])
                } else {
                    guide.append(steps)
                }
            }
            if bars.contains(step + 1) { guide.append([NoteEncoding.barLine]) }
        }
        self.guide = guide
        self.melody = melody
        self.octaves = octaves
        self.meter = chosen
    }

    /// The meter to write: the one asked for (which the model knows), else the
    /// model's meter whose bar is as long as most of the melody's whole bars, else 4/4 or
    /// the model's first.
    private static func meter(
        _ asked: Meter?, barLines: [Int], steps: Int, encoding: NoteEncoding, model: String
    ) throws(TuneOptionError) -> Meter {
        if let asked { return asked }  // checked against the model's meters by the caller
        var lengths: [Int: Int] = [:]
        for (start, end) in zip([0] + barLines, barLines).dropFirst() { lengths[end - start, default: 0] += 1 }
        let common = lengths.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        let fourFour = Meter(numerator: 4, denominator: 4)
        if let common,
            let match = encoding.meters.first(where: { $0.stepsPerBar == common && $0.denominator == 4 })
                ?? encoding.meters.first(where: { $0.stepsPerBar == common })
        {
            return match
        }
        if let fourFour, encoding.meters.contains(fourFour) { return fourFour }
        guard let first = encoding.meters.first else {
            throw TuneOptionError(field: "harmonize", value: model, problem: "needs a model with meters (recur.notes/2)")
        }
        return first
    }

    /// The pitches of the model's note tokens, lowest to highest.
    private static func noteRange(of vocabulary: [String], encoding: NoteEncoding) -> ClosedRange<Int> {
        let pitches = vocabulary.compactMap { token -> Int? in
            if case .note(let pitch) = NoteToken(token) { return pitch }
            return nil
        }
        guard let low = pitches.min(), let high = pitches.max() else { return encoding.lowestPitch...encoding.highestPitch }
        return low...high
    }

    private static func describe(_ range: ClosedRange<Int>) -> String { "n\(range.lowerBound)…n\(range.upperBound)" }

    /// A melody in an error message: its first 60 characters.
    private static func abbreviated(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 60 ? String(line.prefix(60)) + "…" : line
    }
}
