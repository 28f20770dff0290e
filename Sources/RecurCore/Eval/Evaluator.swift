import Foundation

/// How well a model predicts a corpus.
public struct Evaluation: Sendable, Equatable, Codable {
    /// Mean cross-entropy, nats per predicted token.
    public var lossNats: Double
    /// The same in bits per token (nats / ln 2).
    public var bitsPerToken: Double { lossNats / Foundation.log(2) }
    /// e^loss.
    public var perplexity: Double { Foundation.exp(lossNats) }
    /// Number of predictions scored (known tokens − 1).
    public var tokens: Int
    /// Characters or token names skipped because the model's vocabulary lacks them.
    public var unknownCount: Int
    /// A few of the skipped tokens.
    public var unknownExamples: [String]
    /// Wall time of the forward passes.
    public var seconds: Double
}

/// Why a corpus could not be evaluated.
public struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The corpus file, or a label.
    public let corpus: String
    /// What is wrong, and what to do.
    public let message: String
    public var description: String { "\(corpus): \(message)" }
}

/// Scores a corpus with a model: the mean negative log-likelihood of each token given
/// all the tokens before it (DESIGN.md §2, "Loss").
///
/// The corpus is encoded with the model's vocabulary; unknown characters are dropped
/// and counted. The known tokens are fed one after another from the zero state (zeroed
/// again before each `<eos>` when the model was trained so, `RecurModel.resetToken`) and
/// every token but the first is predicted, so the result is exact for the whole file,
/// not an average over independent chunks. Chunks only bound the memory used.
public enum Evaluator {
    /// Evaluates `corpus` (the text of a file named `label`), each product on up to
    /// `threads` threads (OpenBLAS itself single-threaded, see `SplitProduct`).
    public static func evaluate(
        _ model: RecurModel, corpus: String, label: String, chunkLength: Int = 512, threads: Int = 1,
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(EvaluationError) -> Evaluation {
        let encoding = model.vocabulary.encode(corpus)
        let ids = encoding.ids
        guard ids.count >= 2 else {
            let unknown =
                encoding.unknownCount > 0
                ? " (\(encoding.unknownCount) tokens were not in the model's vocabulary, e.g. \(encoding.unknownExamples.prefix(3).map { "\($0.debugDescription)" }.joined(separator: ", ")))"
                : ""
            throw EvaluationError(corpus: label, message: "has \(ids.count) known tokens\(unknown); evaluation needs at least 2")
        }
        guard encoding.unknownCount <= ids.count else {
            let examples = encoding.unknownExamples.prefix(3).map(\.debugDescription).joined(separator: ", ")
            throw EvaluationError(
                corpus: label,
                message:
                    "has more tokens outside the model's vocabulary (\(encoding.unknownCount), e.g. \(examples)) than in it (\(ids.count)): it is not a corpus for this \(model.vocabulary.kind.rawValue) model; give one of the kind it was trained on"
            )
        }
        let clock = ContinuousClock()
        let started = clock.now
        var state = NetworkState(for: model.network, batch: 1)
        let resetToken = model.resetToken
        var total: Double = 0
        let v = model.network.vocabularySize
        var start = 0
        if model.network.int8 != nil {
            // An eight-bit model is scored as it samples: step by step through its int8
            // products (`StepBatch`), so that the loss includes what quantizing cost.
            total = stepwiseLoss(model, ids: ids, threads: threads, progress: progress)
            start = ids.count - 1
        }
        while start < ids.count - 1 {
            let end = min(start + chunkLength, ids.count - 1)
            let logits = model.network.forward(
                tokens: Array(ids[start..<end]), steps: end - start, state: &state, resetToken: resetToken, threads: threads)
            logits.values.withUnsafeBufferPointer { rows in
                for i in 0..<(end - start) {
                    let row = UnsafeBufferPointer(rebasing: rows[(i * v)..<((i + 1) * v)])
                    total += Double(Activations.logSumExp(row)) - Double(row[ids[start + i + 1]])
                }
            }
            start = end
            progress?(start, ids.count - 1)
        }
        let elapsed = clock.now - started
        return Evaluation(
            lossNats: total / Double(ids.count - 1), tokens: ids.count - 1,
            unknownCount: encoding.unknownCount, unknownExamples: encoding.unknownExamples,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// The summed loss of `ids` fed one by one to the sampler's step, batch of one.
    static func stepwiseLoss(
        _ model: RecurModel, ids: [Int], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)?
    ) -> Double {
        var batch = StepBatch(weights: InferenceWeights(model.network), threads: threads)
        _ = batch.appendRow()
        let v = model.network.vocabularySize, resetToken = model.resetToken
        var total: Double = 0
        for i in 0..<(ids.count - 1) {
            if ids[i] == resetToken { batch.resetRow(at: 0) }
            batch.step(tokens: [ids[i]])
            batch.logits.withUnsafeBufferPointer { row in
                let logits = UnsafeBufferPointer(rebasing: row[0..<v])
                total += Double(Activations.logSumExp(logits)) - Double(logits[ids[i + 1]])
            }
            if i % 512 == 511 { progress?(i + 1, ids.count - 1) }
        }
        progress?(ids.count - 1, ids.count - 1)
        return total
    }
}
