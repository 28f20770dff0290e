// What a stream or a corpus of recur.notes/2 tokens says of itself: how long its tunes
// are (for the cadence's length table) and how many voices it holds (for rendering a
// sample without --voices).

extension NoteEncoding {
    /// How many tunes of each meter, and of each meter and mode, last how many bars in a
    /// `recur.notes/2` corpus (one tune a line, opening with its headers): its steps over
    /// the meter's bar, rounded up, so that a pickup and the short last bar completing it
    /// count as one. A meter and mode with fewer than `minimumTunesPerKind` tunes is left to
    /// its meter's lengths; lines without a meter or a step are left out.
    public static func barsPerTune(inCorpus text: String, voices: Int) -> [TuneKind: [Int: Int]] {
        var table: [TuneKind: [Int: Int]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            var meter: Meter?
            var mode: Mode?
            var stepTokens = 0
            for word in line.split(whereSeparator: \.isWhitespace) {
                let token = String(word)
                if stepTokens == 0, let header = TuneHeaderToken(token) {
                    switch header {
                    case .meter(let m): meter = meter ?? m
                    case .mode(let m): mode = mode ?? m
                    }
                } else if let step = NoteToken(token), step != .endOfTune {
                    stepTokens += 1
                }
            }
            guard let meter, stepTokens > 0 else { continue }
            let steps = stepTokens / max(1, voices)
            let bars = max(1, (steps + meter.stepsPerBar - 1) / meter.stepsPerBar)
            table[TuneKind(meter: meter), default: [:]][bars, default: 0] += 1
            if let mode { table[TuneKind(meter: meter, mode: mode), default: [:]][bars, default: 0] += 1 }
        }
        return table.filter { $0.key.mode == nil || $0.value.values.reduce(0, +) >= minimumTunesPerKind }
    }
}

extension NoteEncoding {
    /// How many voices a `recur.notes/2` stream holds, read from its bars: a whole bar of
    /// a stream of v voices holds v step tokens for each step of its meter, so the most
    /// common count of step tokens between two bar lines, over the meter's steps per bar,
    /// is v. nil when the stream has no meter header or no whole bar between two bar lines
    /// to count, or its bars fit no number of voices.
    public static func inferredVoices(in tokens: [String]) -> Int? {
        guard
            let meter = tokens.lazy.compactMap({ token -> Meter? in
                if case .meter(let meter) = TuneHeaderToken(token) { return meter }
                return nil
            }).first
        else { return nil }
        var counts: [Int] = []
        var current = 0
        for token in tokens {
            if token == barLine {
                counts.append(current)
                current = 0
            } else if let step = NoteToken(token), step != .endOfTune {
                current += 1
            } else if token == endOfTune {
                break
            }
        }
        // The first bar may be a pickup and the bar after the last line is unfinished.
        let whole = counts.dropFirst()
        guard
            let common = Dictionary(grouping: whole, by: { $0 }).max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) })?
                .key,
            common > 0, common % meter.stepsPerBar == 0
        else { return nil }
        let voices = common / meter.stepsPerBar
        return (1...maximumVoices).contains(voices) ? voices : nil
    }
}
