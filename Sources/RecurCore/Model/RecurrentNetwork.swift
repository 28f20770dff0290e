/// A character- or note-level language model: token input (one-hot or embedded),
/// a stack of recurrent layers and a linear head over the vocabulary.
///
/// The stored tensors are exactly PyTorch's (`embedding`, `rnn`, `head`), so the
/// same numbers load in both. This type holds weights only; running state lives in
/// `NetworkState` so that one network can serve many concurrent samplers.
public struct RecurrentNetwork: Sendable, Equatable {
    /// The cell every layer uses.
    public let cell: CellKind
    /// Optional `embedding.weight`, `[V × E]`; `nil` means one-hot input.
    public var embedding: Matrix?
    /// The stacked layers, bottom first.
    public var layers: [RecurrentLayer]
    /// `head.weight`, `[V × H]`.
    public var headWeights: Matrix
    /// `head.bias`, `[V]`.
    public var headBias: [Float]
    /// The eight-bit weights the sampler multiplies by, for a quantized model (`recur
    /// quantize`); the float32 weights above are then what they stand for. Nil for a
    /// float32 model. Training works on float32 and drops them.
    public var int8: Int8Weights?

    /// Builds a network from its parts; callers (the loader, the trainer) check shapes.
    public init(cell: CellKind, embedding: Matrix?, layers: [RecurrentLayer], headWeights: Matrix, headBias: [Float]) {
        precondition(!layers.isEmpty, "a network needs at least one layer")
        self.cell = cell
        self.embedding = embedding
        self.layers = layers
        self.headWeights = headWeights
        self.headBias = headBias
    }

    /// A zero network of the given shape.
    public init(cell: CellKind, vocabularySize: Int, hiddenSize: Int, layerCount: Int, embeddingSize: Int? = nil) {
        let firstInput = embeddingSize ?? vocabularySize
        self.init(
            cell: cell,
            embedding: embeddingSize.map { Matrix(rows: vocabularySize, columns: $0) },
            layers: (0..<layerCount).map { k in
                RecurrentLayer(kind: cell, inputSize: k == 0 ? firstInput : hiddenSize, hiddenSize: hiddenSize)
            },
            headWeights: Matrix(rows: vocabularySize, columns: hiddenSize),
            headBias: [Float](repeating: 0, count: vocabularySize))
    }

    /// V, the number of tokens.
    public var vocabularySize: Int { headWeights.rows }
    /// H, the hidden size of every layer.
    public var hiddenSize: Int { headWeights.columns }
    /// The number of stacked layers.
    public var layerCount: Int { layers.count }

    /// Number of trainable values.
    public var parameterCount: Int {
        (embedding?.count ?? 0) + layers.reduce(0) { $0 + $1.parameterCount } + headWeights.count + headBias.count
    }
}
