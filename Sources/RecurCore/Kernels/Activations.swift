import Foundation

/// Element-wise activations and the (log-)softmax, on raw buffers.
///
/// They are written for numerical stability first: the logistic never overflows for
/// large negative inputs, and softmax subtracts the row maximum before `exp`.
public enum Activations {
    /// The logistic function σ(x) = 1 / (1 + e^(−x)), stable for all finite x.
    @inlinable
    public static func sigmoid(_ x: Float) -> Float {
        if x >= 0 {
            return 1 / (1 + expf(-x))
        }
        let e = expf(x)
        return e / (1 + e)
    }

    /// The hyperbolic tangent.
    @inlinable
    public static func tanh(_ x: Float) -> Float { tanhf(x) }

    /// Replaces `values` by softmax(values / temperature); temperature must be > 0.
    public static func softmax(_ values: UnsafeMutableBufferPointer<Float>, temperature: Float = 1) {
        guard !values.isEmpty else { return }
        let inverse = 1 / temperature
        var maximum = -Float.infinity
        for v in values { maximum = max(maximum, v) }
        var sum: Float = 0
        for i in values.indices {
            let e = expf((values[i] - maximum) * inverse)
            values[i] = e
            sum += e
        }
        let scale = 1 / sum
        for i in values.indices { values[i] *= scale }
    }

    /// Replaces `values` by log-softmax(values): `x − max − log Σ e^(x − max)`.
    public static func logSoftmax(_ values: UnsafeMutableBufferPointer<Float>) {
        guard !values.isEmpty else { return }
        let shift = logSumExp(UnsafeBufferPointer(values))
        for i in values.indices { values[i] -= shift }
    }

    /// log Σ e^x, computed in a stable way (and accumulated in Double).
    public static func logSumExp(_ values: UnsafeBufferPointer<Float>) -> Float {
        var maximum = -Float.infinity
        for v in values { maximum = max(maximum, v) }
        guard maximum.isFinite else { return maximum }
        var sum: Double = 0
        for v in values { sum += Double(expf(v - maximum)) }
        return maximum + Float(Foundation.log(sum))
    }

    /// Array convenience for `softmax`.
    public static func softmax(_ values: [Float], temperature: Float = 1) -> [Float] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { softmax($0, temperature: temperature) }
        return copy
    }

    /// Array convenience for `logSoftmax`.
    public static func logSoftmax(_ values: [Float]) -> [Float] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { logSoftmax($0) }
        return copy
    }
}
