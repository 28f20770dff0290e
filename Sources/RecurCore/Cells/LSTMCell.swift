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
        for b in 0..<batch {
            let x = xg + b * 4 * n, r = hg + b * 4 * n
            let hb = h + b * n, cb = c + b * n
            for j in 0..<n {
                let i = Activations.sigmoid(x[j] + r[j])
                let f = Activations.sigmoid(x[n + j] + r[n + j])
                let g = Activations.tanh(x[2 * n + j] + r[2 * n + j])
                let o = Activations.sigmoid(x[3 * n + j] + r[3 * n + j])
                let cNext = f * cb[j] + i * g
                cb[j] = cNext
                hb[j] = o * Activations.tanh(cNext)
            }
        }
    }
}
