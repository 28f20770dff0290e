/// The GRU's element-wise equations in PyTorch's form (DESIGN.md §2), gate order r, z, n:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h′ = (1 − z) ⊙ n + z ⊙ h
///
/// The reset gate multiplies the whole hidden term, bias included, which is why the
/// hidden projection is kept apart from the input projection.
public enum GRUCell {
    /// One step for `batch` rows; see `CellKind.step` for the buffer shapes.
    @inlinable
    public static func step(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        for b in 0..<batch {
            let x = xg + b * 3 * n, r = hg + b * 3 * n
            let hb = h + b * n
            for j in 0..<n {
                let reset = Activations.sigmoid(x[j] + r[j])
                let update = Activations.sigmoid(x[n + j] + r[n + j])
                let candidate = Activations.tanh(x[2 * n + j] + reset * r[2 * n + j])
                hb[j] = (1 - update) * candidate + update * hb[j]
            }
        }
    }
}
