/// The most likely continuation of one request that a beam of `width` hypotheses finds,
/// scored by mean log-likelihood per token (DESIGN.md §4, "Beam search").
///
/// Each step extends every live hypothesis by the tokens its guide and bar grammar allow,
/// scored with the model's own log-probabilities (softmax at temperature 1). The greedy
/// path is the anchor: it is always extended by its most probable allowed token and kept,
/// so a beam of 1 is greedy sampling and a wider beam never ends below it. The other
/// `width − 1` places go to the best extensions of all hypotheses by total log-likelihood
/// (live hypotheses all have the same length, so total and mean rank alike). An
/// extension that ends — `<eos>`, a stop sequence, the length — leaves the beam for the
/// finished ones, which compare by mean. The search ends when the anchor has finished and
/// `width` hypotheses have, or when none is live; the best finished one is the sample.
/// Ties go to the lower slot, then the lower token id, so the search is deterministic.
struct BeamSearch: Sendable {
    /// How a step ended.
    enum Outcome {
        /// Slot i now holds the successor of the hypothesis in slot `parents[i]`, and feeds
        /// `tokens[i]` next; slots past `parents.count` are idle.
        case continuing(parents: [Int], tokens: [Int])
        /// The search is over: the sample and its text after the prime.
        case finished(Sample, text: String)
    }

    /// The sample searched for.
    let id: SampleID
    let request: PreparedRequest
    /// Hypotheses kept per step: the rows the search takes.
    let width: Int
    private let isNotes: Bool
    private let endOfTune: Int?
    private let tokenNames: [String]
    private let longestStop: Int
    /// Every token a hypothesis took, with the node before it (−1 at the start), so that
    /// hypotheses share their prefixes instead of copying them.
    private var tokens: [Int32] = []
    private var parents: [Int32] = []
    /// The live hypotheses, slot by slot.
    private var live: [Hypothesis]
    private var best: Hypothesis?
    private var finishedCount = 0
    private var anchorFinished = false

    private struct Hypothesis: Sendable {
        var node = -1
        var logLikelihood = 0.0
        var scored = 0
        var generated = 0
        var bars: BarGrammar.State
        var voices: VoiceLeading.State
        /// Text models with stop sequences: the last scalars, to see a stop complete.
        var tail: [Unicode.Scalar] = []
        var isAnchor: Bool
        var ending: Sample.Ending?
        /// Tokens of the stop sequence that ended it, which are not part of its text.
        var stopTokens = 0

        var mean: Double { logLikelihood / Double(max(1, scored)) }
    }

    init(id: SampleID, request: PreparedRequest, width: Int, vocabulary: Vocabulary) {
        self.id = id
        self.request = request
        self.width = width
        isNotes = vocabulary.kind == .notes
        endOfTune = vocabulary.id(of: Vocabulary.endOfTune)
        tokenNames = vocabulary.tokens
        longestStop = request.stops.map(\.count).max() ?? 0
        // A beam draws nothing: its tune has the corpus's median length.
        var bars = request.barState
        request.request.bars?.start(&bars, draw: 0.5, budget: request.request.length)
        live = [Hypothesis(bars: bars, voices: request.voiceState, isAnchor: true)]
    }

    /// One step: `logits(slot)` are the logits after the last token of the hypothesis in
    /// `slot`, for every live slot.
    mutating func advance(logits: (Int) -> UnsafeBufferPointer<Float>) -> Outcome {
        var options: [(score: Double, slot: Int, token: Int, logProbability: Double)] = []
        var anchorStep: (slot: Int, token: Int, logProbability: Double)?
        for (slot, hypothesis) in live.enumerated() {
            let row = logits(slot)
            let normalizer = TokenSampler.logNormalizer(row)
            let allowed = request.allowed(generated: hypothesis.generated, bars: hypothesis.bars, voices: hypothesis.voices)
            for (rank, token) in Self.mostLikely(row, among: allowed, count: 2 * width).enumerated() {
                let logProbability = Double(row[token]) - normalizer
                if hypothesis.isAnchor && rank == 0 {
                    anchorStep = (slot, token, logProbability)
                } else {
                    options.append((hypothesis.logLikelihood + logProbability, slot, token, logProbability))
                }
            }
        }
        options.sort { $0.score != $1.score ? $0.score > $1.score : ($0.slot, $0.token) < ($1.slot, $1.token) }

        var next: [Hypothesis] = []
        var nextParents: [Int] = []
        func take(_ slot: Int, _ token: Int, _ logProbability: Double, anchor: Bool) {
            var successor = extend(live[slot], by: token, logProbability: logProbability)
            successor.isAnchor = anchor
            if successor.ending != nil {
                record(successor)
            } else {
                next.append(successor)
                nextParents.append(slot)
            }
        }
        if let anchorStep { take(anchorStep.slot, anchorStep.token, anchorStep.logProbability, anchor: true) }
        for option in options where next.count < width {
            take(option.slot, option.token, option.logProbability, anchor: false)
        }
        live = next
        if live.isEmpty || (anchorFinished && finishedCount >= width) { return result() }
        return .continuing(parents: nextParents, tokens: live.map { Int(tokens[$0.node]) })
    }

    /// `hypothesis` followed by `token`.
    private mutating func extend(_ hypothesis: Hypothesis, by token: Int, logProbability: Double) -> Hypothesis {
        var successor = hypothesis
        successor.logLikelihood += logProbability
        successor.scored += 1
        tokens.append(Int32(token))
        parents.append(Int32(hypothesis.node))
        successor.node = tokens.count - 1
        request.request.bars?.observe(token, in: &successor.bars)
        request.request.voiceLeading?.observe(token, in: &successor.voices)
        if isNotes && token == endOfTune {
            successor.ending = .endOfTune
            return successor
        }
        successor.generated += 1
        if longestStop > 0 {
            successor.tail.append(contentsOf: tokenNames[token].unicodeScalars)
            if successor.tail.count > longestStop { successor.tail.removeFirst(successor.tail.count - longestStop) }
            if let stop = request.stop(endingWith: successor.tail) {
                // Only text models have stops, where one token is one scalar.
                successor.ending = .stop
                successor.stopTokens = stop.count
                successor.generated -= stop.count
                return successor
            }
        }
        if successor.generated >= request.request.length { successor.ending = .length }
        return successor
    }

    private mutating func record(_ finished: Hypothesis) {
        finishedCount += 1
        if finished.isAnchor { anchorFinished = true }
        if best.map({ finished.mean > $0.mean }) ?? true { best = finished }
    }

    /// The best finished hypothesis as a sample (a live one if none finished, which only
    /// a model that can end nothing would cause).
    private func result() -> Outcome {
        let chosen = best ?? live[0]
        var path: [Int] = []
        var node = chosen.node
        while node >= 0 {
            path.append(Int(tokens[node]))
            node = Int(parents[node])
        }
        path.reverse()
        if chosen.ending == .endOfTune { path.removeLast() }
        path.removeLast(chosen.stopTokens)
        let primeText = request.primeText(isNotes: isNotes)
        let names = path.map { tokenNames[$0] }
        let text =
            isNotes
            ? (names.isEmpty ? "" : (primeText.isEmpty ? "" : " ") + names.joined(separator: " "))
            : names.joined()
        let sample = Sample(
            id: id, text: primeText + text, generatedTokens: chosen.generated, ending: chosen.ending ?? .length,
            logLikelihood: chosen.logLikelihood, scoredTokens: chosen.scored)
        return .finished(sample, text: text)
    }

    /// Up to `count` of the `allowed` tokens (all when nil), most probable first; the
    /// lower id first among equals, as greedy sampling picks.
    static func mostLikely(_ logits: UnsafeBufferPointer<Float>, among allowed: [Int]?, count: Int) -> [Int] {
        var candidates = allowed ?? Array(logits.indices)
        candidates.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        return Array(candidates.prefix(count))
    }
}
