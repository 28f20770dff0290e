/// One window of truncated backpropagation through time: `steps` time steps of `batch`
/// parallel streams of the corpus.
///
/// The layout is time-major, like `RecurrentNetwork.forward`'s tokens, so that the rows of
/// one step are adjacent and the per-step `[batch × H]` products need no gathering.
public struct TrainingWindow: Sendable, Equatable {
    /// Input token ids, `inputs[t * batch + b]`, each in `0..<V`.
    public var inputs: [Int]
    /// The token that follows each input in its stream (what the model must predict), same layout.
    public var targets: [Int]
    /// Time steps T.
    public var steps: Int
    /// Parallel streams B.
    public var batch: Int
    /// A stream's state is zeroed before every step whose input is this token (`<eos>`
    /// for tunes), so that each piece starts as sampling starts it: from the zero state.
    /// Nil carries the state through every token. No gradient flows across a reset.
    public var resetToken: Int?

    /// A window; `inputs` and `targets` must each hold `steps × batch` ids.
    ///
    /// The trainer builds windows from a tokenized corpus, so a size mismatch is a
    /// programming error, not bad user input, and stops the program.
    public init(inputs: [Int], targets: [Int], steps: Int, batch: Int, resetToken: Int? = nil) {
        precondition(steps >= 0 && batch >= 0, "steps and batch must not be negative")
        precondition(inputs.count == steps * batch, "need steps × batch = \(steps * batch) inputs, got \(inputs.count)")
        precondition(targets.count == inputs.count, "need as many targets as inputs")
        self.inputs = inputs
        self.targets = targets
        self.steps = steps
        self.batch = batch
        self.resetToken = resetToken
    }

    /// The streams whose state is zeroed before step `t`; empty without a reset token.
    func resetRows(atStep t: Int) -> [Int] {
        guard let resetToken else { return [] }
        return (0..<batch).filter { inputs[t * batch + $0] == resetToken }
    }

    /// The number of predictions, `steps × batch`, over which the loss is averaged.
    public var positions: Int { steps * batch }
}
