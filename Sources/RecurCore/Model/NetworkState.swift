/// The recurrent state of a batch of rows: `h` (and `c` for LSTM) for every layer.
public struct NetworkState: Sendable, Equatable {
    /// Rows in the batch.
    public private(set) var batch: Int
    /// `h` per layer, each `[batch × H]`.
    public var hidden: [Matrix]
    /// `c` per layer for LSTM, each `[batch × H]`; empty for GRU and RNN.
    public var memory: [Matrix]

    /// The zero state, which is where PyTorch starts when given no `h0`.
    public init(for network: RecurrentNetwork, batch: Int) {
        self.batch = batch
        let zero = Matrix(rows: batch, columns: network.hiddenSize)
        hidden = Array(repeating: zero, count: network.layerCount)
        memory = network.cell.hasMemoryCell ? Array(repeating: zero, count: network.layerCount) : []
    }

    /// Drops every row outside `range`.
    mutating func keepRows(_ range: Range<Int>) {
        func cut(_ m: Matrix) -> Matrix {
            Matrix(
                rows: range.count, columns: m.columns,
                values: Array(m.values[(range.lowerBound * m.columns)..<(range.upperBound * m.columns)]))
        }
        hidden = hidden.map(cut)
        memory = memory.map(cut)
        batch = range.count
    }
}
