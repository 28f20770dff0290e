/// Identifies one sample among everything a sampler runs: the caller's key for the
/// request (a job ID, say) and the sample's index in it.
public struct SampleID: Hashable, Sendable, CustomStringConvertible {
    /// The request's key, chosen by the caller.
    public let request: String
    /// 0-based index of the sample within its request.
    public let index: Int

    /// A sample ID.
    public init(request: String, index: Int) {
        self.request = request
        self.index = index
    }

    public var description: String { "\(request)#\(index + 1)" }
}

/// A finished sample.
public struct Sample: Sendable, Equatable {
    /// Why a sample ended.
    public enum Ending: String, Sendable, Codable {
        /// It reached `length` tokens.
        case length
        /// It produced a stop sequence (which is not part of `text`).
        case stop
        /// A notes model produced `<eos>`, the end of the tune (not part of `text`).
        case endOfTune = "eos"
    }

    /// Which sample this is.
    public let id: SampleID
    /// The prime followed by the generated text (notes: token names separated by spaces).
    public let text: String
    /// Tokens generated, not counting the prime, the stop sequence or `<eos>`.
    public let generatedTokens: Int
    /// Why it ended.
    public let ending: Ending
    /// The sample's log-likelihood under the model, in nats: the sum of log p(token) over
    /// `scoredTokens`, with p the model's own softmax at temperature 1 — before top-k,
    /// top-p and guides — so that samples drawn with any settings compare.
    public let logLikelihood: Double
    /// The tokens `logLikelihood` sums over: every token drawn after the prime, those of
    /// the text and the stop sequence or `<eos>` that ended it.
    public let scoredTokens: Int

    /// A finished sample.
    public init(
        id: SampleID, text: String, generatedTokens: Int, ending: Ending, logLikelihood: Double, scoredTokens: Int
    ) {
        self.id = id
        self.text = text
        self.generatedTokens = generatedTokens
        self.ending = ending
        self.logLikelihood = logLikelihood
        self.scoredTokens = scoredTokens
    }

    /// Nats per scored token: how likely the sample is, whatever its length.
    public var meanLogLikelihood: Double { scoredTokens > 0 ? logLikelihood / Double(scoredTokens) : 0 }
}

/// What one step produced.
public enum SampleEvent: Sendable, Equatable {
    /// Text that sample can no longer take back (stop sequences are held back until
    /// they can no longer match), for streaming.
    case text(SampleID, String)
    /// The sample is complete and has left the batch.
    case finished(Sample)
}

/// Runs many samples of one model in lock-step, one token per step for all rows, with
/// rows joining and leaving at any step (continuous batching).
///
/// Each row first feeds its prime (many-to-one) — rows with longer primes simply take
/// more steps before they start sampling — then feeds back every token it samples
/// (one-to-many). Because the kernels are batch-invariant and each sample has its own
/// random stream, a sample's output depends only on the model, its request, the seed
/// and its index. A best-of sample is several such rows, one per candidate; a beam
/// search is `beam` rows moved together (`BeamSearch`). Not thread-safe: drive one
/// sampler from one queue.
public struct BatchSampler: Sendable {
    /// The model sampled.
    public let model: RecurModel
    private var batch: StepBatch
    /// One per batch row, in the batch's order.
    private var rows: [Row] = []
    /// The running beam searches, by the number their rows carry.
    private var beams: [Int: BeamSearch] = [:]
    private var nextBeam = 0
    /// Finished candidates of best-of samples whose other candidates still run.
    private var candidates: [SampleID: [Candidate]] = [:]
    /// A model trained with resets (`RecurModel.resetToken`) starts every tune from the
    /// zero state, so a prime holding a tune and its `<eos>` does the same.
    private let resetToken: Int?

    /// A sampler with `threads` workers for the matrix work.
    public init(model: RecurModel, threads: Int) {
        self.init(model: model, weights: InferenceWeights(model.network), threads: threads)
    }

    /// A sampler sharing already laid-out weights (one layout per model per daemon).
    public init(model: RecurModel, weights: InferenceWeights, threads: Int) {
        self.model = model
        batch = StepBatch(weights: weights, threads: threads)
        resetToken = model.resetToken
    }

    /// Number of rows running (a best-of sample or a beam takes several).
    public var activeCount: Int { rows.count }

    /// Adds sample `index` of a prepared request — its candidates, or its beam — which
    /// starts at the next step.
    public mutating func join(_ request: PreparedRequest, key: String, index: Int) {
        let id = SampleID(request: key, index: index)
        if let width = request.request.beam {
            let number = nextBeam
            nextBeam += 1
            beams[number] = BeamSearch(id: id, request: request, width: width, vocabulary: model.vocabulary)
            for slot in 0..<width { append(Row(id: id, request: request, model: model, beam: (number, slot))) }
        } else {
            for candidate in 0..<request.request.rowsPerSample {
                append(Row(id: id, request: request, model: model, candidate: candidate))
            }
        }
    }

    /// Adds candidate `candidate` of sample `index` alone, as a sample of its own: what a
    /// best-of request draws for that candidate (for checking the choice).
    mutating func join(_ request: PreparedRequest, key: String, index: Int, candidate: Int) {
        precondition(request.request.rowsPerSample == 1, "a candidate is one row of a plain request")
        append(Row(id: SampleID(request: key, index: index), request: request, model: model, candidate: candidate))
    }

    private mutating func append(_ row: Row) {
        let position = batch.appendRow()
        precondition(position == rows.count)
        rows.append(row)
    }

    /// Adds every sample of a prepared request.
    public mutating func joinAll(_ request: PreparedRequest, key: String) {
        for index in 0..<request.request.count { join(request, key: key, index: index) }
    }

    /// Advances every row by one token and reports new text and finished samples.
    public mutating func step() -> [SampleEvent] {
        guard !rows.isEmpty else { return [] }
        let tokens = rows.map(\.nextInput)
        if let resetToken {
            for r in tokens.indices where tokens[r] == resetToken { batch.resetRow(at: r) }
        }
        batch.step(tokens: tokens)
        var events: [SampleEvent] = []
        let v = model.vocabularySize
        var finished: [Int] = []
        /// Beam rows past their prime, by beam and slot.
        var searching: [Int: [Int]] = [:]
        batch.logits.withUnsafeBufferPointer { logits in
            for r in rows.indices {
                if let beam = rows[r].beam {
                    if rows[r].feedPrime() { continue }
                    searching[beam.number, default: Array(repeating: -1, count: beams[beam.number]!.width)][beam.slot] = r
                    continue
                }
                let row = UnsafeBufferPointer(rebasing: logits[(r * v)..<((r + 1) * v)])
                let event = rows[r].advance(logits: row, vocabulary: model.vocabulary)
                // A best-of sample's text streams once its likeliest candidate is known.
                let candidates = rows[r].request.request.rowsPerSample
                if let event, candidates == 1 { events.append(event) }
                if let sample = rows[r].finishedSample {
                    finished.append(r)
                    let candidate = Candidate(index: rows[r].candidate, sample: sample, text: rows[r].generatedText)
                    if let best = keep(candidate, of: candidates) {
                        if candidates > 1 { events.append(.text(sample.id, best.text)) }
                        events.append(.finished(best.sample))
                    }
                }
            }
            for (number, positions) in searching.sorted(by: { $0.key < $1.key }) {
                let outcome = beams[number]!.advance { slot in
                    UnsafeBufferPointer(rebasing: logits[(positions[slot] * v)..<((positions[slot] + 1) * v)])
                }
                switch outcome {
                case .continuing(let parents, let next):
                    batch.copyRows(from: parents.map { positions[$0] }, to: parents.indices.map { positions[$0] })
                    for (slot, token) in next.enumerated() { rows[positions[slot]].lastSampled = token }
                case .finished(let sample, let text):
                    finished += positions
                    beams[number] = nil
                    events.append(.text(sample.id, text))
                    events.append(.finished(sample))
                }
            }
        }
        for r in finished.sorted(by: >) {
            batch.removeRow(at: r)
            rows.swapAt(r, rows.count - 1)
            rows.removeLast()
        }
        return events
    }

    /// A finished candidate: the sample itself for plain sampling; for best-of, the
    /// likeliest candidate once all have finished (the lowest candidate wins a tie), nil
    /// before.
    private mutating func keep(_ candidate: Candidate, of total: Int) -> Candidate? {
        guard total > 1 else { return candidate }
        let id = candidate.sample.id
        candidates[id, default: []].append(candidate)
        guard let done = candidates[id], done.count == total else { return nil }
        candidates[id] = nil
        return done.min {
            $0.sample.meanLogLikelihood != $1.sample.meanLogLikelihood
                ? $0.sample.meanLogLikelihood > $1.sample.meanLogLikelihood : $0.index < $1.index
        }
    }

    /// Runs until every row has finished and returns the samples in the order they ended.
    public mutating func runToCompletion(onEvent: (SampleEvent) -> Void = { _ in }) -> [Sample] {
        var samples: [Sample] = []
        while !rows.isEmpty {
            for event in step() {
                onEvent(event)
                if case .finished(let sample) = event { samples.append(sample) }
            }
        }
        return samples
    }
}

/// A finished candidate of a best-of sample.
private struct Candidate: Sendable {
    /// Which candidate (its random stream).
    let index: Int
    let sample: Sample
    /// Its text after the prime, streamed when it is kept.
    let text: String
}

extension RecurModel {
    /// V.
    var vocabularySize: Int { network.vocabularySize }
}

/// One row's progress: a sample, a candidate of a best-of sample, or a slot of a beam
/// (which only feeds the prime and then the tokens its `BeamSearch` chooses).
private struct Row: Sendable {
    let id: SampleID
    let request: PreparedRequest
    let isNotes: Bool
    let endOfTune: Int?
    /// The candidate of a best-of sample (0 otherwise).
    let candidate: Int
    /// The beam search this row is a slot of.
    let beam: (number: Int, slot: Int)?
    var random: SampleRandom
    /// Prime ids still to feed; the head is fed next.
    var pending: ArraySlice<Int>
    var lastSampled = 0
    var generated: [Unicode.Scalar] = []
    var generatedTokens = 0
    var logLikelihood = 0.0
    var scoredTokens = 0
    var emitted = 0
    var primeText: String
    var finishedSample: Sample?
    let holdBack: Int
    var barState: BarGrammar.State
    var voiceState: VoiceLeading.State

    init(id: SampleID, request: PreparedRequest, model: RecurModel, candidate: Int = 0, beam: (Int, Int)? = nil) {
        self.id = id
        self.request = request
        self.candidate = candidate
        self.beam = beam
        isNotes = model.vocabulary.kind == .notes
        endOfTune = model.vocabulary.id(of: Vocabulary.endOfTune)
        random = SampleRandom(seed: request.request.seed, index: id.index, candidate: candidate)
        pending = request.inputs[...]
        barState = request.barState
        voiceState = request.voiceState
        // A tune's length comes from a stream of its own, the same for every candidate, so
        // that the tokens' stream is untouched and candidates compare at one length.
        var form = SampleRandom(seed: ~request.request.seed, index: id.index)
        request.request.bars?.start(&barState, draw: form.nextUnit(), budget: request.request.length)
        primeText = request.primeText(isNotes: isNotes)
        holdBack = max(0, (request.stops.map(\.count).max() ?? 0) - 1)
    }

    /// The token this row feeds at the next step.
    var nextInput: Int { pending.first ?? lastSampled }

    /// The text generated so far, after the prime.
    var generatedText: String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: generated)
        return String(text)
    }

    /// Consumes the logits of a prime token just fed; true while more of the prime waits,
    /// false once the logits are the first to choose from.
    mutating func feedPrime() -> Bool {
        guard !pending.isEmpty else { return false }
        pending.removeFirst()
        return !pending.isEmpty
    }

    /// Consumes the logits of the token just fed; samples when the prime is done.
    mutating func advance(logits: UnsafeBufferPointer<Float>, vocabulary: Vocabulary) -> SampleEvent? {
        if feedPrime() { return nil }
        let parameters = request.request
        let temperature = parameters.effectiveTemperature
        let token: Int
        if let drawn = request.drawnByOdds(generated: generatedTokens, random: &random) {
            token = drawn
        } else if let allowed = request.allowed(generated: generatedTokens, bars: barState, voices: voiceState) {
            token = Self.guided(logits: logits, allowed: allowed, parameters: parameters, random: &random)
        } else {
            token = TokenSampler.sample(
                logits: logits, temperature: temperature, topK: parameters.topK, topP: parameters.topP, random: &random)
        }
        logLikelihood += Double(logits[token]) - TokenSampler.logNormalizer(logits)
        scoredTokens += 1
        lastSampled = token
        parameters.bars?.observe(token, in: &barState)
        parameters.voiceLeading?.observe(token, in: &voiceState)
        if isNotes && token == endOfTune { return finish(.endOfTune) }
        if isNotes && (generatedTokens > 0 || !primeText.isEmpty) { generated.append(" ") }
        generated.append(contentsOf: vocabulary.tokens[token].unicodeScalars)
        generatedTokens += 1
        if let stop = request.stop(endingWith: generated) {
            // Only text models have stops, where one token is one scalar.
            generated.removeLast(stop.count)
            generatedTokens -= stop.count
            return finish(.stop)
        }
        if generatedTokens >= parameters.length { return finish(.length) }
        return flush(upTo: generated.count - holdBack)
    }

    /// A token among `allowed` only: forced when there is one, otherwise drawn with the
    /// request's controls from the logits with every other token masked out.
    private static func guided(
        logits: UnsafeBufferPointer<Float>, allowed: [Int], parameters: SamplingRequest, random: inout SampleRandom
    ) -> Int {
        if allowed.count == 1 { return allowed[0] }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: logits.count) { masked in
            masked.initialize(repeating: -Float.infinity)
            for id in allowed { masked[id] = logits[id] }
            return TokenSampler.sample(
                logits: UnsafeBufferPointer(masked), temperature: parameters.effectiveTemperature, topK: parameters.topK,
                topP: parameters.topP, random: &random)
        }
    }

    private mutating func finish(_ ending: Sample.Ending) -> SampleEvent? {
        let event = flush(upTo: generated.count)
        finishedSample = Sample(
            id: id, text: primeText + generatedText, generatedTokens: generatedTokens, ending: ending,
            logLikelihood: logLikelihood, scoredTokens: scoredTokens)
        return event
    }

    private mutating func flush(upTo end: Int) -> SampleEvent? {
        guard end > emitted else { return nil }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: generated[emitted..<end])
        emitted = end
        return .text(id, String(text))
    }
}

extension PreparedRequest {
    /// The prime as a sample's text starts: notes tokens joined by single spaces.
    func primeText(isNotes: Bool) -> String {
        isNotes ? request.prime.split(whereSeparator: \.isWhitespace).joined(separator: " ") : request.prime
    }

    /// The stop sequence `text` now ends with, if any.
    func stop(endingWith text: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        stops.first { text.count >= $0.count && text.suffix($0.count).elementsEqual($0) }
    }

    /// The tokens the next one may be after `generated` tokens with the bars at `bars`
    /// and the voices at `voices`: the guide's, else the bar grammar's, less what breaks
    /// the voice-leading rules; nil when any token may come.
    func allowed(generated: Int, bars: BarGrammar.State, voices: VoiceLeading.State) -> [Int]? {
        let allowed = generated < guide.count ? guide[generated] : request.bars?.allowed(after: bars)
        guard let allowed, let voiceLeading = request.voiceLeading else { return allowed }
        return voiceLeading.filter(allowed, after: voices)
    }
}
