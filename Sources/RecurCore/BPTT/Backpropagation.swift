import Foundation

/// Backpropagation through time over one training window (DESIGN.md §2, "Training").
///
/// The forward pass keeps a `TrainingTrace`; the loss turns the logits into their
/// gradient; then each layer, top first, runs its steps backwards. Only the small
/// per-step product `dh_prev = dHG_t · W_hh` is done step by step; the weight gradients
/// (`dW = dGᵀ · X` over all T·B positions) and the gradient sent to the layer below
/// (`dX = dXG · W_ih`) are one GEMM each per window.
extension RecurrentNetwork {
    /// Runs the window forward from `state` (the carried, detached state of truncated
    /// BPTT), and returns the mean cross-entropy over all `steps × batch` targets, in nats,
    /// with the gradient of that mean with respect to every parameter.
    ///
    /// `state` is replaced by the state after the last step, ready for the next window.
    /// With `dropout` p > 0 each layer's output that feeds the next layer (never the top
    /// layer's output) is multiplied by a fresh mask of 0 (probability p) and 1/(1 − p),
    /// as PyTorch's `nn.LSTM(dropout:)` does in training mode; the masks are drawn from
    /// `random`, which is left untouched when no mask is needed.
    ///
    /// The window, the state and `dropout` come from the trainer, which validates the
    /// user's flags first: a batch that differs from `state.batch`, a token outside
    /// `0..<V` or a `dropout` outside `0..<1` is a programming error and stops the program.
    /// An empty window gives a loss of 0 and zero gradients.
    public func lossAndGradients(
        window: TrainingWindow, state: inout NetworkState, dropout: Float = 0, random: inout SampleRandom
    ) -> (loss: Double, gradients: NetworkGradients) {
        precondition(state.batch == window.batch, "the state has \(state.batch) rows, the window \(window.batch)")
        precondition(dropout >= 0 && dropout < 1, "dropout must be in 0..<1, got \(dropout)")
        let v = vocabularySize
        precondition(window.inputs.allSatisfy { (0..<v).contains($0) }, "an input token is outside 0..<\(v)")
        precondition(window.targets.allSatisfy { (0..<v).contains($0) }, "a target token is outside 0..<\(v)")
        guard window.positions > 0 else { return (0, NetworkGradients(zeroFor: self)) }

        let trace = trainingForward(window: window, state: &state, dropout: dropout, random: &random)
        let total = Self.crossEntropyGradient(logits: trace.logits.pointer, targets: window.targets, vocabularySize: v)
        let gradients = backward(trace, window: window)
        return (total / Double(window.positions), gradients)
    }

    /// Replaces each row of logits by d(mean cross-entropy)/d(logits) = (softmax − onehot)/P
    /// and returns the summed cross-entropy (nats), accumulated in Double.
    static func crossEntropyGradient(logits: UnsafeMutablePointer<Float>, targets: [Int], vocabularySize v: Int) -> Double {
        let scale = 1 / Float(targets.count)
        var total = 0.0
        for (p, target) in targets.enumerated() {
            let row = logits + p * v
            var maximum = -Float.infinity
            for j in 0..<v { maximum = max(maximum, row[j]) }
            let targetLogit = Double(row[target]) - Double(maximum)
            var sum = 0.0
            for j in 0..<v {
                let e = expf(row[j] - maximum)
                row[j] = e
                sum += Double(e)
            }
            total += Foundation.log(sum) - targetLogit
            let factor = Float(1 / sum) * scale
            for j in 0..<v { row[j] *= factor }
            row[target] -= scale
        }
        return total
    }

    /// The gradients of every parameter, from a trace whose logits already hold dL/dlogits.
    private func backward(_ trace: TrainingTrace, window: TrainingWindow) -> NetworkGradients {
        var gradients = NetworkGradients(zeroFor: self)
        let batch = window.batch, positions = window.positions, v = vocabularySize, n = hiddenSize
        let dLogits = trace.logits.pointer

        // Head: dW_y = dLogitsᵀ · h_top, db_y = Σ dLogits, dh_top = dLogits · W_y.
        let top = trace.layers[layerCount - 1].hidden.pointer + batch * n
        gradients.headWeights.values.withMutableBaseAddress {
            BLAS.multiplyTransposingFirst(dLogits, rows: positions, columns: v, by: top, columns: n, into: $0)
        }
        Self.addColumnSums(of: dLogits, rows: positions, columns: v, to: &gradients.headBias)
        var outputGradient = FloatBuffer(count: positions * n, zeroed: false)
        headWeights.values.withBaseAddress { w in
            BLAS.multiply(dLogits, rows: positions, inner: v, by: w, columns: n, into: outputGradient.pointer)
        }

        for k in layers.indices.reversed() {
            let layer = layers[k], saved = trace.layers[k], width = layer.gateWidth, inputSize = layer.inputSize
            // For LSTM and RNN the input and hidden pre-activation gradients are equal.
            let inputGateGradients = saved.inputGates
            let hiddenGateGradients =
                layer.kind == .gru ? FloatBuffer(count: positions * width, zeroed: false) : inputGateGradients
            backpropagateThroughTime(
                layer, saved, window: window, outputGradient: outputGradient,
                inputGateGradients: inputGateGradients, hiddenGateGradients: hiddenGateGradients)

            // dW_hh = dHGᵀ · H_prev over the window (H_prev = rows 0..<P of the hidden sequence,
            // or the kept copies when streams reset).
            let previousHidden = (saved.previousHidden ?? saved.hidden).pointer
            gradients.layers[k].hiddenWeights.values.withMutableBaseAddress {
                BLAS.multiplyTransposingFirst(
                    hiddenGateGradients.pointer, rows: positions, columns: width, by: previousHidden, columns: n, into: $0)
            }
            Self.addColumnSums(
                of: hiddenGateGradients.pointer, rows: positions, columns: width, to: &gradients.layers[k].hiddenBias)
            Self.addColumnSums(
                of: inputGateGradients.pointer, rows: positions, columns: width, to: &gradients.layers[k].inputBias)

            guard let input = saved.input else {
                // One-hot x: dW_ih gets dXG[p] added into column `token`.
                gradients.layers[k].inputWeights.values.withMutableBaseAddress { dw in
                    for (p, token) in window.inputs.enumerated() {
                        let row = inputGateGradients.pointer + p * width
                        for r in 0..<width { dw[r * inputSize + token] += row[r] }
                    }
                }
                continue
            }
            gradients.layers[k].inputWeights.values.withMutableBaseAddress {
                BLAS.multiplyTransposingFirst(
                    inputGateGradients.pointer, rows: positions, columns: width, by: input.pointer, columns: inputSize, into: $0)
            }
            // dX = dXG · W_ih: to the layer below (through its dropout mask), or to the embedding.
            // Recur's kernel on W_ih packed transposed, as the forward product (one thread per shard).
            let inputGradient = FloatBuffer(count: positions * inputSize, zeroed: false)
            PackedMatrix(transposing: layer.inputWeights)
                .multiply(
                    inputGateGradients.pointer, rows: positions, into: inputGradient.pointer, outputStride: inputSize, threads: 1)
            if k > 0 {
                if let mask = trace.layers[k - 1].dropoutMask {
                    for i in 0..<(positions * inputSize) { inputGradient.pointer[i] *= mask.pointer[i] }
                }
                outputGradient = inputGradient
            } else if gradients.embedding != nil {
                gradients.embedding?.values.withMutableBaseAddress { table in
                    for (p, token) in window.inputs.enumerated() {
                        let source = inputGradient.pointer + p * inputSize, target = table + token * inputSize
                        for j in 0..<inputSize { target[j] += source[j] }
                    }
                }
            }
        }
        return gradients
    }

    /// Runs one layer's steps backwards, writing the gate gradients of every position.
    ///
    /// `outputGradient` (dL/dh for each step's output, `[P × H]`) is consumed: step t adds
    /// the gradient arriving from step t+1 into its rows. A stream that reset at step t
    /// started it from the constant zero state, so nothing flows back from it into t − 1.
    private func backpropagateThroughTime(
        _ layer: RecurrentLayer, _ saved: TrainingTrace.Layer, window: TrainingWindow, outputGradient: FloatBuffer,
        inputGateGradients: FloatBuffer, hiddenGateGradients: FloatBuffer
    ) {
        let steps = window.steps, batch = window.batch
        let n = layer.hiddenSize, width = layer.gateWidth, rows = batch * n
        let previousHidden = (saved.previousHidden ?? saved.hidden).pointer
        let previousMemory = (saved.previousMemory ?? saved.memory).pointer
        let carry = FloatBuffer(count: rows)  // dL/dh_{t−1} through step t
        let memoryGradient = FloatBuffer(count: layer.kind.hasMemoryCell ? rows : 0)  // dL/dc_{t−1}
        // The per-step product dHG_t · W_hh is small (batch rows); BLAS would repack W_hh
        // on every call, so it is packed once per window for Recur's own kernel instead.
        let transposed = PackedMatrix(transposing: layer.hiddenWeights)
        let direct = FloatBuffer(count: layer.kind == .gru ? rows : 0)  // the GRU's dh ⊙ z term
        let cells = PanelKernelVariant.selected.cells
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let dh = outputGradient.pointer + t * rows
            if t < steps - 1 {
                for i in 0..<rows { dh[i] += carry.pointer[i] }
            }
            let dxg = inputGateGradients.pointer + t * batch * width
            let dhg = hiddenGateGradients.pointer + t * batch * width
            switch layer.kind {
            case .lstm:
                cells.lstmBackward(
                    gates: saved.gates.pointer + t * batch * 4 * n, previousMemory: previousMemory + t * rows,
                    memory: saved.memory.pointer + (t + 1) * rows, hiddenGradient: dh,
                    memoryGradient: memoryGradient.pointer, gateGradients: dxg, batch: batch, hiddenSize: n)
            case .gru:
                cells.gruBackward(
                    gates: saved.gates.pointer + t * batch * 4 * n, previousHidden: previousHidden + t * rows,
                    hiddenGradient: dh, inputGateGradients: dxg, hiddenGateGradients: dhg,
                    previousHiddenGradient: carry.pointer, batch: batch, hiddenSize: n)
            case .rnn:
                cells.rnnBackward(
                    hidden: saved.hidden.pointer + (t + 1) * rows, hiddenGradient: dh, gateGradients: dxg,
                    batch: batch, hiddenSize: n)
            }
            // dh_{t−1} = dHG_t · W_hh (+ the GRU's direct term dh ⊙ z already in `carry`).
            // The state before the window is detached, so step 0 sends nothing back.
            if t > 0 {
                if layer.kind == .gru {
                    direct.pointer.update(from: carry.pointer, count: rows)
                    transposed.multiply(dhg, rows: batch, into: carry.pointer, outputStride: n, threads: 1)
                    for i in 0..<rows { carry.pointer[i] += direct.pointer[i] }
                } else {
                    transposed.multiply(dhg, rows: batch, into: carry.pointer, outputStride: n, threads: 1)
                }
                if saved.previousHidden != nil {
                    for row in window.resetRows(atStep: t) {
                        (carry.pointer + row * n).update(repeating: 0, count: n)
                        if layer.kind.hasMemoryCell { (memoryGradient.pointer + row * n).update(repeating: 0, count: n) }
                    }
                }
            }
        }
    }

    /// `sums[c] += Σ_r matrix[r, c]`: a bias gradient over all positions.
    private static func addColumnSums(of matrix: UnsafePointer<Float>, rows: Int, columns: Int, to sums: inout [Float]) {
        precondition(sums.count == columns, "bias gradient size")
        sums.withMutableBaseAddress { s in
            for r in 0..<rows {
                let row = matrix + r * columns
                for c in 0..<columns { s[c] += row[c] }
            }
        }
    }
}
