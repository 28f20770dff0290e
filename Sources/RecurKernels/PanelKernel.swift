// This file is compiled twice: into RecurKernels (AVX2 on x86-64) and, through a symbolic
// link, into RecurKernelsAVX512 (AVX-512). Each module adds its own `runRowGroups`.

/// One product `y[b, n] = bias[n] + Σ_k x[b, k] · W[n, k]` over weights packed in panels
/// of 16 outputs, each panel k-major (`panel[k][0..<16]`), as `PackedMatrix` stores them.
///
/// **Batch invariance.** Every output is one fused multiply-add chain, k ascending, for
/// every row on its own. Register blocking (several rows, several panels at once) changes
/// which chains run side by side, never the order of additions inside a chain; nor does
/// splitting the panels among threads, nor the instruction set (an AVX-512 FMA and two
/// AVX2 FMAs round each lane the same way). So a row's result is bit-for-bit the same
/// whatever the batch size, its neighbours, the thread count or the kernel variant.
public struct PanelKernel: @unchecked Sendable {
    let panels: UnsafePointer<SIMD16<Float>>
    let bias: UnsafePointer<Float>
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let rows, inner, outputs, stride: Int

    /// - Parameters:
    ///   - panels: `⌈outputs / 16⌉ × inner` packed weights.
    ///   - bias: `outputs` values.
    ///   - x: row-major input, row stride `inner`.
    ///   - y: row-major output, row stride `outputStride` (≥ `outputs`).
    public init(panels: UnsafePointer<SIMD16<Float>>, bias: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int,
                inner: Int, outputs: Int, y: UnsafeMutablePointer<Float>, outputStride: Int) {
        self.panels = panels
        self.bias = bias
        self.x = x
        self.y = y
        self.rows = rows
        self.inner = inner
        self.outputs = outputs
        stride = outputStride
    }

    /// Computes the outputs of the panels in `range` for every row. Workers may run
    /// disjoint ranges at the same time.
    public func run(panels range: Range<Int>) {
        let grouped = runRowGroups(panels: range)
        // A batch of one row streams the weights alone, four panels at once so that four
        // independent weight streams keep memory busy.
        for r in grouped..<rows {
            var p = range.lowerBound
            while p + 4 <= range.upperBound { rows1panels4(r, p); p += 4 }
            while p < range.upperBound { rows1panels1(r, p); p += 1 }
        }
    }

    /// Walks the panels of `range` in groups of `panelGroup` (a narrower rest one panel at
    /// a time), K in blocks of `block`, and all rows in groups of `rowGroup`, calling
    /// `kernel(r, p, panels, valid, span)`: `panels` is `panelGroup` or 1, `valid` the real
    /// rows of the group. A panel group's block of weights stays in L1 across all row
    /// groups; partial sums pass through `y` between K blocks (`initial`).
    @inline(__always) func forEachGroup(
        panels range: Range<Int>, panelGroup: Int, rowGroup: Int, block: Int,
        _ kernel: (_ r: Int, _ p: Int, _ panels: Int, _ valid: Int, _ span: Range<Int>) -> Void
    ) {
        var p = range.lowerBound
        while p < range.upperBound {
            let width = p + panelGroup <= range.upperBound ? panelGroup : 1
            var k = 0
            while k < inner {
                let span = k..<min(inner, k + block)
                var r = 0
                while r < rows {
                    kernel(r, p, width, min(rowGroup, rows - r), span)
                    r += rowGroup
                }
                k += block
            }
            p += width
        }
    }

    /// Panel `p`'s 16 values from `source` (bias or a row of `y`); lanes past N are zero.
    @inline(__always) func load(panel p: Int, from source: UnsafePointer<Float>) -> SIMD16<Float> {
        let n = p * 16
        if n + 16 <= outputs { return UnsafeRawPointer(source + n).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>.zero
        for lane in 0..<(outputs - n) { v[lane] = source[n + lane] }
        return v
    }

    /// The bias of panel `p`.
    @inline(__always) func start(_ p: Int) -> SIMD16<Float> { load(panel: p, from: bias) }

    /// The chain's starting value for K block `span`: the bias, or the partial sum an
    /// earlier block stored in `y` (stored and reloaded exactly, so the chain is unchanged).
    @inline(__always) func initial(row r: Int, panel p: Int, _ span: Range<Int>) -> SIMD16<Float> {
        span.lowerBound == 0 ? start(p) : load(panel: p, from: y + r * stride)
    }

    @inline(__always) func store(_ v: SIMD16<Float>, row r: Int, panel p: Int) {
        let n = p * 16
        let target = y + r * stride + n
        if n + 16 <= outputs {
            UnsafeMutableRawPointer(target).storeBytes(of: v, as: SIMD16<Float>.self)
        } else {
            for lane in 0..<(outputs - n) { target[lane] = v[lane] }
        }
    }

    /// Row `r + i` of a group with `valid` real rows; the padding rows repeat the last
    /// real one (their results are computed and dropped).
    @inline(__always) func row(_ r: Int, _ i: Int, valid: Int) -> UnsafePointer<Float> {
        x + (r + min(i, valid - 1)) * inner
    }

    /// Four rows (padded as in the row groups) against one panel, for a K block `span`.
    func rows4panels1(_ r: Int, _ p: Int, valid: Int, _ span: Range<Int>) {
        let w = panels + p * inner
        let x0 = row(r, 0, valid: valid), x1 = row(r, 1, valid: valid), x2 = row(r, 2, valid: valid)
        let x3 = row(r, 3, valid: valid)
        func first(_ i: Int) -> SIMD16<Float> { initial(row: r + min(i, valid - 1), panel: p, span) }
        var a0 = first(0), a1 = first(1), a2 = first(2), a3 = first(3)
        for k in span {
            let wk = w[k]
            a0.addProduct(SIMD16(repeating: x0[k]), wk)
            a1.addProduct(SIMD16(repeating: x1[k]), wk)
            a2.addProduct(SIMD16(repeating: x2[k]), wk)
            a3.addProduct(SIMD16(repeating: x3[k]), wk)
        }
        store(a0, row: r, panel: p)
        if valid > 1 { store(a1, row: r + 1, panel: p) }
        if valid > 2 { store(a2, row: r + 2, panel: p) }
        if valid > 3 { store(a3, row: r + 3, panel: p) }
    }

    private func rows1panels4(_ r: Int, _ p: Int) {
        let w0 = panels + p * inner, w1 = w0 + inner, w2 = w1 + inner, w3 = w2 + inner
        let x0 = x + r * inner
        var a0 = start(p), a1 = start(p + 1), a2 = start(p + 2), a3 = start(p + 3)
        for k in 0..<inner {
            let s = SIMD16(repeating: x0[k])
            a0.addProduct(s, w0[k]); a1.addProduct(s, w1[k]); a2.addProduct(s, w2[k]); a3.addProduct(s, w3[k])
        }
        store(a0, row: r, panel: p); store(a1, row: r, panel: p + 1)
        store(a2, row: r, panel: p + 2); store(a3, row: r, panel: p + 3)
    }

    private func rows1panels1(_ r: Int, _ p: Int) {
        let w = panels + p * inner
        let x0 = x + r * inner
        var a = start(p)
        for k in 0..<inner { a.addProduct(SIMD16(repeating: x0[k]), w[k]) }
        store(a, row: r, panel: p)
    }
}

extension SIMD16<Float> {
    /// `self += a · b` as one fused multiply-add per lane.
    @inline(__always)
    mutating func addProduct(_ a: SIMD16<Float>, _ b: SIMD16<Float>) {
        self = self.addingProduct(a, b)
    }
}
