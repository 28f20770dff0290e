import Foundation

/// A matrix stored in eight bits: `W[n, k] ≈ values[n, k] · scales[n]`, one scale per
/// row (output), values in −127…127 (DESIGN.md §3, "Eight-bit models").
public struct QuantizedMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major, `rows × columns`.
    public let values: [Int8]
    /// Per row: max |W[n, :]| / 127 (0 for a row of zeros).
    public let scales: [Float]

    /// A matrix from stored values and scales; the loader checks them.
    public init(rows: Int, columns: Int, values: [Int8], scales: [Float]) {
        precondition(values.count == rows * columns && scales.count == rows, "quantized matrix shape")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.scales = scales
    }

    /// Quantizes `matrices` (with equal row counts) as one: each row of `[M₀ | M₁ | …]`
    /// gets one scale, so that a kernel can multiply the joined input by the joined
    /// matrix in one pass.
    public static func quantizing(joined matrices: [Matrix]) -> [QuantizedMatrix] {
        precondition(!matrices.isEmpty && matrices.allSatisfy { $0.rows == matrices[0].rows }, "equal row counts")
        let rows = matrices[0].rows
        let largest = (0..<rows).map { n -> Float in
            matrices.reduce(Float(0)) { largest, m in m.row(n).reduce(largest) { max($0, abs($1)) } }
        }
        let scales = largest.map { $0 / 127 }
        return matrices.map { m in
            var values = [Int8](repeating: 0, count: m.count)
            for n in 0..<rows where largest[n] > 0 {
                let inverse = 127 / largest[n]
                for k in 0..<m.columns {
                    let q = (m[n, k] * inverse).rounded(.toNearestOrEven)
                    values[n * m.columns + k] = Int8(max(-127, min(127, q)))
                }
            }
            return QuantizedMatrix(rows: rows, columns: m.columns, values: values, scales: scales)
        }
    }

    /// Quantizes one matrix.
    public init(quantizing matrix: Matrix) {
        self = Self.quantizing(joined: [matrix])[0]
    }

    /// The float32 matrix these values stand for: `values[n, k] · scales[n]`.
    public var dequantized: Matrix {
        var out = [Float](repeating: 0, count: values.count)
        for n in 0..<rows {
            for k in 0..<columns { out[n * columns + k] = Float(values[n * columns + k]) * scales[n] }
        }
        return Matrix(rows: rows, columns: columns, values: out)
    }
}

/// The eight-bit weights of a network: every layer's `W_ih` and `W_hh` and the head's
/// weight. Embeddings and biases stay float32. For LSTM and RNN layers above the first,
/// `W_ih` and `W_hh` share each row's scale (the sampler multiplies `[x | h]` by
/// `[W_ih | W_hh]` in one pass); the other matrices have scales of their own.
public struct Int8Weights: Sendable, Equatable {
    public struct Layer: Sendable, Equatable {
        public var input: QuantizedMatrix
        public var hidden: QuantizedMatrix
    }

    public var layers: [Layer]
    public var head: QuantizedMatrix

    /// Quantizes `network`'s weights by the scheme above.
    public init(quantizing network: RecurrentNetwork) {
        layers = network.layers.enumerated().map { k, layer in
            if k > 0 && network.cell != .gru {
                let joined = QuantizedMatrix.quantizing(joined: [layer.inputWeights, layer.hiddenWeights])
                return Layer(input: joined[0], hidden: joined[1])
            }
            return Layer(
                input: QuantizedMatrix(quantizing: layer.inputWeights), hidden: QuantizedMatrix(quantizing: layer.hiddenWeights))
        }
        head = QuantizedMatrix(quantizing: network.headWeights)
    }

    /// Weights as loaded from a file.
    public init(layers: [Layer], head: QuantizedMatrix) {
        self.layers = layers
        self.head = head
    }
}

extension RecurrentNetwork {
    /// The network with eight-bit weights: `int8` set, and the float32 weights replaced by
    /// what the eight-bit ones stand for (so that everything reading the floats, such as
    /// `recur info` or a PyTorch export, sees the quantized model).
    public func quantized() -> RecurrentNetwork {
        var network = self
        network.adoptInt8(Int8Weights(quantizing: self))
        return network
    }

    /// Sets `int8` and the float32 weights it stands for.
    mutating func adoptInt8(_ weights: Int8Weights) {
        for k in layers.indices {
            layers[k].inputWeights = weights.layers[k].input.dequantized
            layers[k].hiddenWeights = weights.layers[k].hidden.dequantized
        }
        headWeights = weights.head.dequantized
        int8 = weights
    }
}
