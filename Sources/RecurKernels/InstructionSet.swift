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
        // One panel per tile: the gates of a unit never meet, so no fused cell here.
        precondition(lstm == nil, "the AVX2 build does not fuse the LSTM cell")
        // K blocks of 256: a panel's block of weights is 16 KB.
        forEachGroup(panels: range, panelGroup: 1, rowGroup: 6, block: 256) { tile in
            if tile.valid <= 4 { rows4panels1(tile) } else { rows6panel1(tile) }
        }
        return rows
    }

    // Each chain is `acc = fma(x[r, k], w[p, k], acc)` for k ascending.

    private func rows6panel1(_ tile: Tile) {
        let w = panels + tile.panel * inner
        let x0 = row(tile, 0), x1 = row(tile, 1), x2 = row(tile, 2), x3 = row(tile, 3), x4 = row(tile, 4), x5 = row(tile, 5)
        @inline(__always) func first(_ i: Int) -> SIMD16<Float> { initial(tile, row: i, panel: 0) }
        var a0 = first(0), a1 = first(1), a2 = first(2), a3 = first(3), a4 = first(4), a5 = first(5)
        for k in tile.span {
            let wk = w[k]
            a0.addProduct(SIMD16(repeating: x0[k]), wk)
            a1.addProduct(SIMD16(repeating: x1[k]), wk)
            a2.addProduct(SIMD16(repeating: x2[k]), wk)
            a3.addProduct(SIMD16(repeating: x3[k]), wk)
            a4.addProduct(SIMD16(repeating: x4[k]), wk)
            a5.addProduct(SIMD16(repeating: x5[k]), wk)
        }
        finish(a0, tile, row: 0, panel: 0)
        finish(a1, tile, row: 1, panel: 0)
        finish(a2, tile, row: 2, panel: 0)
        finish(a3, tile, row: 3, panel: 0)
        finish(a4, tile, row: 4, panel: 0)
        finish(a5, tile, row: 5, panel: 0)
    }
}

/// The element-wise code's vector (`CellLanes`): eight floats, one AVX2 register.
public typealias Lanes = SIMD8<Float>
public typealias LaneBits = SIMD8<UInt32>

/// Lanes `j ..< j + 8` of a panel's sixteen values.
@inline(__always) func lanes(of v: SIMD16<Float>, at j: Int) -> Lanes { j == 0 ? v.lowHalf : v.highHalf }
