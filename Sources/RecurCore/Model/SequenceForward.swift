/// The whole-sequence forward pass, layer by layer, as PyTorch's `nn.LSTM` runs it.
///
/// For each layer the input projection of all `T × B` positions is one GEMM; only the
/// hidden projection `h · W_hhᵀ` is computed step by step. Evaluation and validation run
/// this pass; sampling has its own step over packed weights (`StepBatch`), and training
/// its own pass that keeps what backpropagation needs (`trainingForward`).
extension RecurrentNetwork {
    /// Runs `steps` time steps for `state.batch` rows and returns the logits.
    ///
    /// - Parameters:
    ///   - tokens: time-major token ids, `tokens[t * batch + b]`, each in `0..<V`.
    ///   - state: the carried state; updated to the state after the last step.
    ///   - resetToken: a row's state is zeroed before every step whose input is this
    ///     token, as in training (`TrainingWindow.resetToken`); nil carries it through.
    ///   - threads: threads for each product (`SplitProduct`); OpenBLAS itself should
    ///     run single-threaded when this is more than one.
    /// - Returns: logits `[steps·batch × V]`, row `t * batch + b`.
    public func forward(
        tokens: [Int], steps: Int, state: inout NetworkState, resetToken: Int? = nil, threads: Int = 1
    ) -> Matrix {
        let batch = state.batch
        precondition(tokens.count == steps * batch, "need steps × batch tokens")
        let positions = steps * batch
        var layerInput = inputRows(for: tokens)
        for (k, layer) in layers.enumerated() {
            let width = layer.gateWidth, n = layer.hiddenSize
            // Input projection of every position at once: XG = X · W_ihᵀ + b_ih.
            var inputGates = Matrix(rows: positions, columns: width)
            fillRows(&inputGates, with: layer.inputBias)
            if let x = layerInput {
                gemm(x, layer.inputWeights, into: &inputGates, beta: 1, threads: threads)
            } else {
                addOneHotColumns(of: layer.inputWeights, tokens: tokens, into: &inputGates)
            }
            var output = Matrix(rows: positions, columns: n)
            var hiddenGates = Matrix(rows: batch, columns: width)
            var h = state.hidden[k]
            var c = layer.kind.hasMemoryCell ? state.memory[k] : Matrix(rows: 0, columns: 0)
            for t in 0..<steps {
                if let resetToken {
                    for b in 0..<batch where tokens[t * batch + b] == resetToken {
                        h.values.replaceSubrange((b * n)..<((b + 1) * n), with: repeatElement(0, count: n))
                        if layer.kind.hasMemoryCell {
                            c.values.replaceSubrange((b * n)..<((b + 1) * n), with: repeatElement(0, count: n))
                        }
                    }
                }
                fillRows(&hiddenGates, with: layer.hiddenBias)
                gemm(h, layer.hiddenWeights, into: &hiddenGates, beta: 1, threads: threads)
                inputGates.values.withUnsafeBufferPointer { xg in
                    hiddenGates.values.withUnsafeBufferPointer { hg in
                        h.values.withUnsafeMutableBufferPointer { hp in
                            c.values.withUnsafeMutableBufferPointer { cp in
                                layer.kind.step(
                                    inputGates: xg.baseAddress! + t * batch * width, hiddenGates: hg.baseAddress!,
                                    hidden: hp.baseAddress!, memory: cp.baseAddress,
                                    batch: batch, hiddenSize: n)
                            }
                        }
                    }
                }
                output.values.replaceSubrange((t * batch * n)..<((t + 1) * batch * n), with: h.values)
            }
            state.hidden[k] = h
            if layer.kind.hasMemoryCell { state.memory[k] = c }
            layerInput = output
        }
        var logits = Matrix(rows: positions, columns: vocabularySize)
        fillRows(&logits, with: headBias)
        if let top = layerInput { gemm(top, headWeights, into: &logits, beta: 1, threads: threads) }
        return logits
    }

    /// The first layer's input rows: embedded tokens, or `nil` for one-hot input
    /// (whose projection is a column gather, done without building the one-hot rows).
    private func inputRows(for tokens: [Int]) -> Matrix? {
        guard let embedding else { return nil }
        let e = embedding.columns
        var rows = Matrix(rows: tokens.count, columns: e)
        for (i, token) in tokens.enumerated() {
            rows.values.replaceSubrange((i * e)..<((i + 1) * e), with: embedding.values[(token * e)..<((token + 1) * e)])
        }
        return rows
    }

    private func addOneHotColumns(of weights: Matrix, tokens: [Int], into gates: inout Matrix) {
        let width = weights.rows, v = weights.columns
        weights.values.withUnsafeBufferPointer { w in
            gates.values.withUnsafeMutableBufferPointer { g in
                for (i, token) in tokens.enumerated() {
                    for r in 0..<width { g[i * width + r] += w[r * v + token] }
                }
            }
        }
    }
}

/// Sets every row of `matrix` to `row`.
func fillRows(_ matrix: inout Matrix, with row: [Float]) {
    precondition(row.count == matrix.columns)
    let n = matrix.columns
    matrix.values.withUnsafeMutableBufferPointer { m in
        row.withUnsafeBufferPointer { r in
            for i in 0..<matrix.rows {
                (m.baseAddress! + i * n).update(from: r.baseAddress!, count: n)
            }
        }
    }
}

/// `c = a · wᵀ + beta · c` for whole matrices, on up to `threads` threads.
func gemm(_ a: Matrix, _ w: Matrix, into c: inout Matrix, beta: Float, threads: Int = 1) {
    precondition(a.columns == w.columns && c.rows == a.rows && c.columns == w.rows, "gemm shapes")
    guard a.rows > 0, w.rows > 0 else { return }
    a.values.withUnsafeBufferPointer { pa in
        w.values.withUnsafeBufferPointer { pw in
            c.values.withUnsafeMutableBufferPointer { pc in
                SplitProduct.multiplyTransposed(
                    pa.baseAddress!, rows: a.rows, inner: a.columns, by: pw.baseAddress!, outputs: w.rows,
                    into: pc.baseAddress!, beta: beta, threads: threads)
            }
        }
    }
}
