import Dispatch
import RecurKernels
import RecurKernelsAVX512

/// A weight matrix `W [N × K]` repacked for the sampling kernel: panels of 16 outputs,
/// each panel stored k-major (`panel[k][0..<16]`), so that one SIMD16 load fetches the
/// 16 weights that one input value multiplies.
///
/// The products run through `PanelKernel` (RecurKernels), in the variant chosen for
/// this machine (`PanelKernelVariant`); its documentation explains why a row's result
/// is bit-for-bit the same whatever the batch size, its neighbours, the thread count or
/// the variant — the property that makes sampling reproducible (DESIGN.md §4). BLAS
/// gives no such guarantee.
public struct PackedMatrix: Sendable {
    /// Outputs per panel: one `SIMD16<Float>`.
    public static let panelWidth = 16
    /// N, the number of outputs.
    public let outputs: Int
    /// K, the length of each dot product.
    public let inner: Int
    /// The bias added to every row (zeros when the matrix has none).
    public let bias: [Float]
    private let panels: [SIMD16<Float>]
    /// The eight-bit form, when the matrix is multiplied in int8 (`Int8Panels`).
    private let int8: Int8Panels?
    private var panelCount: Int { (outputs + Self.panelWidth - 1) / Self.panelWidth }

    /// Packs the horizontal concatenation `[W₀ | W₁ | …]` of matrices with the same
    /// number of rows (e.g. `[W_ih | W_hh]`, so that one pass computes both products).
    public init(concatenating blocks: [Matrix], bias: [Float]? = nil) {
        precondition(!blocks.isEmpty && blocks.allSatisfy { $0.rows == blocks[0].rows }, "blocks need equal row counts")
        outputs = blocks[0].rows
        inner = blocks.reduce(0) { $0 + $1.columns }
        self.bias = bias ?? [Float](repeating: 0, count: outputs)
        precondition(self.bias.count == outputs, "bias size")
        let count = (outputs + Self.panelWidth - 1) / Self.panelWidth, inner = inner, outputs = outputs
        var packed = [SIMD16<Float>](repeating: .zero, count: count * inner)
        // Training repacks its weights every window: raw pointers, rows read in order.
        packed.withUnsafeMutableBufferPointer { panels in
            let floats = UnsafeMutableRawPointer(panels.baseAddress!).assumingMemoryBound(to: Float.self)
            var offset = 0
            for block in blocks {
                block.values.withUnsafeBufferPointer { w in
                    for n in 0..<outputs {
                        let (panel, lane) = n.quotientAndRemainder(dividingBy: Self.panelWidth)
                        let source = w.baseAddress! + n * block.columns
                        let target = floats + (panel * inner + offset) * Self.panelWidth + lane
                        for k in 0..<block.columns { target[k * Self.panelWidth] = source[k] }
                    }
                }
                offset += block.columns
            }
        }
        panels = packed
        int8 = nil
    }

    /// Packs the eight-bit matrices `[Q₀ | Q₁ | …]`, which must share their row scales
    /// (`QuantizedMatrix.quantizing(joined:)`): products then run in int8.
    init(int8 blocks: [QuantizedMatrix], bias: [Float]? = nil) {
        precondition(!blocks.isEmpty && blocks.allSatisfy { $0.rows == blocks[0].rows && $0.scales == blocks[0].scales })
        outputs = blocks[0].rows
        inner = blocks.reduce(0) { $0 + $1.columns }
        self.bias = bias ?? [Float](repeating: 0, count: outputs)
        var values = [Int8](repeating: 0, count: outputs * inner)
        var offset = 0
        for block in blocks {
            for n in 0..<outputs {
                for k in 0..<block.columns { values[n * inner + offset + k] = block.values[n * block.columns + k] }
            }
            offset += block.columns
        }
        panels = []
        int8 = Int8Panels(values: values, scales: blocks[0].scales, bias: self.bias, outputs: outputs, inner: inner)
    }

    /// Whether products run in eight bits.
    public var isInt8: Bool { int8 != nil }

    /// Packs one matrix.
    public init(_ matrix: Matrix, bias: [Float]? = nil) {
        self.init(concatenating: [matrix], bias: bias)
    }

    /// Packs the transpose of `matrix` (outputs = its columns, inner = its rows)
    /// without building the transpose: `y = x · matrix` for the backward pass.
    public init(transposing matrix: Matrix) {
        let (outputs, inner) = (matrix.columns, matrix.rows)
        self.outputs = outputs
        self.inner = inner
        bias = [Float](repeating: 0, count: outputs)
        let count = (outputs + Self.panelWidth - 1) / Self.panelWidth
        var packed = [SIMD16<Float>](repeating: .zero, count: count * inner)
        // A panel's row k is 16 consecutive values of the matrix's row k: one vector copy
        // (lane by lane only in a last, partial panel).
        packed.withUnsafeMutableBufferPointer { panels in
            matrix.values.withUnsafeBufferPointer { w in
                for panel in 0..<count {
                    let first = panel * Self.panelWidth, lanes = min(Self.panelWidth, outputs - first)
                    for k in 0..<inner {
                        let source = w.baseAddress! + k * outputs + first
                        if lanes == Self.panelWidth {
                            panels[panel * inner + k] = UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self)
                        } else {
                            for lane in 0..<lanes { panels[panel * inner + k][lane] = source[lane] }
                        }
                    }
                }
            }
        }
        panels = packed
        int8 = nil
    }

    /// `y[b, 0..<N] = bias + x[b, 0..<K] · Wᵀ` for `rows` rows.
    ///
    /// - Parameters:
    ///   - x: row-major input, row stride `K`.
    ///   - y: row-major output, row stride `outputStride` (≥ N).
    ///   - threads: how many workers share the panels (1 = run here). The result does
    ///     not depend on it.
    ///   - variant: the kernel build; the result does not depend on it either.
    package func multiply(
        _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, outputStride: Int, threads: Int,
        variant: PanelKernelVariant = .selected
    ) {
        multiply(
            left: x, columns: inner, stride: inner, right: x, stride: inner, rows: rows, into: y, outputStride: outputStride,
            threads: threads, variant: variant)
    }

    /// The same product for input rows `[left[b] | right[b]]` read in place: `left`
    /// supplies the first `columns` values of each row (row stride `leftStride`), `right`
    /// the other `K − columns` (row stride `rightStride`). The result is bit for bit that
    /// of `multiply` on the joined rows.
    ///
    /// With `lstm`, the matrix must be an LSTM's gates packed by `interleavingGates`, and
    /// the product's last step applies the cell (`FusedLSTMCell`): `y` is not written.
    package func multiply(
        left: UnsafePointer<Float>, columns: Int, stride leftStride: Int,
        right: UnsafePointer<Float>, stride rightStride: Int,
        rows: Int, into y: UnsafeMutablePointer<Float>, outputStride: Int, threads: Int,
        variant: PanelKernelVariant = .selected, lstm: LSTMCellTarget? = nil
    ) {
        // Cheap checks of the raw-pointer contract: a wrong stride reads or writes the
        // wrong rows silently, far from the call that got it wrong.
        precondition((0...inner).contains(columns), "left columns \(columns) outside 0...\(inner)")
        precondition(rows >= 0 && leftStride >= columns && rightStride >= inner - columns, "row strides shorter than the rows")
        precondition(lstm != nil || outputStride >= outputs, "output stride \(outputStride) < \(outputs) outputs")
        precondition(lstm == nil || variant == .avx512, "the fused LSTM cell runs in the AVX-512 build")
        if let int8 {
            precondition(lstm == nil, "no fused LSTM cell in int8")
            return int8.multiply(
                left: left, columns: columns, stride: leftStride, right: right, stride: rightStride, rows: rows, into: y,
                outputStride: outputStride, threads: threads)
        }
        // Workers take whole groups of `unit` panels (four with a fused cell: one unit block).
        let unit = lstm == nil ? 1 : 4
        let count = panelCount / unit
        let work = rows * outputs * inner
        let workers = work < 1 << 16 ? 1 : min(max(threads, 1), count)
        panels.withUnsafeBufferPointer { packed in
            bias.withUnsafeBufferPointer { bias in
                let (w, b) = (packed.baseAddress!, bias.baseAddress!)
                let run: @Sendable (Range<Int>) -> Void
                if variant == .avx512 {
                    let cell = lstm.map {
                        RecurKernelsAVX512.FusedLSTMCell(
                            memory: $0.memory, hidden: $0.hidden, table: $0.table, tokens: $0.tokens, hiddenSize: $0.hiddenSize)
                    }
                    let kernel = RecurKernelsAVX512.PanelKernel(
                        panels: w, bias: b, left: left, leftColumns: columns, leftStride: leftStride, right: right,
                        rightStride: rightStride, rows: rows, inner: inner, outputs: outputs, y: y, outputStride: outputStride,
                        lstm: cell)
                    run = { kernel.run(panels: ($0.lowerBound * unit)..<($0.upperBound * unit)) }
                } else {
                    let kernel = RecurKernels.PanelKernel(
                        panels: w, bias: b, left: left, leftColumns: columns, leftStride: leftStride, right: right,
                        rightStride: rightStride, rows: rows, inner: inner, outputs: outputs, y: y, outputStride: outputStride)
                    run = { kernel.run(panels: ($0.lowerBound * unit)..<($0.upperBound * unit)) }
                }
                // Pieces of whole groups of four panels, as the kernels run them.
                SpinningHelper.forEachRange(count: count, workers: workers, work: work, granule: unit == 1 ? 4 : 1, run)
            }
        }
    }

    /// Packs an LSTM's gate matrix `[4H × K]` (bias `4H`) gate-interleaved for the fused
    /// cell: output `16(4u + g) + l` is PyTorch's row `gH + 16u + l`, so that panels
    /// `4u ..< 4u + 4` hold gates i, f, g, o of units `16u ..< 16u + 16`. H must be a
    /// multiple of 16.
    public static func interleavingGates(_ blocks: [Matrix], bias: [Float]?, hiddenSize n: Int) -> PackedMatrix {
        precondition(n % 16 == 0 && blocks.allSatisfy { $0.rows == 4 * n }, "gate interleaving needs 4H rows, H % 16 == 0")
        let order = (0..<(4 * n)).map { p -> Int in
            let (panel, lane) = p.quotientAndRemainder(dividingBy: 16)
            let (unitBlock, gate) = panel.quotientAndRemainder(dividingBy: 4)
            return gate * n + unitBlock * 16 + lane
        }
        let permuted = blocks.map { m in
            Matrix(rows: m.rows, columns: m.columns, values: order.flatMap { m.row($0) })
        }
        return PackedMatrix(concatenating: permuted, bias: bias.map { b in order.map { b[$0] } })
    }

    /// Number of multiply-adds for `rows` rows, for GFLOP/s reports.
    public func multiplyAdds(rows: Int) -> Int { rows * outputs * inner }

    /// Bytes of weights one product reads.
    public var weightBytes: Int { (int8 == nil ? 4 : 1) * outputs * inner }
}

/// Where a fused LSTM cell (`PackedMatrix.multiply(…, lstm:)`) reads and writes.
package struct LSTMCellTarget {
    /// `c`, `[rows × H]`, updated in place.
    package var memory: UnsafeMutablePointer<Float>
    /// Receives `h′`, `[rows × H]`; must not be the product's input.
    package var hidden: UnsafeMutablePointer<Float>
    /// Layer 0's input term per token, `[V × 4H]`, in PyTorch's gate order, or nil.
    package var table: UnsafePointer<Float>?
    /// Each row's token (with `table`).
    package var tokens: UnsafePointer<Int>?
    /// H.
    package var hiddenSize: Int
}
