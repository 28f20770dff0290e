import Dispatch

/// A weight matrix `W [N × K]` repacked for the sampling kernel: panels of 16 outputs,
/// each panel stored k-major (`panel[k][0..<16]`), so that one SIMD16 load fetches the
/// 16 weights that one input value multiplies.
///
/// **Batch invariance.** `y[b, n] = bias[n] + Σ_k x[b, k] · W[n, k]` is accumulated in
/// one fused multiply-add chain per output, k ascending, for every row on its own.
/// Register blocking (several rows, several panels at once) changes which chains run
/// side by side, never the order of additions inside a chain; splitting the panels
/// among threads does not either. So a row's result is bit-for-bit the same whatever
/// the batch size, its neighbours or the thread count — the property that makes
/// sampling reproducible (DESIGN.md §4). BLAS gives no such guarantee.
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
    private var panelCount: Int { (outputs + Self.panelWidth - 1) / Self.panelWidth }

    /// Packs the horizontal concatenation `[W₀ | W₁ | …]` of matrices with the same
    /// number of rows (e.g. `[W_ih | W_hh]`, so that one pass computes both products).
    public init(concatenating blocks: [Matrix], bias: [Float]? = nil) {
        precondition(!blocks.isEmpty && blocks.allSatisfy { $0.rows == blocks[0].rows }, "blocks need equal row counts")
        outputs = blocks[0].rows
        inner = blocks.reduce(0) { $0 + $1.columns }
        self.bias = bias ?? [Float](repeating: 0, count: outputs)
        precondition(self.bias.count == outputs, "bias size")
        let count = (outputs + Self.panelWidth - 1) / Self.panelWidth
        var packed = [SIMD16<Float>](repeating: .zero, count: count * inner)
        var offset = 0
        for block in blocks {
            for n in 0..<outputs {
                let (panel, lane) = n.quotientAndRemainder(dividingBy: Self.panelWidth)
                for k in 0..<block.columns {
                    packed[panel * inner + offset + k][lane] = block[n, k]
                }
            }
            offset += block.columns
        }
        panels = packed
    }

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
        matrix.values.withUnsafeBufferPointer { w in
            for k in 0..<inner {
                for n in 0..<outputs {
                    let (panel, lane) = n.quotientAndRemainder(dividingBy: Self.panelWidth)
                    packed[panel * inner + k][lane] = w[k * outputs + n]
                }
            }
        }
        panels = packed
    }

    /// `y[b, 0..<N] = bias + x[b, 0..<K] · Wᵀ` for `rows` rows.
    ///
    /// - Parameters:
    ///   - x: row-major input, row stride `K`.
    ///   - y: row-major output, row stride `outputStride` (≥ N).
    ///   - threads: how many workers share the panels (1 = run here). The result does
    ///     not depend on it.
    public func multiply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, outputStride: Int, threads: Int) {
        let count = panelCount
        let work = rows * outputs * inner
        let workers = work < 1 << 16 ? 1 : min(max(threads, 1), count)
        panels.withUnsafeBufferPointer { packed in
            bias.withUnsafeBufferPointer { bias in
                let job = Job(panels: packed.baseAddress!, bias: bias.baseAddress!, x: x, y: y, rows: rows, inner: inner,
                              outputs: outputs, stride: outputStride)
                if workers == 1 {
                    job.run(panels: 0..<count)
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        job.run(panels: (count * worker / workers)..<(count * (worker + 1) / workers))
                    }
                }
            }
        }
    }

    /// Number of multiply-adds for `rows` rows, for GFLOP/s reports.
    public func multiplyAdds(rows: Int) -> Int { rows * outputs * inner }
}

/// One call's pointers, shared read-only by the workers (each writes its own panels).
private struct Job: @unchecked Sendable {
    let panels: UnsafePointer<SIMD16<Float>>
    let bias: UnsafePointer<Float>
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let rows, inner, outputs, stride: Int

    /// Rows in groups of six against one panel at a time (twelve accumulators, the
    /// register budget of AVX2). A last group of two to five rows runs through a
    /// four- or six-row kernel with its missing rows pointed at a real one and their
    /// results dropped — wasted arithmetic, but one pass over the weights instead of
    /// one per row. A single leftover row (batch 1 above all) runs against four panels
    /// at once: four independent weight streams keep memory busy.
    func run(panels range: Range<Int>) {
        let leftover = rows % 6
        let grouped = leftover >= 2 ? rows : rows - leftover
        if grouped > 0 {
            // K is walked in blocks so that a panel's block of weights (16 KB) stays in
            // L1 across all row groups; partial sums go through `y` between blocks,
            // which stores and reloads them exactly, so the chain is unchanged.
            let block = 256
            for p in range {
                var k = 0
                while k < inner {
                    let span = k..<min(inner, k + block)
                    var r = 0
                    while r < grouped {
                        let valid = min(6, grouped - r)
                        if valid <= 4 { rows4panel1(r, p, valid: valid, span) } else { rows6panel1(r, p, valid: valid, span) }
                        r += 6
                    }
                    k += block
                }
            }
        }
        if grouped < rows {
            let r = rows - 1
            var p = range.lowerBound
            while p + 4 <= range.upperBound { rows1panels4(r, p); p += 4 }
            while p < range.upperBound { rows1panels1(r, p); p += 1 }
        }
    }

    @inline(__always) private func start(_ p: Int) -> SIMD16<Float> {
        let n = p * 16
        if n + 16 <= outputs { return UnsafeRawPointer(bias + n).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>.zero
        for lane in 0..<(outputs - n) { v[lane] = bias[n + lane] }
        return v
    }

    /// A partial sum stored by an earlier K block (lanes past N read as zero).
    @inline(__always) private func load(row r: Int, panel p: Int) -> SIMD16<Float> {
        let n = p * 16
        let source = y + r * stride + n
        if n + 16 <= outputs { return UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>.zero
        for lane in 0..<(outputs - n) { v[lane] = source[lane] }
        return v
    }

    @inline(__always) private func store(_ v: SIMD16<Float>, row r: Int, panel p: Int) {
        let n = p * 16
        let target = y + r * stride + n
        if n + 16 <= outputs {
            UnsafeMutableRawPointer(target).storeBytes(of: v, as: SIMD16<Float>.self)
        } else {
            for lane in 0..<(outputs - n) { target[lane] = v[lane] }
        }
    }

    // The micro-kernels below differ only in how many (row, panel) chains they run at
    // once; each chain is `acc = fma(x[r, k], w[p, k], acc)` for k = 0, 1, …, K − 1.

    private func rows6panel1(_ r: Int, _ p: Int, valid: Int, _ span: Range<Int>) {
        let w = panels + p * inner
        func row(_ i: Int) -> UnsafePointer<Float> { x + (r + min(i, valid - 1)) * inner }
        let x0 = row(0), x1 = row(1), x2 = row(2), x3 = row(3), x4 = row(4), x5 = row(5)
        func initial(_ i: Int) -> SIMD16<Float> { span.lowerBound == 0 ? start(p) : load(row: r + min(i, valid - 1), panel: p) }
        var a0 = initial(0), a1 = initial(1), a2 = initial(2), a3 = initial(3), a4 = initial(4), a5 = initial(5)
        for k in span {
            let wk = w[k]
            a0.addProduct(SIMD16(repeating: x0[k]), wk)
            a1.addProduct(SIMD16(repeating: x1[k]), wk)
            a2.addProduct(SIMD16(repeating: x2[k]), wk)
            a3.addProduct(SIMD16(repeating: x3[k]), wk)
            a4.addProduct(SIMD16(repeating: x4[k]), wk)
            a5.addProduct(SIMD16(repeating: x5[k]), wk)
        }
        store(a0, row: r, panel: p)
        if valid > 1 { store(a1, row: r + 1, panel: p) }
        if valid > 2 { store(a2, row: r + 2, panel: p) }
        if valid > 3 { store(a3, row: r + 3, panel: p) }
        if valid > 4 { store(a4, row: r + 4, panel: p) }
        if valid > 5 { store(a5, row: r + 5, panel: p) }
    }

    private func rows4panel1(_ r: Int, _ p: Int, valid: Int, _ span: Range<Int>) {
        let w = panels + p * inner
        func row(_ i: Int) -> UnsafePointer<Float> { x + (r + min(i, valid - 1)) * inner }
        let x0 = row(0), x1 = row(1), x2 = row(2), x3 = row(3)
        func initial(_ i: Int) -> SIMD16<Float> { span.lowerBound == 0 ? start(p) : load(row: r + min(i, valid - 1), panel: p) }
        var a0 = initial(0), a1 = initial(1), a2 = initial(2), a3 = initial(3)
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
    /// `self += a · b` as one fused multiply-add per lane (vfmadd with AVX2/FMA).
    @inline(__always)
    mutating func addProduct(_ a: SIMD16<Float>, _ b: SIMD16<Float>) {
        self = self.addingProduct(a, b)
    }
}
