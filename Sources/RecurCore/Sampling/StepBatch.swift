import Dispatch

/// The recurrent state of a growing and shrinking set of rows, and one step of the
/// network over all of them.
///
/// Rows are stored densely; a row that leaves is replaced by the last row, since no
/// row's arithmetic depends on where it sits or on the others (`PackedMatrix`).
public struct StepBatch: Sendable {
    /// The weights.
    public let weights: InferenceWeights
    /// Workers for the matrix and element-wise work.
    public let threads: Int
    /// Rows currently in the batch.
    public private(set) var rows = 0
    private var capacity = 0
    private var hidden: [[Float]]
    private var memory: [[Float]]
    /// With a fused LSTM cell, where each layer's `h′` is written (then swapped with
    /// `hidden`), since `h` is still being read by the product that computes `h′`.
    private var nextHidden: [[Float]]
    private var gates: [Float] = []
    private var hiddenGates: [Float] = []
    /// `[rows × V]` logits of the last step.
    public private(set) var logits: [Float] = []

    /// An empty batch.
    public init(weights: InferenceWeights, threads: Int) {
        self.weights = weights
        self.threads = max(1, threads)
        hidden = Array(repeating: [], count: weights.layerCount)
        memory = Array(repeating: [], count: weights.cell.hasMemoryCell ? weights.layerCount : 0)
        nextHidden = Array(repeating: [], count: weights.fusesLSTMCell ? weights.layerCount : 0)
    }

    /// Adds a row with the zero state; returns its position.
    public mutating func appendRow() -> Int {
        if rows == capacity { grow(to: max(4, capacity * 2)) }
        rows += 1
        resetRow(at: rows - 1)
        return rows - 1
    }

    /// Sets the row at `position` back to the zero state, as a new row starts.
    public mutating func resetRow(at position: Int) {
        precondition(position < rows)
        let h = weights.hiddenSize
        for k in hidden.indices {
            hidden[k].withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: position * h).update(repeating: 0, count: h) }
        }
        for k in memory.indices {
            memory[k].withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: position * h).update(repeating: 0, count: h) }
        }
    }

    /// Removes the row at `position` by moving the last row into its place.
    public mutating func removeRow(at position: Int) {
        precondition(position < rows)
        let last = rows - 1, h = weights.hiddenSize
        if position != last {
            for k in hidden.indices { Self.moveRow(&hidden[k], from: last, to: position, width: h) }
            for k in memory.indices { Self.moveRow(&memory[k], from: last, to: position, width: h) }
        }
        rows -= 1
    }

    /// Gives row `targets[i]` the state row `sources[i]` had, for every i at once (a beam
    /// search's hypotheses move to the slots of their successors).
    public mutating func copyRows(from sources: [Int], to targets: [Int]) {
        precondition(sources.count == targets.count && sources.allSatisfy { $0 < rows } && targets.allSatisfy { $0 < rows })
        guard zip(sources, targets).contains(where: { $0 != $1 }) else { return }
        let h = weights.hiddenSize
        func gather(_ values: inout [Float]) {
            let copied = sources.flatMap { values[($0 * h)..<(($0 + 1) * h)] }
            for (i, target) in targets.enumerated() {
                values.replaceSubrange((target * h)..<((target + 1) * h), with: copied[(i * h)..<((i + 1) * h)])
            }
        }
        for k in hidden.indices { gather(&hidden[k]) }
        for k in memory.indices { gather(&memory[k]) }
    }

    /// Feeds `tokens[r]` to row r for every row and computes the next logits.
    public mutating func step(tokens: [Int]) {
        precondition(tokens.count == rows, "one token per row")
        guard rows > 0 else { return }
        if weights.fusesLSTMCell { return fusedLSTMStep(tokens: tokens) }
        let h = weights.hiddenSize, width = weights.cell.gateCount * h
        let batch = rows, threads = self.threads, cell = weights.cell
        // The products are static functions: a method of `self` taking `&gates` inout
        // would make Swift copy `self` for the call, and the copy's reference to
        // `gates` forced a copy-on-write of the whole buffer on every product.
        for k in 0..<weights.layerCount {
            let recurrent = weights.recurrent[k]
            // Layer k's input is layer k − 1's new hidden state, read in place; layer 0's
            // is a table row per token, which `pointwise` brings in row by row.
            if cell == .gru {
                // xg: table row or W_ih x + b_ih; hg: W_hh h + b_hh.
                if k > 0 {
                    Self.multiply(weights.gruInput[k]!, input: hidden[k - 1], rows: batch, threads: threads, into: &gates)
                }
                Self.multiply(recurrent, input: hidden[k], rows: batch, threads: threads, into: &hiddenGates)
            } else if k == 0 {
                Self.multiply(recurrent, input: hidden[0], rows: batch, threads: threads, into: &gates)
            } else {
                // [x | h] · [W_ih | W_hh]ᵀ + (b_ih + b_hh)
                Self.multiply(
                    recurrent, left: hidden[k - 1], right: hidden[k], columns: h, rows: batch, threads: threads,
                    into: &gates)
            }
            pointwise(layer: k, tokens: k == 0 ? tokens : nil, batch: batch, width: width, threads: threads)
        }
        Self.multiply(weights.head, input: hidden[weights.layerCount - 1], rows: batch, threads: threads, into: &logits)
    }

    /// `step` for an LSTM whose kernel applies the cell (`InferenceWeights.fusesLSTMCell`):
    /// one product per layer, no gate buffer, no separate element-wise pass.
    private mutating func fusedLSTMStep(tokens: [Int]) {
        let h = weights.hiddenSize, batch = rows, threads = self.threads
        for k in 0..<weights.layerCount {
            let recurrent = weights.recurrent[k]
            let input = hidden[k == 0 ? 0 : k - 1], state = hidden[k]
            tokens.withUnsafeBufferPointer { tokens in
                weights.tokenTable.withUnsafeBufferPointer { table in
                    memory[k].withUnsafeMutableBufferPointer { c in
                        nextHidden[k].withUnsafeMutableBufferPointer { next in
                            gates.withUnsafeMutableBufferPointer { unused in
                                input.withUnsafeBufferPointer { x in
                                    state.withUnsafeBufferPointer { s in
                                        let target = LSTMCellTarget(
                                            memory: c.baseAddress!, hidden: next.baseAddress!,
                                            table: k == 0 ? table.baseAddress! : nil, tokens: k == 0 ? tokens.baseAddress! : nil,
                                            hiddenSize: h)
                                        // Layer 0's product reads h alone (K = H, `input` is h),
                                        // the others [x | h].
                                        recurrent.multiply(
                                            left: x.baseAddress!, columns: h, stride: h,
                                            right: s.baseAddress!, stride: h, rows: batch, into: unused.baseAddress!,
                                            outputStride: recurrent.outputs, threads: threads, variant: .avx512, lstm: target)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            swap(&hidden[k], &nextHidden[k])
        }
        Self.multiply(weights.head, input: hidden[weights.layerCount - 1], rows: batch, threads: threads, into: &logits)
    }

    // MARK: - Pieces of a step

    private static func multiply(_ matrix: PackedMatrix, input: [Float], rows: Int, threads: Int, into output: inout [Float]) {
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                matrix.multiply(x.baseAddress!, rows: rows, into: y.baseAddress!, outputStride: matrix.outputs, threads: threads)
            }
        }
    }

    /// `[left | right] · Wᵀ` for rows of `columns` values on each side, without joining them.
    private static func multiply(
        _ matrix: PackedMatrix, left: [Float], right: [Float], columns: Int, rows: Int, threads: Int,
        into output: inout [Float]
    ) {
        left.withUnsafeBufferPointer { x in
            right.withUnsafeBufferPointer { state in
                output.withUnsafeMutableBufferPointer { y in
                    matrix.multiply(
                        left: x.baseAddress!, columns: columns, stride: columns, right: state.baseAddress!,
                        stride: matrix.inner - columns, rows: rows, into: y.baseAddress!,
                        outputStride: matrix.outputs, threads: threads)
                }
            }
        }
    }

    /// The cell's element-wise equations for all rows, split by rows among workers
    /// when there is enough work. At layer 0 each worker first brings in its rows'
    /// token-table rows (`tokens`): GRU copies them as the input term; LSTM and RNN add
    /// them to `gates`, which then holds the full pre-activations, so the hidden term
    /// passed is zero.
    private mutating func pointwise(layer k: Int, tokens: [Int]?, batch: Int, width: Int, threads: Int) {
        let h = weights.hiddenSize, cell = weights.cell
        weights.tokenTable.withUnsafeBufferPointer { table in
            gates.withUnsafeMutableBufferPointer { xg in
                hiddenGates.withUnsafeBufferPointer { hg in
                    hidden[k].withUnsafeMutableBufferPointer { state in
                        let (x, r, s, t) = (xg.baseAddress!, hg.baseAddress!, state.baseAddress!, table.baseAddress!)
                        func run(_ c: UnsafeMutablePointer<Float>?) {
                            let pointers = RowPointers(xg: x, hg: r, h: s, c: c, table: t)
                            // Rows split among workers when each gets 8 K elements or more.
                            ParallelRanges.forEach(count: batch, workers: threads, minimum: max(1, 8_192 / h)) { range in
                                pointers.step(cell: cell, rows: range, tokens: tokens, width: width, hidden: h)
                            }
                        }
                        if cell.hasMemoryCell {
                            memory[k].withUnsafeMutableBufferPointer { run($0.baseAddress!) }
                        } else {
                            run(nil)
                        }
                    }
                }
            }
        }
    }

    private mutating func grow(to newCapacity: Int) {
        let h = weights.hiddenSize, width = weights.cell.gateCount * h
        for k in hidden.indices { hidden[k] += [Float](repeating: 0, count: (newCapacity - capacity) * h) }
        for k in memory.indices { memory[k] += [Float](repeating: 0, count: (newCapacity - capacity) * h) }
        for k in nextHidden.indices { nextHidden[k] = [Float](repeating: 0, count: newCapacity * h) }
        gates = [Float](repeating: 0, count: newCapacity * width)
        hiddenGates = [Float](repeating: 0, count: newCapacity * width)
        logits = [Float](repeating: 0, count: newCapacity * weights.vocabularySize)
        capacity = newCapacity
    }

    private static func moveRow(_ values: inout [Float], from source: Int, to target: Int, width: Int) {
        values.withUnsafeMutableBufferPointer { v in
            (v.baseAddress! + target * width).update(from: v.baseAddress! + source * width, count: width)
        }
    }
}

/// Raw pointers to one layer's buffers, shared by the element-wise workers; each
/// worker touches only its own rows.
private struct RowPointers: @unchecked Sendable {
    let xg: UnsafeMutablePointer<Float>
    let hg: UnsafePointer<Float>
    let h: UnsafeMutablePointer<Float>
    let c: UnsafeMutablePointer<Float>?
    /// `[V × G·H]`, layer 0's input term per token.
    let table: UnsafePointer<Float>

    func step(cell: CellKind, rows: Range<Int>, tokens: [Int]?, width: Int, hidden n: Int) {
        if let tokens {
            for r in rows {
                let row = xg + r * width, source = table + tokens[r] * width
                if cell == .gru {
                    row.update(from: source, count: width)
                } else {
                    for i in 0..<width { row[i] += source[i] }
                }
            }
        }
        let start = rows.lowerBound
        cell.step(
            inputGates: xg + start * width, hiddenGates: hg + start * width, hidden: h + start * n,
            memory: c.map { $0 + start * n }, batch: rows.count, hiddenSize: n)
    }
}
