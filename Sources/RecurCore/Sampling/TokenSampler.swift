import Foundation

/// Picks the next token from a row of logits: greedy at temperature 0, otherwise a
/// draw from softmax(logits / temperature) restricted by top-k and top-p.
///
/// Probabilities are computed in Double. Without top-k or top-p the cumulative walk
/// goes in token-id order; with them, candidates are ordered by probability, ties
/// broken by token id. Either way the choice is a pure function of the logits, the
/// controls and one uniform draw.
public enum TokenSampler {
    /// The next token id.
    ///
    /// - Parameters:
    ///   - topK: keep only the k most probable tokens (0 = all).
    ///   - topP: keep the smallest set of most probable tokens whose total probability
    ///     reaches `topP` (1 = all).
    public static func sample(
        logits: UnsafeBufferPointer<Float>, temperature: Double, topK: Int, topP: Double, random: inout SampleRandom
    ) -> Int {
        precondition(!logits.isEmpty, "no logits")
        if temperature == 0 { return argmax(logits) }
        if (topK == 0 || topK >= logits.count) && topP >= 1 {
            return sampleAll(logits: logits, temperature: temperature, unit: random.nextUnit())
        }
        let probabilities = distribution(logits: logits, temperature: temperature, topK: topK, topP: topP)
        var unit = random.nextUnit() * probabilities.reduce(0) { $0 + $1.probability }
        for candidate in probabilities {
            unit -= candidate.probability
            if unit < 0 { return candidate.token }
        }
        return probabilities[probabilities.count - 1].token
    }

    /// Plain temperature sampling over the whole vocabulary, walking the tokens in id
    /// order: no sort, which matters at large batch sizes.
    static func sampleAll(logits: UnsafeBufferPointer<Float>, temperature: Double, unit: Double) -> Int {
        var maximum = -Double.infinity
        for v in logits { maximum = max(maximum, Double(v)) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: logits.count) { weights in
            var total = 0.0
            for i in logits.indices {
                weights[i] = Foundation.exp((Double(logits[i]) - maximum) / temperature)
                total += weights[i]
            }
            var remaining = unit * total
            for i in logits.indices {
                remaining -= weights[i]
                if remaining < 0 { return i }
            }
            return logits.count - 1
        }
    }

    /// log Σ exp(logits) in Double: the normaliser of the model's own distribution
    /// (softmax at temperature 1), whatever the request samples with, so that
    /// `logits[t] − logNormalizer` is the log-probability the model gives token t.
    public static func logNormalizer(_ logits: UnsafeBufferPointer<Float>) -> Double {
        // As `Activations.logSumExp`, but the result stays in Double: a sample's total
        // sums hundreds of these.
        var maximum = -Float.infinity
        for v in logits { maximum = max(maximum, v) }
        var total = 0.0
        for v in logits { total += Double(expf(v - maximum)) }
        return Double(maximum) + Foundation.log(total)
    }

    /// The index of the largest logit; the lowest index wins a tie.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return best
    }

    /// The tokens that can be drawn and their (unnormalised) probabilities, most
    /// probable first.
    public static func distribution(
        logits: UnsafeBufferPointer<Float>, temperature: Double, topK: Int, topP: Double
    ) -> [(token: Int, probability: Double)] {
        var maximum = -Double.infinity
        for v in logits { maximum = max(maximum, Double(v)) }
        var candidates = logits.enumerated().map {
            (token: $0.offset, probability: Foundation.exp((Double($0.element) - maximum) / temperature))
        }
        candidates.sort { $0.probability != $1.probability ? $0.probability > $1.probability : $0.token < $1.token }
        if topK > 0 && topK < candidates.count { candidates.removeSubrange(topK...) }
        if topP < 1 {
            let total = candidates.reduce(0) { $0 + $1.probability }
            var cumulative = 0.0
            var keep = 0
            while keep < candidates.count {
                cumulative += candidates[keep].probability
                keep += 1
                if cumulative >= topP * total { break }
            }
            candidates.removeSubrange(keep...)
        }
        return candidates
    }
}
