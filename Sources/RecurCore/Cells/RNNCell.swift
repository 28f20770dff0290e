/// The plain recurrent cell (DESIGN.md §2): h′ = tanh(W_ih x + b_ih + W_hh h + b_hh).
public enum RNNCell {
    /// One step for `batch` rows; see `CellKind.step` for the buffer shapes.
    @inlinable
    public static func step(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    ) {
        for i in 0..<(batch * n) {
            h[i] = Activations.tanh(xg[i] + hg[i])
        }
    }
}
