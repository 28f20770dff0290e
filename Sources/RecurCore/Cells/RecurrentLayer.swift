/// One layer of a stacked recurrent network, with PyTorch's tensors and shapes.
public struct RecurrentLayer: Sendable, Equatable {
    /// Which cell the layer runs.
    public let kind: CellKind
    /// `weight_ih_l{k}`, `[G·H × In]`.
    public var inputWeights: Matrix
    /// `weight_hh_l{k}`, `[G·H × H]`.
    public var hiddenWeights: Matrix
    /// `bias_ih_l{k}`, `[G·H]`.
    public var inputBias: [Float]
    /// `bias_hh_l{k}`, `[G·H]`.
    public var hiddenBias: [Float]

    /// The hidden size H.
    public var hiddenSize: Int { hiddenWeights.columns }
    /// The input size In.
    public var inputSize: Int { inputWeights.columns }
    /// G·H, the width of the stacked gates.
    public var gateWidth: Int { hiddenWeights.rows }

    /// A layer from its four tensors; shapes are checked by the caller (the model loader).
    public init(kind: CellKind, inputWeights: Matrix, hiddenWeights: Matrix, inputBias: [Float], hiddenBias: [Float]) {
        precondition(hiddenWeights.rows == kind.gateCount * hiddenWeights.columns, "weight_hh shape")
        precondition(inputWeights.rows == hiddenWeights.rows, "weight_ih rows")
        precondition(inputBias.count == hiddenWeights.rows && hiddenBias.count == hiddenWeights.rows, "bias size")
        self.kind = kind
        self.inputWeights = inputWeights
        self.hiddenWeights = hiddenWeights
        self.inputBias = inputBias
        self.hiddenBias = hiddenBias
    }

    /// A layer of zeros, to be filled by an initializer or a loader.
    public init(kind: CellKind, inputSize: Int, hiddenSize: Int) {
        let width = kind.gateCount * hiddenSize
        self.init(
            kind: kind,
            inputWeights: Matrix(rows: width, columns: inputSize),
            hiddenWeights: Matrix(rows: width, columns: hiddenSize),
            inputBias: [Float](repeating: 0, count: width),
            hiddenBias: [Float](repeating: 0, count: width))
    }

    /// Number of trainable values.
    public var parameterCount: Int {
        inputWeights.count + hiddenWeights.count + inputBias.count + hiddenBias.count
    }
}
