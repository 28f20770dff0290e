import Foundation
import Testing

@testable import RecurCore

/// Backpropagation through time (`RecurrentNetwork.lossAndGradients`) against central
/// finite differences of an independent Double-precision forward pass, against PyTorch's
/// autograd (fixtures written by `scripts/make-gradient-fixtures`), and the dropout contract.
struct GradientTests {
    // MARK: - Finite differences

    /// (cell, layers, embedding size) for the finite-difference checks.
    static let shapes: [(CellKind, Int, Int?)] = CellKind.allCases.flatMap { cell in
        [(cell, 1, nil), (cell, 2, nil), (cell, 1, 3), (cell, 2, 3)]
    }

    @Test("backprop equals central differences of a Double forward pass", arguments: shapes)
    func finiteDifferencesAgree(cell: CellKind, layers: Int, embedding: Int?) {
        let problem = Problem(cell: cell, layers: layers, embedding: embedding, seed: UInt64(7 + layers))
        var random = SampleRandom(seed: 1, index: 0)
        var state = problem.state
        let (loss, gradients) = problem.network.lossAndGradients(window: problem.window, state: &state, random: &random)
        let reference = problem.reference.run(problem.tensors, window: problem.window, state: problem.state, masks: [])
        #expect(abs(loss - reference.loss) < 1e-5 * reference.loss)
        let analytic = gradientTensors(gradients)
        #expect(analytic.map(\.name) == parameterTensors(problem.network).map(\.name))
        let mismatches = problem.finiteDifferenceMismatches(analytic.map(\.values), masks: [])
        #expect(mismatches.count == 0, "\(mismatches.prefix(5))")
        // Not vacuous: every tensor has gradients ten times the absolute tolerance or more.
        for tensor in analytic {
            #expect(tensor.values.contains { abs($0) > 1e-3 }, "\(tensor.name) has only tiny gradients")
        }
    }

    @Test("backprop through dropout masks equals central differences with the same masks", arguments: CellKind.allCases)
    func finiteDifferencesAgreeUnderDropout(cell: CellKind) {
        let problem = Problem(cell: cell, layers: 3, embedding: 3, seed: 21)
        let p: Float = 0.4
        var random = SampleRandom(seed: 99, index: 2)
        var maskStream = random
        let masks = (0..<2).map { _ in
            Dropout.mask(count: problem.window.positions * problem.network.hiddenSize, probability: p, random: &maskStream)
        }
        var state = problem.state
        let (loss, gradients) = problem.network.lossAndGradients(
            window: problem.window, state: &state, dropout: p, random: &random)
        #expect(random.next() == maskStream.next(), "one draw per masked element")
        let reference = problem.reference.run(problem.tensors, window: problem.window, state: problem.state, masks: masks)
        #expect(abs(loss - reference.loss) < 1e-5 * reference.loss)
        let mismatches = problem.finiteDifferenceMismatches(gradientTensors(gradients).map(\.values), masks: masks)
        #expect(mismatches.count == 0, "\(mismatches.prefix(5))")
    }

    @Test("backprop with streams reset at <eos> equals central differences", arguments: shapes)
    func finiteDifferencesAgreeWithResets(cell: CellKind, layers: Int, embedding: Int?) {
        let problem = Problem(
            cell: cell, layers: layers, embedding: embedding, seed: UInt64(61 + layers), steps: 7, resetToken: 2)
        // Not vacuous: some stream resets inside the window (no gradient crosses the reset).
        let window = problem.window
        let resetSteps = (0..<window.steps).filter { !window.resetRows(atStep: $0).isEmpty }
        #expect(resetSteps.contains { $0 > 0 }, "no reset inside the window: \(resetSteps)")
        var random = SampleRandom(seed: 1, index: 0)
        var state = problem.state
        let (loss, gradients) = problem.network.lossAndGradients(window: window, state: &state, random: &random)
        let reference = problem.reference.run(problem.tensors, window: window, state: problem.state, masks: [])
        #expect(abs(loss - reference.loss) < 1e-5 * reference.loss)
        let mismatches = problem.finiteDifferenceMismatches(gradientTensors(gradients).map(\.values), masks: [])
        #expect(mismatches.count == 0, "\(mismatches.prefix(5))")
        // Without the resets the same window gives another loss: they are not a no-op.
        var carried = problem.state
        var plain = window
        plain.resetToken = nil
        let carriedLoss = problem.network.lossAndGradients(window: plain, state: &carried, random: &random).loss
        #expect(abs(carriedLoss - loss) > 1e-4 * loss)
    }

    @Test("a stream reset at its first step ignores the carried state", arguments: CellKind.allCases)
    func resetDropsTheCarriedState(cell: CellKind) {
        let problem = Problem(cell: cell, layers: 2, embedding: 3, seed: 71, steps: 6, resetToken: 4)
        var window = problem.window
        for b in 0..<window.batch { window.inputs[b] = 4 }  // every stream starts a tune
        var random = SampleRandom(seed: 1, index: 0)
        var fromCarried = problem.state
        var fromZero = NetworkState(for: problem.network, batch: window.batch)
        let a = problem.network.lossAndGradients(window: window, state: &fromCarried, random: &random)
        let b = problem.network.lossAndGradients(window: window, state: &fromZero, random: &random)
        #expect(a.loss == b.loss)
        #expect(gradientTensors(a.gradients).map(\.values) == gradientTensors(b.gradients).map(\.values))
        #expect(fromCarried == fromZero)
    }

    @Test("the finite-difference check rejects a wrong sign or swapped gates", arguments: CellKind.allCases)
    func finiteDifferenceCheckCanFail(cell: CellKind) {
        let problem = Problem(cell: cell, layers: 2, embedding: nil, seed: 5)
        var random = SampleRandom(seed: 1, index: 0)
        var state = problem.state
        let right = gradientTensors(
            problem.network.lossAndGradients(window: problem.window, state: &state, random: &random).gradients
        ).map(\.values)
        #expect(problem.finiteDifferenceMismatches(right, masks: []).isEmpty)

        var wrongSign = right
        let bias = wrongSign.count - 1
        wrongSign[bias] = wrongSign[bias].map { -$0 }
        #expect(!problem.finiteDifferenceMismatches(wrongSign, masks: []).isEmpty)

        // Swap the first two gate blocks (LSTM i ↔ f, GRU r ↔ z) of layer 0's weight_hh;
        // the RNN has one block, so swap the first two rows instead.
        var swapped = right
        let n = problem.network.hiddenSize
        let rowsToSwap = cell == .rnn ? 1 : n, block = rowsToSwap * n
        let hh = swapped[1]
        swapped[1] = Array(hh[block..<(2 * block)]) + Array(hh[0..<block]) + Array(hh[(2 * block)...])
        #expect(!problem.finiteDifferenceMismatches(swapped, masks: []).isEmpty)
    }

    // MARK: - PyTorch

    struct TorchCase: Decodable {
        let cell: String
        let inputs: [[Int]]
        let targets: [[Int]]
        let h0: [[[Double]]]
        let c0: [[[Double]]]
        let loss: Double
        let gradients: [String: [Double]]
        let hidden: [[[Double]]]
        let memory: [[[Double]]]
    }

    @Test(
        "loss, every gradient and the final state match PyTorch autograd to 1e-5",
        arguments: ["lstm-l2-emb4", "gru-l2-onehot", "rnn-l2-emb4"])
    func matchesPyTorch(name: String) throws {
        let model = try RecurModel(contentsOf: fixture("gradients/\(name).safetensors"))
        let expected = try loadJSON(TorchCase.self, "gradients/\(name).json")
        let network = model.network
        #expect(network.cell.rawValue == expected.cell)
        let batch = expected.inputs[0].count
        let window = TrainingWindow(
            inputs: expected.inputs.flatMap { $0 }, targets: expected.targets.flatMap { $0 },
            steps: expected.inputs.count, batch: batch)
        var state = NetworkState(for: network, batch: batch)
        for k in 0..<network.layerCount {
            state.hidden[k].values = expected.h0[k].flatMap { $0 }.map { Float($0) }
            if network.cell == .lstm { state.memory[k].values = expected.c0[k].flatMap { $0 }.map { Float($0) } }
        }
        let initial = state
        var random = SampleRandom(seed: 3, index: 0)
        let (loss, gradients) = network.lossAndGradients(window: window, state: &state, random: &random)

        #expect(abs(loss - expected.loss) <= 1e-5 * expected.loss)
        let tensors = gradientTensors(gradients)
        #expect(Set(tensors.map(\.name)) == Set(expected.gradients.keys))
        for tensor in tensors {
            let torch = try #require(expected.gradients[tensor.name])
            #expect(maximumRelativeError(tensor.values, torch) < 1e-5, "\(tensor.name)")
            // Also relative to the tensor's scale, since |gradient| ≪ 1 here.
            let scale = torch.map(abs).max() ?? 0
            let worst = zip(tensor.values, torch).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * scale, "\(tensor.name): \(worst) vs scale \(scale)")
        }
        for k in 0..<network.layerCount {
            #expect(maximumRelativeError(state.hidden[k].values, expected.hidden[k].flatMap { $0 }) < 1e-5)
            if network.cell == .lstm {
                #expect(maximumRelativeError(state.memory[k].values, expected.memory[k].flatMap { $0 }) < 1e-5)
            }
        }
        // The Double reference used by the finite-difference tests agrees with PyTorch too.
        let reference = Reference(network).run(
            parameterTensors(network).map { $0.values.map(Double.init) }, window: window, state: initial, masks: [])
        #expect(abs(reference.loss - expected.loss) < 1e-12 * expected.loss)
    }

    // MARK: - Forward, state and dropout

    @Test(
        "the training forward pass equals inference: same loss and final state, with and without resets",
        arguments: CellKind.allCases, [nil, 1])
    func trainingForwardEqualsInference(cell: CellKind, resetToken: Int?) {
        let problem = Problem(cell: cell, layers: 2, embedding: 4, seed: 31, steps: 8, resetToken: resetToken)
        var random = SampleRandom(seed: 1, index: 0)
        var trained = problem.state, inferred = problem.state
        let loss = problem.network.lossAndGradients(window: problem.window, state: &trained, random: &random).loss
        let logits = problem.network.forward(
            tokens: problem.window.inputs, steps: problem.window.steps, state: &inferred, resetToken: resetToken)
        var expected = 0.0
        let v = problem.network.vocabularySize
        for (p, target) in problem.window.targets.enumerated() {
            expected -= Double(Activations.logSoftmax(logits.row(p))[target])
        }
        expected /= Double(problem.window.positions)
        #expect(abs(loss - expected) < 1e-6 * expected)
        // The training pass multiplies by W_hh through Recur's packed kernel, inference
        // through BLAS: the same sums in another order, equal to float rounding.
        for k in trained.hidden.indices {
            #expect(maximumRelativeError(trained.hidden[k].values, inferred.hidden[k].values.map(Double.init)) < 1e-5)
        }
        for k in trained.memory.indices {
            #expect(maximumRelativeError(trained.memory[k].values, inferred.memory[k].values.map(Double.init)) < 1e-5)
        }
        #expect(logits.columns == v)
    }

    @Test("two windows with the carried state end where one long forward pass ends")
    func carriedStateContinuesTheSequence() {
        let problem = Problem(cell: .lstm, layers: 2, embedding: nil, seed: 41)
        let w = problem.window, half = w.steps / 2 * w.batch
        let first = TrainingWindow(
            inputs: Array(w.inputs[..<half]), targets: Array(w.targets[..<half]),
            steps: w.steps / 2, batch: w.batch)
        let second = TrainingWindow(
            inputs: Array(w.inputs[half...]), targets: Array(w.targets[half...]),
            steps: w.steps - w.steps / 2, batch: w.batch)
        var random = SampleRandom(seed: 1, index: 0)
        var carried = problem.state, whole = problem.state
        let a = problem.network.lossAndGradients(window: first, state: &carried, random: &random).loss
        let b = problem.network.lossAndGradients(window: second, state: &carried, random: &random).loss
        let all = problem.network.lossAndGradients(window: w, state: &whole, random: &random).loss
        for k in 0..<problem.network.layerCount {
            #expect(maximumRelativeError(carried.hidden[k].values, whole.hidden[k].values.map(Double.init)) < 1e-6)
            #expect(maximumRelativeError(carried.memory[k].values, whole.memory[k].values.map(Double.init)) < 1e-6)
        }
        let weighted = (a * Double(first.positions) + b * Double(second.positions)) / Double(w.positions)
        #expect(abs(weighted - all) < 1e-6 * all)
    }

    @Test("dropout is reproducible from the seed; 0 and single layers leave it out", arguments: CellKind.allCases)
    func dropoutIsDeterministic(cell: CellKind) {
        let problem = Problem(cell: cell, layers: 2, embedding: 3, seed: 51)
        func run(_ p: Float, seed: UInt64) -> (Double, NetworkGradients, NetworkState, UInt64) {
            var random = SampleRandom(seed: seed, index: 0)
            var state = problem.state
            let (loss, gradients) = problem.network.lossAndGradients(
                window: problem.window, state: &state, dropout: p, random: &random)
            return (loss, gradients, state, random.next())
        }
        let once = run(0.3, seed: 8), again = run(0.3, seed: 8), other = run(0.3, seed: 9)
        #expect(once.0 == again.0 && once.1 == again.1 && once.2 == again.2)
        #expect(once.0 != other.0 && once.1 != other.1)

        var untouched = SampleRandom(seed: 8, index: 0)
        var defaultRandom = SampleRandom(seed: 8, index: 0)
        var state = problem.state
        let (loss, gradients) = problem.network.lossAndGradients(
            window: problem.window, state: &state, random: &defaultRandom)
        let zero = run(0, seed: 8)
        #expect(zero.0 == loss && zero.1 == gradients && zero.2 == state)
        #expect(zero.0 != once.0)
        #expect(zero.3 == untouched.next(), "dropout 0 draws nothing")

        // One layer has no layer-to-layer output, so dropout changes nothing (as in PyTorch).
        let single = Problem(cell: cell, layers: 1, embedding: 3, seed: 51)
        var r1 = SampleRandom(seed: 8, index: 0), r2 = r1
        var s1 = single.state, s2 = single.state
        let plain = single.network.lossAndGradients(window: single.window, state: &s1, random: &r1)
        let dropped = single.network.lossAndGradients(window: single.window, state: &s2, dropout: 0.5, random: &r2)
        #expect(plain.loss == dropped.loss && plain.gradients == dropped.gradients)
    }

    @Test("a dropout mask keeps about 1 − p of the units, scaled by 1/(1 − p)", arguments: [Float(0.1), 0.3, 0.5, 0.8])
    func dropoutKeepsTheRightFraction(p: Float) {
        var random = SampleRandom(seed: 12, index: 0)
        let mask = Dropout.mask(count: 200_000, probability: p, random: &random)
        let kept = mask.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 1 / (1 - p) })
        let fraction = Double(kept.count) / Double(mask.count)
        // Binomial standard deviation ≤ 0.0012 here; allow about 6σ.
        #expect(abs(fraction - Double(1 - p)) < 0.007, "kept \(fraction)")

        // The masks the training pass applies, layer by layer.
        let network = randomNetwork(cell: .gru, vocabulary: 6, hidden: 64, layers: 3)
        let positions = 40 * 25
        var tokens = TestRandom(seed: 3)
        let inputs = (0..<positions).map { _ in Int.random(in: 0..<6, using: &tokens) }
        let window = TrainingWindow(inputs: inputs, targets: inputs, steps: 40, batch: 25)
        var state = NetworkState(for: network, batch: 25)
        let trace = network.trainingForward(window: window, state: &state, dropout: p, random: &random)
        #expect(trace.layers[2].dropoutMask == nil)
        for layer in trace.layers.prefix(2) {
            guard let mask = layer.dropoutMask else {
                Issue.record("missing mask")
                continue
            }
            let values = mask.array(count: mask.count)
            let fraction = Double(values.filter { $0 != 0 }.count) / Double(values.count)
            #expect(abs(fraction - Double(1 - p)) < 0.02, "kept \(fraction)")
        }
    }
}

// MARK: - Test problems and the Double reference

/// A tiny random network, window and nonzero starting state.
private struct Problem {
    let network: RecurrentNetwork
    let window: TrainingWindow
    let state: NetworkState
    let reference: Reference
    let tensors: [[Double]]

    init(
        cell: CellKind, layers: Int, embedding: Int?, seed: UInt64, vocabulary: Int = 6, hidden: Int = 5,
        steps: Int = 5, batch: Int = 3, resetToken: Int? = nil
    ) {
        network = randomNetwork(
            cell: cell, vocabulary: vocabulary, hidden: hidden, layers: layers,
            embedding: embedding, seed: seed)
        var generator = TestRandom(seed: seed &+ 1000)
        let count = steps * batch
        window = TrainingWindow(
            inputs: (0..<count).map { _ in Int.random(in: 0..<vocabulary, using: &generator) },
            targets: (0..<count).map { _ in Int.random(in: 0..<vocabulary, using: &generator) },
            steps: steps, batch: batch, resetToken: resetToken)
        var state = NetworkState(for: network, batch: batch)
        for k in 0..<layers {
            state.hidden[k].values = (0..<(batch * hidden)).map { _ in Float.random(in: -0.9...0.9, using: &generator) }
            if cell == .lstm {
                state.memory[k].values = (0..<(batch * hidden)).map { _ in Float.random(in: -2...2, using: &generator) }
            }
        }
        self.state = state
        reference = Reference(network)
        tensors = parameterTensors(network).map { $0.values.map(Double.init) }
    }

    /// Elements whose backprop gradient differs from the central difference (eps 1e-5, in
    /// Double) by more than 1e-4 + 1e-3·|fd|. Float32 backprop is good to ~1e-6 here, while a
    /// wrong sign, a swapped gate or a missing term is off by the gradient itself (~1e-2).
    func finiteDifferenceMismatches(_ analytic: [[Float]], masks: [[Float]]) -> [String] {
        let names = parameterTensors(network).map(\.name)
        let eps = 1e-5
        var mismatches: [String] = []
        for (t, tensor) in tensors.enumerated() {
            for i in tensor.indices {
                var plus = tensors, minus = tensors
                plus[t][i] += eps
                minus[t][i] -= eps
                let difference =
                    (reference.run(plus, window: window, state: state, masks: masks).loss
                        - reference.run(minus, window: window, state: state, masks: masks).loss) / (2 * eps)
                let backprop = Double(analytic[t][i])
                if abs(backprop - difference) > 1e-4 + 1e-3 * abs(difference) {
                    mismatches.append("\(names[t])[\(i)]: backprop \(backprop), finite difference \(difference)")
                }
            }
        }
        return mismatches
    }
}

/// Every parameter tensor with its PyTorch name, in a fixed order.
private func parameterTensors(_ network: RecurrentNetwork) -> [(name: String, values: [Float])] {
    var list: [(name: String, values: [Float])] = []
    if let embedding = network.embedding { list.append(("embedding.weight", embedding.values)) }
    for (k, layer) in network.layers.enumerated() {
        list.append(("rnn.weight_ih_l\(k)", layer.inputWeights.values))
        list.append(("rnn.weight_hh_l\(k)", layer.hiddenWeights.values))
        list.append(("rnn.bias_ih_l\(k)", layer.inputBias))
        list.append(("rnn.bias_hh_l\(k)", layer.hiddenBias))
    }
    list.append(("head.weight", network.headWeights.values))
    list.append(("head.bias", network.headBias))
    return list
}

/// The gradients in `parameterTensors` order.
private func gradientTensors(_ gradients: NetworkGradients) -> [(name: String, values: [Float])] {
    var list: [(name: String, values: [Float])] = []
    if let embedding = gradients.embedding { list.append(("embedding.weight", embedding.values)) }
    for (k, layer) in gradients.layers.enumerated() {
        list.append(("rnn.weight_ih_l\(k)", layer.inputWeights.values))
        list.append(("rnn.weight_hh_l\(k)", layer.hiddenWeights.values))
        list.append(("rnn.bias_ih_l\(k)", layer.inputBias))
        list.append(("rnn.bias_hh_l\(k)", layer.hiddenBias))
    }
    list.append(("head.weight", gradients.headWeights.values))
    list.append(("head.bias", gradients.headBias))
    return list
}

/// The loss of a window in Double, written straight from DESIGN.md §2, one unit at a time,
/// sharing no code with RecurCore's kernels.
private struct Reference {
    let cell: CellKind
    let vocabularySize: Int
    let hiddenSize: Int
    let layerCount: Int
    let embeddingSize: Int?

    init(_ network: RecurrentNetwork) {
        cell = network.cell
        vocabularySize = network.vocabularySize
        hiddenSize = network.hiddenSize
        layerCount = network.layerCount
        embeddingSize = network.embedding?.columns
    }

    /// Mean cross-entropy and final state, from tensors in `parameterTensors` order;
    /// `masks[k]` (if present) multiplies layer k's output before layer k+1 reads it.
    func run(_ tensors: [[Double]], window: TrainingWindow, state: NetworkState, masks: [[Float]])
        -> (loss: Double, hidden: [[Double]], memory: [[Double]])
    {
        let steps = window.steps, batch = window.batch, n = hiddenSize, v = vocabularySize
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        var next = 0
        func take() -> [Double] {
            defer { next += 1 }
            return tensors[next]
        }
        var inputs: [[Double]]
        if let e = embeddingSize {
            let table = take()
            inputs = window.inputs.map { Array(table[($0 * e)..<(($0 + 1) * e)]) }
        } else {
            inputs = window.inputs.map { token in (0..<v).map { $0 == token ? 1 : 0 } }
        }
        var finalHidden: [[Double]] = [], finalMemory: [[Double]] = []
        for k in 0..<layerCount {
            let wih = take(), whh = take(), bih = take(), bhh = take()
            var h = state.hidden[k].values.map(Double.init)
            var c = cell == .lstm ? state.memory[k].values.map(Double.init) : []
            var outputs: [[Double]] = []
            for t in 0..<steps {
                var newH = h, newC = c
                for b in 0..<batch {
                    if window.inputs[t * batch + b] == window.resetToken {
                        for u in 0..<n { h[b * n + u] = 0 }
                        if cell == .lstm { for u in 0..<n { c[b * n + u] = 0 } }
                    }
                    let x = inputs[t * batch + b], previous = Array(h[(b * n)..<((b + 1) * n)])
                    func affine(_ w: [Double], _ bias: [Double], _ vector: [Double], _ row: Int) -> Double {
                        var sum = bias[row]
                        for j in vector.indices { sum += w[row * vector.count + j] * vector[j] }
                        return sum
                    }
                    for u in 0..<n {
                        func fromInput(_ gate: Int) -> Double { affine(wih, bih, x, gate * n + u) }
                        func fromHidden(_ gate: Int) -> Double { affine(whh, bhh, previous, gate * n + u) }
                        switch cell {
                        case .rnn:
                            newH[b * n + u] = tanh(fromInput(0) + fromHidden(0))
                        case .lstm:
                            let i = sigmoid(fromInput(0) + fromHidden(0)), f = sigmoid(fromInput(1) + fromHidden(1))
                            let g = tanh(fromInput(2) + fromHidden(2)), o = sigmoid(fromInput(3) + fromHidden(3))
                            newC[b * n + u] = f * c[b * n + u] + i * g
                            newH[b * n + u] = o * tanh(newC[b * n + u])
                        case .gru:
                            let r = sigmoid(fromInput(0) + fromHidden(0)), z = sigmoid(fromInput(1) + fromHidden(1))
                            let candidate = tanh(fromInput(2) + r * fromHidden(2))
                            newH[b * n + u] = (1 - z) * candidate + z * previous[u]
                        }
                    }
                    outputs.append(Array(newH[(b * n)..<((b + 1) * n)]))
                }
                h = newH
                c = newC
            }
            finalHidden.append(h)
            finalMemory.append(c)
            if k < masks.count {
                for p in outputs.indices {
                    for j in 0..<n { outputs[p][j] *= Double(masks[k][p * n + j]) }
                }
            }
            inputs = outputs
        }
        let weights = take(), bias = take()
        var total = 0.0
        for (p, target) in window.targets.enumerated() {
            let logits = (0..<v).map { row in
                bias[row] + (0..<n).reduce(0.0) { $0 + weights[row * n + $1] * inputs[p][$1] }
            }
            let maximum = logits.max() ?? 0
            let logSum = maximum + log(logits.reduce(0.0) { $0 + exp($1 - maximum) })
            total += logSum - logits[target]
        }
        return (total / Double(window.positions), finalHidden, finalMemory)
    }
}
