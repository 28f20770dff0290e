import CRecurInt8
import Dispatch
import Foundation

/// A weight matrix in eight bits, packed for the int8 kernels (`recur_int8.h`): panels of
/// 16 outputs, K in groups of four, one scale per output.
///
/// A product quantizes each input row on its own (scale max |x| / 127, round to nearest
/// even), sums int8 × int8 products exactly in int32, and finishes every output with the
/// same two float roundings. So, as with `PackedMatrix`, a row's result does not depend
/// on the batch, its neighbours, the thread count or the instruction set.
package struct Int8Panels: Sendable {
    /// N.
    let outputs: Int
    /// K.
    let inner: Int
    /// ⌈K / 4⌉.
    let groups: Int
    let bias: [Float]
    private let panels: [Int8]
    private let rowSums: [Int32]
    private let scales: [Float]

    /// Packs `values` (`outputs × inner`, row-major) with one scale per row.
    init(values: [Int8], scales: [Float], bias: [Float]?, outputs: Int, inner: Int) {
        precondition(values.count == outputs * inner && scales.count == outputs, "int8 matrix shape")
        self.outputs = outputs
        self.inner = inner
        groups = (inner + 3) / 4
        let panelCount = (outputs + 15) / 16, padded = panelCount * 16
        let bias = bias ?? [Float](repeating: 0, count: outputs)
        precondition(bias.count == outputs, "bias size")
        self.bias = bias + [Float](repeating: 0, count: padded - outputs)
        self.scales = scales + [Float](repeating: 0, count: padded - outputs)
        var packed = [Int8](repeating: 0, count: panelCount * groups * 64)
        var sums = [Int32](repeating: 0, count: padded)
        for n in 0..<outputs {
            let (panel, lane) = n.quotientAndRemainder(dividingBy: 16)
            var sum: Int32 = 0
            for k in 0..<inner {
                let value = values[n * inner + k]
                let (group, j) = k.quotientAndRemainder(dividingBy: 4)
                packed[(panel * groups + group) * 64 + lane * 4 + j] = value
                sum += Int32(value)
            }
            sums[n] = sum
        }
        panels = packed
        rowSums = sums
    }

    /// `y[b, 0..<N] = bias + x[b] · Wᵀ` for input rows `[left[b] | right[b]]`, as
    /// `PackedMatrix.multiply(left:…)`.
    func multiply(
        left: UnsafePointer<Float>, columns: Int, stride leftStride: Int,
        right: UnsafePointer<Float>, stride rightStride: Int,
        rows: Int, into y: UnsafeMutablePointer<Float>, outputStride: Int, threads: Int,
        variant: Int8KernelVariant = .selected
    ) {
        precondition((0...inner).contains(columns), "left columns \(columns) outside 0...\(inner)")
        precondition(rows >= 0 && leftStride >= columns && rightStride >= inner - columns, "row strides shorter than the rows")
        precondition(outputStride >= outputs, "output stride \(outputStride) < \(outputs) outputs")
        guard rows > 0 else { return }
        let count = (outputs + 15) / 16
        let work = rows * outputs * inner
        let workers = work < 1 << 17 ? 1 : min(max(threads, 1), count)
        var q = [Int8](repeating: 0, count: rows * 4 * groups)
        var xScales = [Float](repeating: 0, count: rows)
        // The AVX2 kernel multiplies many rows as int16: widened here, once per product.
        let widens = variant == .avx2 && recur_i8_avx2_widens(Int32(rows)) != 0
        var qWide = [Int16](repeating: 0, count: widens ? rows * 4 * groups : 0)
        q.withUnsafeMutableBufferPointer { q in
            xScales.withUnsafeMutableBufferPointer { xScales in
                qWide.withUnsafeMutableBufferPointer { qWide in
                    let quantizer = RowQuantizer(
                        left: left, columns: columns, leftStride: leftStride, right: right, rightStride: rightStride,
                        inner: inner, groups: groups, q: q.baseAddress!, scales: xScales.baseAddress!,
                        wide: widens ? qWide.baseAddress : nil)
                    // Many rows: the workers share them (each row alone, so the same bytes).
                    SpinningHelper.forEachRange(
                        count: rows, workers: rows >= 16 ? workers : 1, work: rows * inner * 4, quantizer.run)
                }
            }
        }
        panels.withUnsafeBufferPointer { packed in
            rowSums.withUnsafeBufferPointer { sums in
                scales.withUnsafeBufferPointer { scales in
                    bias.withUnsafeBufferPointer { bias in
                        q.withUnsafeBufferPointer { q in
                            xScales.withUnsafeBufferPointer { xScales in
                                qWide.withUnsafeBufferPointer { qWide in
                                    let call = Int8Call(
                                        matrix: recur_i8_matrix(
                                            panels: packed.baseAddress, rowSums: sums.baseAddress, scales: scales.baseAddress,
                                            bias: bias.baseAddress, groups: Int32(groups), outputs: Int32(outputs)),
                                        q: q.baseAddress!, qWide: widens ? qWide.baseAddress : nil,
                                        xScales: xScales.baseAddress!, rows: rows, y: y, outputStride: outputStride,
                                        variant: variant)
                                    // Whole groups of four panels, as the VNNI kernel runs them.
                                    SpinningHelper.forEachRange(
                                        count: count, workers: workers, work: work / 8, granule: 4, call.run)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Bytes of weights read per product row (a quarter of float32's).
    var weightBytes: Int { outputs * inner }
}

/// Quantizes input rows into `q` and `scales`; workers take disjoint ranges of rows.
private struct RowQuantizer: @unchecked Sendable {
    let left: UnsafePointer<Float>
    let columns: Int, leftStride: Int
    let right: UnsafePointer<Float>
    let rightStride: Int, inner: Int, groups: Int
    let q: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    /// Where to widen the quantized rows to int16 as well, if the kernel wants them so.
    let wide: UnsafeMutablePointer<Int16>?

    func run(_ rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        let q = q + rows.lowerBound * 4 * groups
        recur_i8_quantize_rows(
            left + rows.lowerBound * leftStride, Int32(columns), Int32(leftStride), right + rows.lowerBound * rightStride,
            Int32(rightStride), Int32(rows.count), Int32(inner), Int32(groups), q, scales + rows.lowerBound)
        if let wide { recur_i8_widen_rows(q, Int32(rows.count), Int32(groups), wide + rows.lowerBound * 4 * groups) }
    }
}

/// One product's operands, shared by the workers; each writes only its own panels' outputs.
private struct Int8Call: @unchecked Sendable {
    var matrix: recur_i8_matrix
    let q: UnsafePointer<Int8>
    let qWide: UnsafePointer<Int16>?
    let xScales: UnsafePointer<Float>
    let rows: Int
    let y: UnsafeMutablePointer<Float>
    let outputStride: Int
    let variant: Int8KernelVariant

    func run(_ panels: Range<Int>) {
        guard !panels.isEmpty else { return }
        var matrix = matrix
        let (begin, end) = (Int32(panels.lowerBound), Int32(panels.upperBound))
        switch variant {
        case .reference:
            recur_i8_multiply_reference(&matrix, q, xScales, Int32(rows), begin, end, y, Int32(outputStride))
        case .avx2:
            recur_i8_multiply_avx2(&matrix, q, qWide, xScales, Int32(rows), begin, end, y, Int32(outputStride))
        case .avx512vnni:
            recur_i8_multiply_avx512vnni(&matrix, q, xScales, Int32(rows), begin, end, y, Int32(outputStride))
        }
    }
}

/// Which int8 kernel multiplies: AVX-512 VNNI (`vpdpbusd`) where the CPU has it, else
/// AVX2; the scalar reference is for tests. All give the same results.
public enum Int8KernelVariant: String, Sendable, CaseIterable {
    case reference
    case avx2
    case avx512vnni = "avx512-vnni"

    /// The variants this machine can run.
    public static let available: [Int8KernelVariant] = {
        #if arch(x86_64)
        let vnni = ["avx512f", "avx512bw", "avx512vl", "avx512_vnni"].allSatisfy(CPUFlags.current.flags.contains)
        return vnni ? [.reference, .avx2, .avx512vnni] : [.reference, .avx2]
        #else
        return [.reference]
        #endif
    }()

    /// The fastest this machine runs; `RECUR_KERNEL=avx2` forces AVX2, as for float32.
    public static let selected: Int8KernelVariant = {
        if let forced = getenv("RECUR_KERNEL").map({ String(cString: $0) }), forced == "avx2",
            available.contains(.avx2)
        {
            return .avx2
        }
        return available.last!
    }()
}
