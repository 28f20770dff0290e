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
