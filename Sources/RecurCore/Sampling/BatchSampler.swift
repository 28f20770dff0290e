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
/// and its index. Not thread-safe: drive one sampler from one queue.
public struct BatchSampler: Sendable {
    /// The model sampled.
    public let model: RecurModel
    private var batch: StepBatch
    private var rows: [Row] = []
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

    /// Number of samples running.
    public var activeCount: Int { rows.count }

    /// Adds sample `index` of a prepared request; it starts at the next step.
    public mutating func join(_ request: PreparedRequest, key: String, index: Int) {
        let position = batch.appendRow()
        precondition(position == rows.count)
        rows.append(Row(id: SampleID(request: key, index: index), request: request, model: model))
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
        batch.logits.withUnsafeBufferPointer { logits in
            for r in rows.indices {
                let row = UnsafeBufferPointer(rebasing: logits[(r * v)..<((r + 1) * v)])
                if let event = rows[r].advance(logits: row, vocabulary: model.vocabulary) { events.append(event) }
                if let sample = rows[r].finishedSample {
                    events.append(.finished(sample))
                    finished.append(r)
                }
            }
        }
        for r in finished.reversed() {
            batch.removeRow(at: r)
            rows.swapAt(r, rows.count - 1)
            rows.removeLast()
        }
        return events
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

extension RecurModel {
    /// V.
    var vocabularySize: Int { network.vocabularySize }
}

/// One sample's progress.
private struct Row: Sendable {
    let id: SampleID
    let request: PreparedRequest
    let isNotes: Bool
    let endOfTune: Int?
    var random: SampleRandom
    /// Prime ids still to feed; the head is fed next.
    var pending: ArraySlice<Int>
    var lastSampled = 0
    var generated: [Unicode.Scalar] = []
    var generatedTokens = 0
    var emitted = 0
    var primeText: String
    var finishedSample: Sample?
    let holdBack: Int
    var barState: BarGrammar.State

    init(id: SampleID, request: PreparedRequest, model: RecurModel) {
        self.id = id
        self.request = request
        isNotes = model.vocabulary.kind == .notes
        endOfTune = model.vocabulary.id(of: Vocabulary.endOfTune)
        random = SampleRandom(seed: request.request.seed, index: id.index)
        pending = request.inputs[...]
        barState = request.barState
        primeText =
            isNotes
            ? request.request.prime.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            : request.request.prime
        holdBack = max(0, (request.stops.map(\.count).max() ?? 0) - 1)
    }

    /// The token this row feeds at the next step.
    var nextInput: Int { pending.first ?? lastSampled }

    /// Consumes the logits of the token just fed; samples when the prime is done.
    mutating func advance(logits: UnsafeBufferPointer<Float>, vocabulary: Vocabulary) -> SampleEvent? {
        if !pending.isEmpty {
            pending.removeFirst()
            if !pending.isEmpty { return nil }
        }
        let parameters = request.request
        let token: Int
        if generatedTokens < request.guide.count {
            token = Self.guided(logits: logits, allowed: request.guide[generatedTokens], parameters: parameters, random: &random)
        } else if let allowed = parameters.bars?.allowed(after: barState) {
            token = Self.guided(logits: logits, allowed: allowed, parameters: parameters, random: &random)
        } else {
            token = TokenSampler.sample(
                logits: logits, temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP, random: &random
            )
        }
        lastSampled = token
        parameters.bars?.observe(token, in: &barState)
        if isNotes && token == endOfTune { return finish(.endOfTune) }
        if isNotes && (generatedTokens > 0 || !primeText.isEmpty) { generated.append(" ") }
        generated.append(contentsOf: vocabulary.tokens[token].unicodeScalars)
        generatedTokens += 1
        for stop in request.stops where generated.count >= stop.count && generated.suffix(stop.count).elementsEqual(stop) {
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
                logits: UnsafeBufferPointer(masked), temperature: parameters.temperature, topK: parameters.topK,
                topP: parameters.topP, random: &random)
        }
    }

    private mutating func finish(_ ending: Sample.Ending) -> SampleEvent? {
        let event = flush(upTo: generated.count)
        var text = String.UnicodeScalarView()
        text.append(contentsOf: generated)
        finishedSample = Sample(id: id, text: primeText + String(text), generatedTokens: generatedTokens, ending: ending)
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
