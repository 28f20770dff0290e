/// Gradients of every parameter of a `RecurrentNetwork`, shaped like its tensors.
///
/// The trainer sums these over its shards and feeds them to its optimizer tensor by
/// tensor (Adam scales them by the clipping factor as it updates), so each field mirrors
/// the network field of the same name (and PyTorch's tensor of that role).
public struct NetworkGradients: Sendable, Equatable {
    /// d`embedding.weight`, `[V × E]`, when the network has an embedding; `nil` for one-hot input.
    public var embedding: Matrix?
    /// The gradients of each layer's four tensors, bottom layer first.
    public var layers: [LayerGradients]
    /// d`head.weight`, `[V × H]`.
    public var headWeights: Matrix
    /// d`head.bias`, `[V]`.
    public var headBias: [Float]

    /// All zeros, shaped like `network`: the starting point for accumulating gradients.
    public init(zeroFor network: RecurrentNetwork) {
        embedding = network.embedding.map { Matrix(rows: $0.rows, columns: $0.columns) }
        layers = network.layers.map { LayerGradients(zeroFor: $0) }
        headWeights = Matrix(rows: network.headWeights.rows, columns: network.headWeights.columns)
        headBias = [Float](repeating: 0, count: network.headBias.count)
    }
}

/// Gradients of one recurrent layer's tensors, shaped like `RecurrentLayer`'s.
public struct LayerGradients: Sendable, Equatable {
    /// d`weight_ih_l{k}`, `[G·H × In]`.
    public var inputWeights: Matrix
    /// d`weight_hh_l{k}`, `[G·H × H]`.
    public var hiddenWeights: Matrix
    /// d`bias_ih_l{k}`, `[G·H]`.
    public var inputBias: [Float]
    /// d`bias_hh_l{k}`, `[G·H]`.
    public var hiddenBias: [Float]

    /// All zeros, shaped like `layer`.
    public init(zeroFor layer: RecurrentLayer) {
        inputWeights = Matrix(rows: layer.inputWeights.rows, columns: layer.inputWeights.columns)
        hiddenWeights = Matrix(rows: layer.hiddenWeights.rows, columns: layer.hiddenWeights.columns)
        inputBias = [Float](repeating: 0, count: layer.inputBias.count)
        hiddenBias = [Float](repeating: 0, count: layer.hiddenBias.count)
    }
}
