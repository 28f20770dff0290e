/// The validation loss of a training run: the held-out tokens cut into `streams` equal
/// streams, each run from the zero state in windows of `seqLen` steps, with the state
/// carried from window to window.
///
/// The streams are split into the same two shards as a training step
/// (`ShardedStep.shards`), which run on two cores with single-threaded products; each
/// shard sums its own positions and the two sums are added in a fixed order, so the loss
/// does not depend on the thread count.
struct HeldOutLoss: Sendable {
    let network: RecurrentNetwork
    let ids: [Int]
    let streams: Int
    let seqLen: Int
    /// A row's state is zeroed before this token, as in training.
    let resetToken: Int?

    /// Mean cross-entropy in nats per token over every predicted position.
    func mean(threads: Int) -> Double {
        let ranges = ShardedStep.shards(batch: streams)
        let sums = ShardedStep.perform(shards: ranges.count, threads: threads) { index in sum(rows: ranges[index]) }
        let total = sums.reduce(0.0) { $0 + $1.total }
        let count = sums.reduce(0) { $0 + $1.count }
        return total / Double(count)
    }

    /// The summed loss and the number of positions of the streams in `rows`.
    private func sum(rows: Range<Int>) -> (total: Double, count: Int) {
        let length = ids.count / streams
        let batch = rows.count
        let v = network.vocabularySize
        var state = NetworkState(for: network, batch: batch)
        var total = 0.0
        var count = 0
        var start = 0
        while start < length - 1 {
            let span = min(seqLen, length - 1 - start)
            var inputs = [Int](repeating: 0, count: span * batch)
            var targets = inputs
            for t in 0..<span {
                for (b, stream) in rows.enumerated() {
                    inputs[t * batch + b] = ids[stream * length + start + t]
                    targets[t * batch + b] = ids[stream * length + start + t + 1]
                }
            }
            let logits = network.forward(tokens: inputs, steps: span, state: &state, resetToken: resetToken)
            logits.values.withUnsafeBufferPointer { rows in
                for i in 0..<(span * batch) {
                    let row = UnsafeBufferPointer(rebasing: rows[(i * v)..<((i + 1) * v)])
                    total += Double(Activations.logSumExp(row)) - Double(row[targets[i]])
                }
            }
            count += span * batch
            start += span
        }
        return (total, count)
    }
}
