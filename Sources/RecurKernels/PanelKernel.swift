// This file is compiled twice: into RecurKernels (AVX2 on x86-64) and, through a symbolic
// link, into RecurKernelsAVX512 (AVX-512). Each module adds its own `runRowGroups`, `Lanes` and `lanes(of:at:)`.

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
    /// Columns `0..<split` of a row of x come from `left`, the rest from `right`.
    let left, right: UnsafePointer<Float>
    let leftStride, rightStride, split: Int
    let y: UnsafeMutablePointer<Float>
    let rows, inner, outputs, stride: Int
    /// When set, the outputs are LSTM gates packed gate-interleaved and the last K block
    /// applies the cell instead of storing them (see `FusedLSTMCell`).
    let lstm: FusedLSTMCell?

    /// A product whose input rows are the concatenation `[left | right]` of two
    /// row-major matrices, read where they lie (a stacked layer's `[x | h]` without
    /// copying either; pass the same matrix twice and `leftColumns = inner` for one
    /// input). The chain still runs k ascending over the joined row.
    ///
    /// - Parameters:
    ///   - panels: `⌈outputs / 16⌉ × inner` packed weights.
    ///   - bias: `outputs` values.
    ///   - leftColumns: columns taken from `left`; the other `inner − leftColumns` from `right`.
    ///   - y: row-major output, row stride `outputStride` (≥ `outputs`); unused with `lstm`.
    ///   - lstm: the cell to apply to gate-interleaved outputs, or nil to store them.
    public init(
        panels: UnsafePointer<SIMD16<Float>>, bias: UnsafePointer<Float>,
        left: UnsafePointer<Float>, leftColumns: Int, leftStride: Int, right: UnsafePointer<Float>, rightStride: Int,
        rows: Int, inner: Int, outputs: Int, y: UnsafeMutablePointer<Float>, outputStride: Int,
        lstm: FusedLSTMCell? = nil
    ) {
        precondition(
            lstm == nil || (outputs == 4 * lstm!.hiddenSize && lstm!.hiddenSize % 16 == 0),
            "a fused LSTM cell needs 4H gate outputs with H a multiple of 16")
        self.panels = panels
        self.bias = bias
        self.left = left
        self.right = right
        self.leftStride = leftStride
        self.rightStride = rightStride
        split = leftColumns
        self.y = y
        self.rows = rows
        self.inner = inner
        self.outputs = outputs
        stride = outputStride
        self.lstm = lstm
    }

    /// Computes the outputs of the panels in `range` for every row. Workers may run
    /// disjoint ranges at the same time.
    public func run(panels range: Range<Int>) {
        let grouped = runRowGroups(panels: range)
        // A batch of one row streams the weights alone, four panels at once so that four
        // independent weight streams keep memory busy.
        for r in grouped..<rows {
            var p = range.lowerBound
            while p + 4 <= range.upperBound {
                rows1panels4(r, p)
                p += 4
            }
            while p < range.upperBound {
                rows1panels1(r, p)
                p += 1
            }
        }
    }

    /// Walks the panels of `range` in groups of `panelGroup` (a narrower rest one panel at
    /// a time), the rows in blocks of about 32, K in blocks of `block` (cut at the join
    /// of left and right, so that a block reads one input), and the block's rows in
    /// groups of `rowGroup`, calling `kernel` once per tile. A panel group's block of
    /// weights, a row block's slice of x and its partial sums stay in L1 together across
    /// the row groups (AVX-512: 16 + 8 + 8 KB); without row blocks, x at batch 256
    /// spilled to L2 and the kernel ran slower at batch 256 than at 64. Between K blocks the partial sums wait in a
    /// contiguous scratch buffer, not in `y`: rows of `y` lie a whole output row apart,
    /// so a few hundred of them fall into the same cache sets and every reload missed.
    @inline(__always) func forEachGroup(
        panels range: Range<Int>, panelGroup: Int, rowGroup: Int, block: Int, _ kernel: (Tile) -> Void
    ) {
        let paddedRows = (rows + rowGroup - 1) / rowGroup * rowGroup
        let rowBlock = rowGroup * max(1, 32 / rowGroup)
        let scratch =
            min(sideEnd(from: 0), block) < inner
            ? UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: paddedRows * panelGroup) : nil
        defer { scratch?.deallocate() }
        var p = range.lowerBound
        while p < range.upperBound {
            let width = p + panelGroup <= range.upperBound ? panelGroup : 1
            var first = 0
            while first < rows {
                let blockEnd = min(rows, first + rowBlock)
                var k = 0
                while k < inner {
                    let span = k..<min(sideEnd(from: k), k + block)
                    var r = first
                    while r < blockEnd {
                        kernel(
                            Tile(
                                row: r, panel: p, panels: width, valid: min(rowGroup, rows - r), span: span,
                                partials: scratch.map { $0 + r * width }, partialStride: width,
                                isLast: span.upperBound == inner))
                        r += rowGroup
                    }
                    k = span.upperBound
                }
                first = blockEnd
            }
            p += width
        }
    }

    /// Panel `p`'s 16 values from `source` (the bias or a row of `y`); lanes past N are zero.
    @inline(__always) func load(panel p: Int, from source: UnsafePointer<Float>) -> SIMD16<Float> {
        let n = p * 16
        if n + 16 <= outputs { return UnsafeRawPointer(source + n).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>.zero
        for lane in 0..<(outputs - n) { v[lane] = source[n + lane] }
        return v
    }

    /// The bias of panel `p`.
    @inline(__always) func start(_ p: Int) -> SIMD16<Float> { load(panel: p, from: bias) }

    /// The chain's starting value for row `i`, panel `q` of `tile`: the bias, or the
    /// partial sum the previous K block left (stored and reloaded exactly, so the chain
    /// is unchanged).
    @inline(__always) func initial(_ tile: Tile, row i: Int, panel q: Int) -> SIMD16<Float> {
        tile.span.lowerBound == 0 ? start(tile.panel + q) : tile.partials![i * tile.partialStride + q]
    }

    /// Hands row `i`, panel `q` of `tile` on: to `y` after the last K block (padding
    /// rows dropped), else to the scratch buffer for the next block.
    @inline(__always) func finish(_ v: SIMD16<Float>, _ tile: Tile, row i: Int, panel q: Int) {
        if tile.isLast {
            if i < tile.valid { store(v, row: tile.row + i, panel: tile.panel + q) }
        } else {
            tile.partials![i * tile.partialStride + q] = v
        }
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

    /// Row `r` of the input for columns from `k` on, indexed by the joined column:
    /// `input(row: r, from: k)[j]` is `x[r, j]` for every `j` on the same side as `k`.
    @inline(__always) func input(row r: Int, from k: Int) -> UnsafePointer<Float> {
        k < split ? left + r * leftStride : right + r * rightStride - split
    }

    /// Row `i` of `tile`; padding rows repeat the last real one (their results are
    /// computed and dropped).
    @inline(__always) func row(_ tile: Tile, _ i: Int) -> UnsafePointer<Float> {
        input(row: tile.row + min(i, tile.valid - 1), from: tile.span.lowerBound)
    }

    /// Four rows (padded as in the row groups) against one panel.
    func rows4panels1(_ tile: Tile) {
        let w = panels + tile.panel * inner
        let x0 = row(tile, 0), x1 = row(tile, 1), x2 = row(tile, 2), x3 = row(tile, 3)
        var a0 = initial(tile, row: 0, panel: 0), a1 = initial(tile, row: 1, panel: 0)
        var a2 = initial(tile, row: 2, panel: 0), a3 = initial(tile, row: 3, panel: 0)
        for k in tile.span {
            let wk = w[k]
            a0.addProduct(SIMD16(repeating: x0[k]), wk)
            a1.addProduct(SIMD16(repeating: x1[k]), wk)
            a2.addProduct(SIMD16(repeating: x2[k]), wk)
            a3.addProduct(SIMD16(repeating: x3[k]), wk)
        }
        finish(a0, tile, row: 0, panel: 0)
        finish(a1, tile, row: 1, panel: 0)
        finish(a2, tile, row: 2, panel: 0)
        finish(a3, tile, row: 3, panel: 0)
    }

    /// The end of the input side that column `k` lies on.
    @inline(__always) func sideEnd(from k: Int) -> Int { k < split ? split : inner }

    private func rows1panels4(_ r: Int, _ p: Int) {
        let w0 = panels + p * inner, w1 = w0 + inner, w2 = w1 + inner, w3 = w2 + inner
        var a0 = start(p), a1 = start(p + 1), a2 = start(p + 2), a3 = start(p + 3)
        var lower = 0
        while lower < inner {
            let x0 = input(row: r, from: lower), upper = sideEnd(from: lower)
            for k in lower..<upper {
                let s = SIMD16(repeating: x0[k])
                a0.addProduct(s, w0[k])
                a1.addProduct(s, w1[k])
                a2.addProduct(s, w2[k])
                a3.addProduct(s, w3[k])
            }
            lower = upper
        }
        if let lstm {
            lstm.apply(row: r, unitBlock: p / 4, a0, a1, a2, a3)
            return
        }
        store(a0, row: r, panel: p)
        store(a1, row: r, panel: p + 1)
        store(a2, row: r, panel: p + 2)
        store(a3, row: r, panel: p + 3)
    }

    private func rows1panels1(_ r: Int, _ p: Int) {
        let w = panels + p * inner
        var a = start(p)
        var lower = 0
        while lower < inner {
            let x0 = input(row: r, from: lower), upper = sideEnd(from: lower)
            for k in lower..<upper { a.addProduct(SIMD16(repeating: x0[k]), w[k]) }
            lower = upper
        }
        store(a, row: r, panel: p)
    }
}

/// The LSTM cell applied by the kernel itself to the gates it has just finished, so that
/// the gates never go to memory and no separate element-wise pass (nor a barrier
/// between the two) is needed.
///
/// The weights must be packed gate-interleaved: panel `4u + g` holds gate g (i, f, g, o)
/// of hidden units `16u ..< 16u + 16`, so that a group of four panels holds all four
/// gates of sixteen units. Each gate's chain is unchanged by the interleaving, and the
/// cell's lane arithmetic is `CellLanes.lstmStep`'s, so the results are bit for bit those
/// of the product followed by the separate cell step.
public struct FusedLSTMCell: @unchecked Sendable {
    /// `c`, `[rows × H]`, updated in place (each unit of each row by one tile only).
    let memory: UnsafeMutablePointer<Float>
    /// Receives `h′`, `[rows × H]`; must not be the product's input.
    let hidden: UnsafeMutablePointer<Float>
    /// Layer 0's input term, `[V × 4H]` in PyTorch's gate order, added to the gates.
    let table: UnsafePointer<Float>?
    /// Each row's token, indexing `table`.
    let tokens: UnsafePointer<Int>?
    let hiddenSize: Int

    public init(
        memory: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>,
        table: UnsafePointer<Float>?, tokens: UnsafePointer<Int>?, hiddenSize: Int
    ) {
        precondition((table == nil) == (tokens == nil), "a table needs the tokens")
        self.memory = memory
        self.hidden = hidden
        self.table = table
        self.tokens = tokens
        self.hiddenSize = hiddenSize
    }

    /// The cell for row `r`, units `16u ..< 16u + 16`, from the four gates' sums.
    @_transparent func apply(
        row r: Int, unitBlock u: Int, _ si: SIMD16<Float>, _ sf: SIMD16<Float>,
        _ sg: SIMD16<Float>, _ so: SIMD16<Float>
    ) {
        typealias V = LaneMath
        let n = hiddenSize, first = u * 16
        let c = memory + r * n + first, h = hidden + r * n + first
        let input = table.map { $0 + tokens![r] * 4 * n + first }
        var j = 0
        while j < 16 {
            // As in the separate path: (sum + table row) + hidden term (zero there).
            @inline(__always) func gate(_ sum: SIMD16<Float>, _ g: Int) -> V.Vector {
                var x = lanes(of: sum, at: j)
                if let input { x = x + V.load(input + g * n + j, count: Lanes.scalarCount) }
                return x + V.Vector.zero
            }
            let cell = V.lstm(gate(si, 0), gate(sf, 1), gate(sg, 2), gate(so, 3), memory: V.load(c + j, count: Lanes.scalarCount))
            V.store(cell.memory, to: c + j, count: Lanes.scalarCount)
            V.store(cell.hidden, to: h + j, count: Lanes.scalarCount)
            j += Lanes.scalarCount
        }
    }
}

/// One call of a micro-kernel: a group of rows against a group of panels over one K block.
struct Tile {
    /// First row and first panel.
    let row, panel: Int
    /// Panels in this tile (the module's panel group, or 1 for a leftover panel).
    let panels: Int
    /// Real rows; the rest of the row group is padding.
    let valid: Int
    /// The K block.
    let span: Range<Int>
    /// This row group's partial sums, `partialStride` vectors per row (nil with one K block).
    let partials: UnsafeMutablePointer<SIMD16<Float>>?
    let partialStride: Int
    /// Whether `span` ends at K, so the sums are final.
    let isLast: Bool
}

extension SIMD16<Float> {
    /// `self += a · b` as one fused multiply-add per lane.
    @inline(__always)
    mutating func addProduct(_ a: SIMD16<Float>, _ b: SIMD16<Float>) {
        self = self.addingProduct(a, b)
    }
}
