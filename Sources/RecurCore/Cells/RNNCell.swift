/// The plain recurrent cell (DESIGN.md §2): h′ = tanh(W_ih x + b_ih + W_hh h + b_hh).
public enum RNNCell {
    /// One step for `batch` rows; see `CellKind.step` for the buffer shapes.
    @inlinable
    public static func step(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        typealias V = VectorMath
        for b in 0..<batch {
            let x = xg + b * n, r = hg + b * n, hb = h + b * n
            var j = 0
            while j < n {
                let lanes = min(8, n - j)
                V.store(V.tanh(V.load(x + j, count: lanes) + V.load(r + j, count: lanes)), to: hb + j, count: lanes)
                j += 8
            }
        }
    }
}
