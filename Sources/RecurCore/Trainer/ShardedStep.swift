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

    /// `body(index)` for every shard, on two cores when `threads` is 2 or more, the results
    /// in shard order. Training steps and validation share it.
    static func perform<Result>(shards count: Int, threads: Int, _ body: @Sendable (Int) -> Result) -> [Result] {
        var results = [Result?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = ShardSlots(base: buffer.baseAddress!)
            if threads >= 2 && count > 1 {
                DispatchQueue.concurrentPerform(iterations: count) { index in slots.base[index] = body(index) }
            } else {
                for index in 0..<count { slots.base[index] = body(index) }
            }
        }
        return results.map { $0! }
    }

    /// Loss and gradients for `window`, the carried `state` updated; `random` gives each
    /// shard its own dropout stream (one draw per step).
    static func run(
        network: RecurrentNetwork, window: TrainingWindow, state: inout NetworkState, dropout: Float,
        random: inout SampleRandom, threads: Int, parameters: ParameterList
    ) -> (loss: Double, gradients: NetworkGradients) {
        let ranges = shards(batch: window.batch)
        let base = random.next()
        let carried = state
        let results = perform(shards: ranges.count, threads: threads) { index in
            var shardState = carried.rows(ranges[index])
            var shardRandom = SampleRandom(seed: base, index: index)
            let result = network.lossAndGradients(
                window: window.rows(ranges[index]), state: &shardState, dropout: dropout, random: &shardRandom)
            return (result, shardState)
        }
        for (index, range) in ranges.enumerated() { state.setRows(range, from: results[index].1) }

        // Each shard's loss and gradients are means over its own positions: weight them.
        let total = Double(window.positions)
        var loss = 0.0
        var combined = NetworkGradients(zeroFor: network)
        for (index, range) in ranges.enumerated() {
            let result = results[index].0
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

/// The shards' result slots, each written by one worker only.
private struct ShardSlots<Result>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Result?>
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
