/// The instruction set this module was compiled for (x86-64: AVX-512).
public let kernelInstructionSet = "avx512"

extension PanelKernel {
    /// Rows in groups of four against four panels at a time: sixteen 512-bit
    /// accumulators out of AVX-512's 32 registers, eight loads (four weight vectors, four
    /// broadcasts) for sixteen FMAs, so the FMA units rather than the load ports set the
    /// pace. A last group of one to three rows is padded (its padding rows computed and
    /// dropped); only a batch of one row is left to the single-row kernel, which
    /// streams the weights. Leftover panels of a worker's range run four rows × one panel.
    func runRowGroups(panels range: Range<Int>) -> Int {
        guard rows >= 2 else { return 0 }
        // A fused LSTM cell needs whole four-panel groups (aligned by the caller).
        precondition(lstm == nil || (range.lowerBound % 4 == 0 && range.count % 4 == 0), "fused LSTM panels come in fours")
        // K blocks of 64: four panels' block of weights is 16 KB.
        forEachGroup(panels: range, panelGroup: 4, rowGroup: 4, block: 64) { tile in
            if tile.panels == 4 { rows4panels4(tile) } else { rows4panels1(tile) }
        }
        return rows
    }

    // Each chain is `acc = fma(x[r, k], w[p, k], acc)` for k ascending.

    private func rows4panels4(_ tile: Tile) {
        let w0 = panels + tile.panel * inner, w1 = w0 + inner, w2 = w1 + inner, w3 = w2 + inner
        let x0 = row(tile, 0), x1 = row(tile, 1), x2 = row(tile, 2), x3 = row(tile, 3)
        @inline(__always) func first(_ i: Int, _ q: Int) -> SIMD16<Float> { initial(tile, row: i, panel: q) }
        var a00 = first(0, 0), a01 = first(0, 1), a02 = first(0, 2), a03 = first(0, 3)
        var a10 = first(1, 0), a11 = first(1, 1), a12 = first(1, 2), a13 = first(1, 3)
        var a20 = first(2, 0), a21 = first(2, 1), a22 = first(2, 2), a23 = first(2, 3)
        var a30 = first(3, 0), a31 = first(3, 1), a32 = first(3, 2), a33 = first(3, 3)
        for k in tile.span {
            let v0 = w0[k], v1 = w1[k], v2 = w2[k], v3 = w3[k]
            let s0 = SIMD16(repeating: x0[k])
            a00.addProduct(s0, v0)
            a01.addProduct(s0, v1)
            a02.addProduct(s0, v2)
            a03.addProduct(s0, v3)
            let s1 = SIMD16(repeating: x1[k])
            a10.addProduct(s1, v0)
            a11.addProduct(s1, v1)
            a12.addProduct(s1, v2)
            a13.addProduct(s1, v3)
            let s2 = SIMD16(repeating: x2[k])
            a20.addProduct(s2, v0)
            a21.addProduct(s2, v1)
            a22.addProduct(s2, v2)
            a23.addProduct(s2, v3)
            let s3 = SIMD16(repeating: x3[k])
            a30.addProduct(s3, v0)
            a31.addProduct(s3, v1)
            a32.addProduct(s3, v2)
            a33.addProduct(s3, v3)
        }
        if tile.isLast, let lstm {
            // Gate-interleaved panels: this group is i, f, g, o of sixteen units.
            let u = tile.panel / 4
            lstm.apply(row: tile.row, unitBlock: u, a00, a01, a02, a03)
            if tile.valid > 1 { lstm.apply(row: tile.row + 1, unitBlock: u, a10, a11, a12, a13) }
            if tile.valid > 2 { lstm.apply(row: tile.row + 2, unitBlock: u, a20, a21, a22, a23) }
            if tile.valid > 3 { lstm.apply(row: tile.row + 3, unitBlock: u, a30, a31, a32, a33) }
            return
        }
        @inline(__always) func last(_ v: SIMD16<Float>, _ i: Int, _ q: Int) { finish(v, tile, row: i, panel: q) }
        last(a00, 0, 0)
        last(a01, 0, 1)
        last(a02, 0, 2)
        last(a03, 0, 3)
        last(a10, 1, 0)
        last(a11, 1, 1)
        last(a12, 1, 2)
        last(a13, 1, 3)
        last(a20, 2, 0)
        last(a21, 2, 1)
        last(a22, 2, 2)
        last(a23, 2, 3)
        last(a30, 3, 0)
        last(a31, 3, 1)
        last(a32, 3, 2)
        last(a33, 3, 3)
    }
}

/// The element-wise code's vector (`CellLanes`): sixteen floats, one AVX-512 register.
public typealias Lanes = SIMD16<Float>
public typealias LaneBits = SIMD16<UInt32>

/// Lanes `j ..< j + 16` of a panel's sixteen values: all of them.
@inline(__always) func lanes(of v: SIMD16<Float>, at j: Int) -> Lanes { v }
