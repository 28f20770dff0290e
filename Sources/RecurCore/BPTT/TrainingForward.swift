/// The forward pass of training over one window: the equations of
/// `RecurrentNetwork.forward` (DESIGN.md §2) with kernels of its own, keeping what
/// backpropagation through time needs.
///
/// Per layer it keeps the layer's input X, the hidden (and memory) state before and after
/// every step, the activated gates, and the input projection XG, whose storage backward
/// reuses for the gate gradients. The initial state is copied in and treated as a constant
/// (truncated BPTT detaches it), so nothing flows back into earlier windows.
struct TrainingTrace {
    /// What one layer's backward pass reads.
    struct Layer {
        /// X, `[P × In]`: embedded tokens (layer 0) or the previous layer's output after
        /// dropout; `nil` for one-hot input, which is never materialised.
        let input: FloatBuffer?
        /// `[(T+1)·B × H]`: the carried `h`, then `h` after each step. Rows `0..<P` are each
        /// step's previous state, rows `B..<(T+1)·B` the layer's output.
        let hidden: FloatBuffer
        /// The same for `c` (LSTM); empty for GRU and RNN.
        let memory: FloatBuffer
        /// `[P × H]`: the state each step started from, when the window resets some
        /// streams (`TrainingWindow.resetToken`): the rows of `hidden` with reset streams
        /// zeroed. Nil when nothing resets and `hidden`'s rows `0..<P` serve.
        let previousHidden: FloatBuffer?
        /// The same for `c` (LSTM with resets only).
        let previousMemory: FloatBuffer?
        /// `[P × 4H]`: LSTM `i, f, g, o`; GRU `r, z, n, W_hn h + b_hn`; empty for RNN.
        let gates: FloatBuffer
        /// XG = X · W_ihᵀ + b_ih, `[P × G·H]`; backward overwrites it with its gradient.
        let inputGates: FloatBuffer
        /// The dropout factors applied to this layer's output before the next layer reads
        /// it, `[P × H]`; `nil` for the top layer or without dropout.
        let dropoutMask: FloatBuffer?
    }

    /// One entry per layer, bottom first.
    let layers: [Layer]
    /// The head's output, `[P × V]`; the loss turns it into its gradient in place.
    let logits: FloatBuffer
}

extension RecurrentNetwork {
    /// Runs the window forward from `state`, replaces `state` by the final state, and
    /// returns the trace for `backward`. Tokens must be in range (checked by the caller).
    func trainingForward(
        window: TrainingWindow, state: inout NetworkState, dropout: Float, random: inout SampleRandom
    ) -> TrainingTrace {
        let batch = window.batch, positions = window.positions
        var input = embeddedInputs(window.inputs)
        var traces: [TrainingTrace.Layer] = []
        traces.reserveCapacity(layerCount)
        for (k, layer) in layers.enumerated() {
            let n = layer.hiddenSize, width = layer.gateWidth
            // XG = X · W_ihᵀ + b_ih for all T·B positions at once, with Recur's kernel (about
            // twice sgemm's speed with AVX2 kernels; one shard per core, so one thread).
            let inputGates = FloatBuffer(count: positions * width, zeroed: false)
            if let input {
                PackedMatrix(layer.inputWeights, bias: layer.inputBias)
                    .multiply(input.pointer, rows: positions, into: inputGates.pointer, outputStride: width, threads: 1)
            } else {
                layer.inputBias.withBaseAddress { bias in
                    for p in 0..<positions { (inputGates.pointer + p * width).update(from: bias, count: width) }
                }
                layer.inputWeights.values.withBaseAddress { w in
                    // One-hot x: W_ih x is column `token` of W_ih.
                    let v = layer.inputSize
                    for (p, token) in window.inputs.enumerated() {
                        let row = inputGates.pointer + p * width
                        for r in 0..<width { row[r] += w[r * v + token] }
                    }
                }
            }
            let hidden = FloatBuffer(count: (positions + batch) * n, zeroed: false)
            state.hidden[k].values.withBaseAddress { hidden.pointer.update(from: $0, count: batch * n) }
            let memory = FloatBuffer(count: layer.kind.hasMemoryCell ? (positions + batch) * n : 0, zeroed: false)
            if layer.kind.hasMemoryCell {
                state.memory[k].values.withBaseAddress { memory.pointer.update(from: $0, count: batch * n) }
            }
            let gates = FloatBuffer(count: layer.kind == .rnn ? 0 : positions * 4 * n, zeroed: false)
            let resets = window.resetToken.map(window.inputs.contains) ?? false
            let previousHidden = resets ? FloatBuffer(count: positions * n, zeroed: false) : nil
            let previousMemory = resets && layer.kind.hasMemoryCell ? FloatBuffer(count: positions * n, zeroed: false) : nil
            runSteps(
                of: layer, window: window, inputGates: inputGates, hidden: hidden, memory: memory, gates: gates,
                previousHidden: previousHidden, previousMemory: previousMemory)
            state.hidden[k].values = hidden.array(from: positions * n, count: batch * n)
            if layer.kind.hasMemoryCell { state.memory[k].values = memory.array(from: positions * n, count: batch * n) }

            var mask: FloatBuffer?
            var output: FloatBuffer?
            if k + 1 < layerCount {
                let next = FloatBuffer(count: positions * n, zeroed: false)
                next.pointer.update(from: hidden.pointer + batch * n, count: positions * n)
                if dropout > 0 {
                    let factors = FloatBuffer(count: positions * n, zeroed: false)
                    Dropout.drawMask(into: factors.pointer, count: positions * n, probability: dropout, random: &random)
                    for i in 0..<(positions * n) { next.pointer[i] *= factors.pointer[i] }
                    mask = factors
                }
                output = next
            }
            traces.append(
                TrainingTrace.Layer(
                    input: input, hidden: hidden, memory: memory, previousHidden: previousHidden,
                    previousMemory: previousMemory, gates: gates, inputGates: inputGates, dropoutMask: mask))
            input = output
        }
        // Head: logits = h_top · W_yᵀ + b_y.
        let v = vocabularySize, n = hiddenSize
        let logits = FloatBuffer(count: positions * v, zeroed: false)
        headBias.withBaseAddress { bias in
            for p in 0..<positions { (logits.pointer + p * v).update(from: bias, count: v) }
        }
        let top = traces[layerCount - 1].hidden.pointer + batch * n
        headWeights.values.withBaseAddress { w in
            BLAS.multiplyTransposed(top, rows: positions, inner: n, by: w, outputs: v, into: logits.pointer, beta: 1)
        }
        return TrainingTrace(layers: traces, logits: logits)
    }

    /// The recurrence of one layer: per step `HG = h · W_hhᵀ + b_hh`, then the cell.
    ///
    /// With `previousHidden` (and `previousMemory`), each step starts from a copy of the
    /// state with the streams that reset at that step zeroed, and the copies are kept:
    /// the rows of `hidden` stay the outputs that the head and the next layer read.
    private func runSteps(
        of layer: RecurrentLayer, window: TrainingWindow, inputGates: FloatBuffer, hidden: FloatBuffer,
        memory: FloatBuffer, gates: FloatBuffer, previousHidden: FloatBuffer?, previousMemory: FloatBuffer?
    ) {
        let steps = window.steps, batch = window.batch
        let n = layer.hiddenSize, width = layer.gateWidth
        let hiddenGates = FloatBuffer(count: batch * width, zeroed: false)
        let hg = hiddenGates.pointer
        // Small per-step products: W_hh is packed once per window for Recur's kernel
        // rather than repacked by BLAS on every call.
        let packed = PackedMatrix(layer.hiddenWeights, bias: layer.hiddenBias)
        let cells = PanelKernelVariant.selected.cells
        for t in 0..<steps {
            let rows = t * batch * n
            var previous = hidden.pointer + rows, previousC = memory.pointer + rows
            let next = hidden.pointer + rows + batch * n
            if let previousHidden {
                let reset = window.resetRows(atStep: t)
                previous = Self.copy(previous, into: previousHidden.pointer + rows, zeroing: reset, batch: batch, width: n)
                if let previousMemory {
                    previousC = Self.copy(previousC, into: previousMemory.pointer + rows, zeroing: reset, batch: batch, width: n)
                }
            }
            packed.multiply(previous, rows: batch, into: hg, outputStride: width, threads: 1)
            let xg = inputGates.pointer + t * batch * width
            switch layer.kind {
            case .lstm:
                cells.lstmTrainingStep(
                    inputGates: xg, hiddenGates: hg, previousMemory: previousC,
                    gates: gates.pointer + t * batch * 4 * n, memory: memory.pointer + (t + 1) * batch * n,
                    hidden: next, batch: batch, hiddenSize: n)
            case .gru:
                cells.gruTrainingStep(
                    inputGates: xg, hiddenGates: hg, previousHidden: previous,
                    gates: gates.pointer + t * batch * 4 * n, nextHidden: next, batch: batch, hiddenSize: n)
            case .rnn:
                cells.rnnTrainingStep(inputGates: xg, hiddenGates: hg, nextHidden: next, batch: batch, hiddenSize: n)
            }
        }
    }

    /// Copies a step's `[batch × width]` state to `target` with the rows in `zeroing`
    /// set to zero, and returns `target`.
    private static func copy(
        _ source: UnsafeMutablePointer<Float>, into target: UnsafeMutablePointer<Float>, zeroing: [Int], batch: Int,
        width: Int
    ) -> UnsafeMutablePointer<Float> {
        target.update(from: source, count: batch * width)
        for row in zeroing { (target + row * width).update(repeating: 0, count: width) }
        return target
    }

    /// The embedded rows of `tokens`, `[P × E]`, or `nil` for one-hot input.
    private func embeddedInputs(_ tokens: [Int]) -> FloatBuffer? {
        guard let embedding else { return nil }
        let e = embedding.columns
        let rows = FloatBuffer(count: tokens.count * e, zeroed: false)
        embedding.values.withBaseAddress { table in
            for (p, token) in tokens.enumerated() {
                (rows.pointer + p * e).update(from: table + token * e, count: e)
            }
        }
        return rows
    }
}
