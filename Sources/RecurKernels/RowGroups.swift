/// The instruction set this module was compiled for (x86-64: AVX2 and FMA).
#if arch(x86_64)
public let kernelInstructionSet = "avx2"
#else
public let kernelInstructionSet = "generic"
#endif

extension PanelKernel {
    /// Rows in groups of six against one panel at a time: twelve 256-bit accumulators,
    /// the register budget of AVX2. A last group of one to five rows runs through the
    /// four- or six-row kernel with padding rows — wasted arithmetic, but one pass over
    /// the weights instead of one more per row. Only a batch of one row is left to the
    /// single-row kernel. Returns the rows done.
    func runRowGroups(panels range: Range<Int>) -> Int {
        guard rows >= 2 else { return 0 }
        // K blocks of 256: a panel's block of weights is 16 KB.
        forEachGroup(panels: range, panelGroup: 1, rowGroup: 6, block: 256) { r, p, _, valid, span in
            if valid <= 4 { rows4panels1(r, p, valid: valid, span) } else { rows6panel1(r, p, valid: valid, span) }
        }
        return rows
    }

    // Each chain is `acc = fma(x[r, k], w[p, k], acc)` for k ascending.

    private func rows6panel1(_ r: Int, _ p: Int, valid: Int, _ span: Range<Int>) {
        let w = panels + p * inner
        let x0 = row(r, 0, valid: valid), x1 = row(r, 1, valid: valid), x2 = row(r, 2, valid: valid)
        let x3 = row(r, 3, valid: valid), x4 = row(r, 4, valid: valid), x5 = row(r, 5, valid: valid)
        func first(_ i: Int) -> SIMD16<Float> { initial(row: r + min(i, valid - 1), panel: p, span) }
        var a0 = first(0), a1 = first(1), a2 = first(2), a3 = first(3), a4 = first(4), a5 = first(5)
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
}
