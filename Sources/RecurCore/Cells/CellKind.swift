/// The three recurrent cells Recur runs, named as in the model file's `cell` field.
public enum CellKind: String, Sendable, CaseIterable, Codable {
    /// Long short-term memory, gates i, f, g, o (PyTorch's order).
    case lstm
    /// Gated recurrent unit, gates r, z, n (PyTorch's form: r multiplies W_hn h + b_hn).
    case gru
    /// The plain Elman cell with tanh.
    case rnn

    /// How many H-sized blocks the stacked gate matrices have (G in DESIGN.md §3).
    public var gateCount: Int {
        switch self {
        case .lstm: 4
        case .gru: 3
        case .rnn: 1
        }
    }

    /// Whether the cell carries a memory cell `c` besides the hidden state `h`.
    public var hasMemoryCell: Bool { self == .lstm }

    /// Applies one step of the cell's element-wise equations to a batch.
    ///
    /// - Parameters:
    ///   - inputGates: `W_ih x + b_ih`, `[batch × G·H]`.
    ///   - hiddenGates: `W_hh h + b_hh`, `[batch × G·H]`.
    ///   - hidden: `h`, `[batch × H]`, replaced by `h′`.
    ///   - memory: `c`, `[batch × H]` for LSTM (replaced by `c′`); ignored otherwise.
    public func step(
        inputGates: UnsafePointer<Float>, hiddenGates: UnsafePointer<Float>,
        hidden: UnsafeMutablePointer<Float>, memory: UnsafeMutablePointer<Float>?,
        batch: Int, hiddenSize: Int
    ) {
        let cells = PanelKernelVariant.selected.cells
        switch self {
        case .lstm:
            guard let memory else { preconditionFailure("an LSTM step needs its memory cell") }
            cells.lstmStep(
                inputGates: inputGates, hiddenGates: hiddenGates, hidden: hidden, memory: memory,
                batch: batch, hiddenSize: hiddenSize)
        case .gru:
            cells.gruStep(
                inputGates: inputGates, hiddenGates: hiddenGates, hidden: hidden,
                batch: batch, hiddenSize: hiddenSize)
        case .rnn:
            cells.rnnStep(
                inputGates: inputGates, hiddenGates: hiddenGates, hidden: hidden,
                batch: batch, hiddenSize: hiddenSize)
        }
    }
}
