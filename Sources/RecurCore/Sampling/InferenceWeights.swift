/// A network's weights laid out for batched, step-by-step, batch-invariant inference.
///
/// - Layer 0's input is a token, so its input projection is a table lookup:
///   `table[v] = W_ih · x(v) + b_ih` (one-hot: a column of `W_ih`; embedding:
///   `W_ih · E[v]`), computed once. For LSTM and RNN `b_hh` is folded in as well.
/// - LSTM and RNN layers above 0 multiply `[x | h]` by `[W_ih | W_hh]` in one pass.
/// - GRU keeps the hidden product apart, because its reset gate scales `W_hn h + b_hn`.
/// - With the AVX-512 kernel, LSTM gate matrices are packed gate-interleaved so that the
///   kernel applies the cell itself (`fusesLSTMCell`; same results).
public struct InferenceWeights: Sendable {
    /// The cell of every layer.
    public let cell: CellKind
    /// H.
    public let hiddenSize: Int
    /// V.
    public let vocabularySize: Int
    /// Number of layers.
    public let layerCount: Int
    /// `[V × G·H]`, layer 0's input projection per token, biases folded in.
    let tokenTable: [Float]
    /// Per layer: LSTM/RNN `[W_ih | W_hh]` (layer 0: `W_hh` alone, biases in the table);
    /// GRU `W_hh` with `b_hh`.
    let recurrent: [PackedMatrix]
    /// GRU layers above 0: `W_ih` with `b_ih`.
    let gruInput: [PackedMatrix?]
    /// `head.weight` with `head.bias`.
    let head: PackedMatrix
    /// Whether `recurrent` is packed gate-interleaved so that the kernel applies the LSTM
    /// cell itself (`FusedLSTMCell`): LSTM, H a multiple of 16, AVX-512 build.
    public let fusesLSTMCell: Bool

    /// Lays out `network`'s weights; `fusingLSTMCell: false` keeps the separate cell
    /// step where the fused one would run (the results are the same; tests compare them).
    public init(_ network: RecurrentNetwork, fusingLSTMCell: Bool = true) {
        fusesLSTMCell =
            fusingLSTMCell && network.cell == .lstm && network.hiddenSize % 16 == 0
            && PanelKernelVariant.selected == .avx512 && network.int8 == nil
        cell = network.cell
        hiddenSize = network.hiddenSize
        vocabularySize = network.vocabularySize
        layerCount = network.layerCount
        let first = network.layers[0]
        let width = first.gateWidth, tokens = network.vocabularySize
        // LSTM and RNN join each layer's input and recurrent products into one ([x | h] ·
        // [W_ih | W_hh]ᵀ, one bias); GRU keeps them apart (r scales only W_hn h + b_hn).
        let joined = network.cell != .gru
        let tableBias = joined ? zip(first.inputBias, first.hiddenBias).map { $0 + $1 } : first.inputBias
        var table = [Float](repeating: 0, count: vocabularySize * width)
        if let embedding = network.embedding {
            let projection = PackedMatrix(first.inputWeights, bias: tableBias)
            embedding.values.withUnsafeBufferPointer { e in
                table.withUnsafeMutableBufferPointer { t in
                    projection.multiply(e.baseAddress!, rows: tokens, into: t.baseAddress!, outputStride: width, threads: 1)
                }
            }
        } else {
            for v in 0..<vocabularySize {
                for g in 0..<width { table[v * width + g] = first.inputWeights[g, v] + tableBias[g] }
            }
        }
        tokenTable = table
        var recurrent: [PackedMatrix] = []
        var gruInput: [PackedMatrix?] = []
        for (k, layer) in network.layers.enumerated() {
            if let int8 = network.int8?.layers[k] {
                // Layer 0's input product is the table (from the float32 weights the
                // eight-bit ones stand for); every other product runs in int8.
                if !joined {
                    recurrent.append(PackedMatrix(int8: [int8.hidden], bias: layer.hiddenBias))
                    gruInput.append(k == 0 ? nil : PackedMatrix(int8: [int8.input], bias: layer.inputBias))
                } else {
                    let bias = k == 0 ? nil : zip(layer.inputBias, layer.hiddenBias).map { $0 + $1 }
                    recurrent.append(PackedMatrix(int8: k == 0 ? [int8.hidden] : [int8.input, int8.hidden], bias: bias))
                    gruInput.append(nil)
                }
            } else if !joined {
                recurrent.append(PackedMatrix(layer.hiddenWeights, bias: layer.hiddenBias))
                gruInput.append(k == 0 ? nil : PackedMatrix(layer.inputWeights, bias: layer.inputBias))
            } else {
                let blocks = k == 0 ? [layer.hiddenWeights] : [layer.inputWeights, layer.hiddenWeights]
                let bias = k == 0 ? nil : zip(layer.inputBias, layer.hiddenBias).map { $0 + $1 }
                recurrent.append(
                    fusesLSTMCell
                        ? PackedMatrix.interleavingGates(blocks, bias: bias, hiddenSize: hiddenSize)
                        : PackedMatrix(concatenating: blocks, bias: bias))
                gruInput.append(nil)
            }
        }
        self.recurrent = recurrent
        self.gruInput = gruInput
        head =
            network.int8.map { PackedMatrix(int8: [$0.head], bias: network.headBias) }
            ?? PackedMatrix(network.headWeights, bias: network.headBias)
        isInt8 = network.int8 != nil
    }

    /// Whether the products run in eight bits (a quantized model).
    public let isInt8: Bool

    /// Multiply-adds per row per step, for GFLOP/s reports.
    public var multiplyAddsPerStep: Int {
        recurrent.reduce(0) { $0 + $1.multiplyAdds(rows: 1) } + gruInput.reduce(0) { $0 + ($1?.multiplyAdds(rows: 1) ?? 0) }
            + head.multiplyAdds(rows: 1)
    }

    /// Bytes of weights read per step (the memory traffic that bounds batch 1).
    public var weightBytes: Int {
        recurrent.reduce(0) { $0 + $1.weightBytes } + gruInput.reduce(0) { $0 + ($1?.weightBytes ?? 0) } + head.weightBytes
    }
}
