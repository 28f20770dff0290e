/// The LSTM's element-wise equations (DESIGN.md §2), gate order i, f, g, o:
///
///     i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(…)     g = tanh(…)     o = σ(…)
///     c′ = f ⊙ c + i ⊙ g                       h′ = o ⊙ tanh(c′)
public enum LSTMCell {
    /// One step for `batch` rows; see `CellKind.step` for the buffer shapes.
    @inlinable
    public static func step(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, memory c: UnsafeMutablePointer<Float>,
        batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * 4 * n, r = hg + b * 4 * n
            let hb = h + b * n, cb = c + b * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                func gate(_ g: Int) -> V.Vector { V.load(x + g * n + j, count: lanes) + V.load(r + g * n + j, count: lanes) }
                let i = V.sigmoid(gate(0))
                let f = V.sigmoid(gate(1))
                let g = V.tanh(gate(2))
                let o = V.sigmoid(gate(3))
                let cNext = f * V.load(cb + j, count: lanes) + i * g
                V.store(cNext, to: cb + j, count: lanes)
                V.store(o * V.tanh(cNext), to: hb + j, count: lanes)
                j += 8
            }
        }
    }
}

// MARK: - Training: the same step keeping its gates, and its backward pass

extension LSTMCell {
    /// One forward step that also records the activated gates `i, f, g, o` for `backward`.
    ///
    /// The lane arithmetic is `step`'s, so training sees the numbers inference sees;
    /// `c′` and `h′` go to separate buffers because backward needs `c` and `c′` both.
    ///
    /// - Parameters:
    ///   - gates: `[batch × 4H]`, receives `i, f, g, o` after their nonlinearities.
    static func trainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        previousMemory cPrevious: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        memory cNext: UnsafeMutablePointer<Float>, hidden hNext: UnsafeMutablePointer<Float>,
        batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * 4 * n, r = hg + b * 4 * n, saved = gates + b * 4 * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                func gate(_ g: Int) -> V.Vector { V.load(x + g * n + j, count: lanes) + V.load(r + g * n + j, count: lanes) }
                let i = V.sigmoid(gate(0))
                let f = V.sigmoid(gate(1))
                let g = V.tanh(gate(2))
                let o = V.sigmoid(gate(3))
                let c = f * V.load(cPrevious + b * n + j, count: lanes) + i * g
                V.store(i, to: saved + j, count: lanes)
                V.store(f, to: saved + n + j, count: lanes)
                V.store(g, to: saved + 2 * n + j, count: lanes)
                V.store(o, to: saved + 3 * n + j, count: lanes)
                V.store(c, to: cNext + b * n + j, count: lanes)
                V.store(o * V.tanh(c), to: hNext + b * n + j, count: lanes)
                j += 8
            }
        }
    }

    /// Backpropagates one step, given `dh′` (all of it: from the output and from step t+1):
    ///
    ///     do = dh′ ⊙ tanh(c′)      dc = dc′ + dh′ ⊙ o ⊙ (1 − tanh²(c′))
    ///     di = dc ⊙ g    df = dc ⊙ c    dg = dc ⊙ i    dc_prev = dc ⊙ f
    ///
    /// then through the nonlinearities, σ′ = s(1 − s) and tanh′ = 1 − t². The result is the
    /// gradient of the gate pre-activations, which is the same for `W_ih x + b_ih` and
    /// `W_hh h + b_hh` because the LSTM adds them.
    ///
    /// - Parameters:
    ///   - memoryGradient: `dc′` from later steps on entry (zero at the last step), `dc_prev` on return.
    ///   - gateGradients: `[batch × 4H]`, receives the pre-activation gradients in gate order.
    static func backward(
        gates: UnsafePointer<Float>, previousMemory cPrevious: UnsafePointer<Float>, memory c: UnsafePointer<Float>,
        hiddenGradient dh: UnsafePointer<Float>, memoryGradient dc: UnsafeMutablePointer<Float>,
        gateGradients dg: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let saved = gates + b * 4 * n, out = dg + b * 4 * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j), at = b * n + j
                let i = V.load(saved + j, count: lanes), f = V.load(saved + n + j, count: lanes)
                let g = V.load(saved + 2 * n + j, count: lanes), o = V.load(saved + 3 * n + j, count: lanes)
                let tc = V.tanh(V.load(c + at, count: lanes))
                let dhNext = V.load(dh + at, count: lanes)
                let dcTotal = V.load(dc + at, count: lanes) + dhNext * o * (1 - tc * tc)
                V.store(dcTotal * g * i * (1 - i), to: out + j, count: lanes)
                V.store(dcTotal * V.load(cPrevious + at, count: lanes) * f * (1 - f), to: out + n + j, count: lanes)
                V.store(dcTotal * i * (1 - g * g), to: out + 2 * n + j, count: lanes)
                V.store(dhNext * tc * o * (1 - o), to: out + 3 * n + j, count: lanes)
                V.store(dcTotal * f, to: dc + at, count: lanes)
                j += 8
            }
        }
    }
}
