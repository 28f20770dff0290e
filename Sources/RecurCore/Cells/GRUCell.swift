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
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * 3 * n, r = hg + b * 3 * n
            let hb = h + b * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                let reset = V.sigmoid(V.load(x + j, count: lanes) + V.load(r + j, count: lanes))
                let update = V.sigmoid(V.load(x + n + j, count: lanes) + V.load(r + n + j, count: lanes))
                let candidate = V.tanh(V.load(x + 2 * n + j, count: lanes) + reset * V.load(r + 2 * n + j, count: lanes))
                let previous = V.load(hb + j, count: lanes)
                V.store((1 - update) * candidate + update * previous, to: hb + j, count: lanes)
                j += 8
            }
        }
    }
}
