import Testing

@testable import RecurCore

/// The validation loss: every stream counted once, whichever shard runs it, and the same
/// number on one thread or two.
struct HeldOutLossTests {
    /// Tokens of a random-looking but fixed sequence; `resetToken` appears now and then.
    static func tokens(count: Int, vocabulary: Int) -> [Int] {
        (0..<count).map { ($0 * 37 + ($0 / 11) * 5) % vocabulary }
    }

    /// The loss computed the plain way: each stream alone, batch 1, one window after another.
    static func streamByStream(_ pass: HeldOutLoss) -> Double {
        let length = pass.ids.count / pass.streams
        let v = pass.network.vocabularySize
        var total = 0.0, count = 0
        for stream in 0..<pass.streams {
            let ids = Array(pass.ids[(stream * length)..<((stream + 1) * length)])
            var state = NetworkState(for: pass.network, batch: 1)
            var start = 0
            while start < length - 1 {
                let span = min(pass.seqLen, length - 1 - start)
                let logits = pass.network.forward(
                    tokens: Array(ids[start..<(start + span)]), steps: span, state: &state, resetToken: pass.resetToken)
                for t in 0..<span {
                    let row = Array(logits.values[(t * v)..<((t + 1) * v)])
                    let target = ids[start + t + 1]
                    total += Double(row.withUnsafeBufferPointer(Activations.logSumExp)) - Double(row[target])
                }
                count += span
                start += span
            }
        }
        return total / Double(count)
    }

    @Test(arguments: [(CellKind.lstm, 5, nil), (.gru, 8, 3), (.rnn, 1, nil)] as [(CellKind, Int, Int?)])
    func theLossCountsEveryStreamOnceOnAnyThreadCount(cell: CellKind, streams: Int, resetToken: Int?) {
        let network = randomNetwork(cell: cell, vocabulary: 13, hidden: 24, layers: 2, embedding: cell == .gru ? 6 : nil)
        let pass = HeldOutLoss(
            network: network, ids: Self.tokens(count: 1_000, vocabulary: 13), streams: streams, seqLen: 16,
            resetToken: resetToken)
        let one = pass.mean(threads: 1)
        let two = pass.mean(threads: 2)
        #expect(one == two, "the shards and their order are fixed, so threads change nothing")
        let plain = Self.streamByStream(pass)
        // Products of other shapes round differently; a stream dropped or counted twice
        // would move the mean by far more.
        #expect(abs(one - plain) < 1e-5, "sharded \(one) against stream by stream \(plain)")
    }
}
