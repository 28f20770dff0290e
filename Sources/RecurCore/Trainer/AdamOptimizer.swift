import Foundation

/// Adam with PyTorch's update rule, plus global gradient-norm clipping.
///
///     m ← β1 m + (1 − β1) g        v ← β2 v + (1 − β2) g²
///     w ← w − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
struct AdamOptimizer: Sendable {
    var beta1: Double
    var beta2: Double
    var epsilon: Double = 1e-8
    /// Steps taken.
    var t = 0
    /// First and second moments, one array per parameter tensor (ParameterList order).
    var first: [[Float]]
    var second: [[Float]]

    init(for network: RecurrentNetwork, beta1: Double, beta2: Double) {
        self.beta1 = beta1
        self.beta2 = beta2
        let sizes = ParameterList(for: network).entries.map { network[keyPath: $0.weights].count }
        first = sizes.map { [Float](repeating: 0, count: $0) }
        second = first
    }

    /// The global L2 norm of all gradients.
    static func norm(of gradients: NetworkGradients, list: ParameterList) -> Double {
        var sum = 0.0
        for entry in list.entries {
            gradients[keyPath: entry.gradient].withUnsafeBufferPointer { g in
                var partial: Float = 0
                for x in g { partial += x * x }
                sum += Double(partial)
            }
        }
        return sum.squareRoot()
    }

    /// One update of `network` from `gradients`, after scaling them by `scale` (clipping),
    /// each tensor split among `threads` workers (element-wise: the same numbers on any
    /// thread count).
    mutating func update(
        _ network: inout RecurrentNetwork, gradients: NetworkGradients, list: ParameterList,
        learningRate: Double, scale: Float, threads: Int = 1
    ) {
        t += 1
        let correction1 = 1 - Foundation.pow(beta1, Double(t))
        let correction2 = 1 - Foundation.pow(beta2, Double(t))
        let stepSize = Float(learningRate / correction1)
        let root2 = Float(correction2.squareRoot())
        let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon)
        for (index, entry) in list.entries.enumerated() {
            let g = gradients[keyPath: entry.gradient]
            network[keyPath: entry.weights].withUnsafeMutableBufferPointer { w in
                first[index].withUnsafeMutableBufferPointer { m in
                    second[index].withUnsafeMutableBufferPointer { v in
                        g.withUnsafeBufferPointer { g in
                            let tensor = AdamTensor(w: w.baseAddress!, m: m.baseAddress!, v: v.baseAddress!, g: g.baseAddress!)
                            ParallelRanges.forEach(count: w.count, workers: threads) { range in
                                let (w, m, v, g) = (tensor.w, tensor.m, tensor.v, tensor.g)
                                for i in range {
                                    let gi = g[i] * scale
                                    m[i] = b1 * m[i] + (1 - b1) * gi
                                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                    w[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One parameter tensor's buffers, shared by the workers of `update`; each worker
/// touches only its own range.
private struct AdamTensor: @unchecked Sendable {
    let w, m, v: UnsafeMutablePointer<Float>
    let g: UnsafePointer<Float>
}
