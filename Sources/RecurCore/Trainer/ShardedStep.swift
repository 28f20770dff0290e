import Dispatch

/// One optimizer step's forward and backward work, split by rows into two shards that
/// run on two cores with single-threaded BLAS each.
///
/// BLAS's own threads pay a hand-off on every small per-time-step product, which costs
/// more than it gains at training sizes; two independent halves of the batch need no
/// hand-off inside the window. The shard count is fixed (two whenever the batch has two
/// rows), not taken from the thread count, and the halves are combined in a fixed order,
/// so a run gives the same numbers on one thread or two.
struct ShardedStep {
    /// Row ranges of the shards.
    static func shards(batch: Int) -> [Range<Int>] {
        batch >= 2 ? [0..<(batch / 2), (batch / 2)..<batch] : [0..<batch]
    }

    /// Loss and gradients for `window`, the carried `state` updated; `random` gives each
    /// shard its own dropout stream (one draw per step).
    static func run(
        network: RecurrentNetwork, window: TrainingWindow, state: inout NetworkState, dropout: Float,
        random: inout SampleRandom, threads: Int, parameters: ParameterList
    ) -> (loss: Double, gradients: NetworkGradients) {
        let ranges = shards(batch: window.batch)
        let base = random.next()
        var inputs: [(TrainingWindow, NetworkState)] = ranges.map { range in
            (window.rows(range), state.rows(range))
        }
        var results = [(loss: Double, gradients: NetworkGradients)?](repeating: nil, count: ranges.count)
        let work = {
            @Sendable
            (
                index: Int, results: UnsafeMutablePointer<(loss: Double, gradients: NetworkGradients)?>,
                inputs: UnsafeMutablePointer<(TrainingWindow, NetworkState)>
            ) in
            var shardRandom = SampleRandom(seed: base, index: index)
            results[index] = network.lossAndGradients(
                window: inputs[index].0, state: &inputs[index].1, dropout: dropout, random: &shardRandom)
        }
        results.withUnsafeMutableBufferPointer { resultBuffer in
            inputs.withUnsafeMutableBufferPointer { inputBuffer in
                let pointers = ShardPointers(results: resultBuffer.baseAddress!, inputs: inputBuffer.baseAddress!)
                if threads >= 2 && ranges.count > 1 {
                    DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
                        work(index, pointers.results, pointers.inputs)
                    }
                } else {
                    for index in ranges.indices { work(index, pointers.results, pointers.inputs) }
                }
            }
        }
        for (index, range) in ranges.enumerated() { state.setRows(range, from: inputs[index].1) }

        // Each shard's loss and gradients are means over its own positions: weight them.
        let total = Double(window.positions)
        var loss = 0.0
        var combined = NetworkGradients(zeroFor: network)
        for (index, range) in ranges.enumerated() {
            guard let result = results[index] else { continue }
            let weight = Double(range.count * window.steps) / total
            loss += result.loss * weight
            for entry in parameters.entries {
                let source = result.gradients[keyPath: entry.gradient]
                combined[keyPath: entry.writableGradient].withUnsafeMutableBufferPointer { target in
                    source.withUnsafeBufferPointer { source in
                        let pair = GradientPair(target: target.baseAddress!, source: source.baseAddress!)
                        ParallelRanges.forEach(count: target.count, workers: threads) { range in
                            for i in range { pair.target[i] += Float(weight) * pair.source[i] }
                        }
                    }
                }
            }
        }
        return (loss, combined)
    }
}

/// A gradient tensor and the shard gradient added into it, split among workers.
private struct GradientPair: @unchecked Sendable {
    let target: UnsafeMutablePointer<Float>
    let source: UnsafePointer<Float>
}

/// The shards' slots, each written by one worker only.
private struct ShardPointers: @unchecked Sendable {
    let results: UnsafeMutablePointer<(loss: Double, gradients: NetworkGradients)?>
    let inputs: UnsafeMutablePointer<(TrainingWindow, NetworkState)>
}

extension TrainingWindow {
    /// The window restricted to the rows (streams) in `range`.
    func rows(_ range: Range<Int>) -> TrainingWindow {
        var inputs: [Int] = [], targets: [Int] = []
        inputs.reserveCapacity(steps * range.count)
        targets.reserveCapacity(steps * range.count)
        for t in 0..<steps {
            inputs += self.inputs[(t * batch + range.lowerBound)..<(t * batch + range.upperBound)]
            targets += self.targets[(t * batch + range.lowerBound)..<(t * batch + range.upperBound)]
        }
        return TrainingWindow(inputs: inputs, targets: targets, steps: steps, batch: range.count, resetToken: resetToken)
    }
}

extension NetworkState {
    /// The state of the rows in `range`.
    func rows(_ range: Range<Int>) -> NetworkState {
        var part = self
        part.keepRows(range)
        return part
    }

    /// Replaces the rows in `range` by `part`'s.
    mutating func setRows(_ range: Range<Int>, from part: NetworkState) {
        for k in hidden.indices {
            let h = hidden[k].columns
            hidden[k].values.replaceSubrange((range.lowerBound * h)..<(range.upperBound * h), with: part.hidden[k].values)
        }
        for k in memory.indices {
            let h = memory[k].columns
            memory[k].values.replaceSubrange((range.lowerBound * h)..<(range.upperBound * h), with: part.memory[k].values)
        }
    }
}
