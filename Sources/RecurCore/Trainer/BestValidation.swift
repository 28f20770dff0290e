/// The lowest validation loss of a run, the step it was measured at and — with
/// `--keep-best` — the weights that scored it; and how many validations have passed
/// since, which `--patience` compares against.
///
/// Only a strictly lower loss counts as an improvement, so a plateau uses up patience.
public struct BestValidation: Sendable, Equatable {
    /// The lowest validation loss seen, nil before the first validation.
    public private(set) var loss: Double?
    /// The step whose weights scored `loss`.
    public private(set) var step: Int?
    /// The weights that scored `loss`, when the run keeps them.
    public private(set) var network: RecurrentNetwork?
    /// Validations since the best one that did not improve on it.
    public private(set) var validationsSinceBest = 0

    /// Nothing validated yet.
    public init() {}

    /// A record restored from a checkpoint.
    init(loss: Double?, step: Int?, network: RecurrentNetwork?, validationsSinceBest: Int) {
        self.loss = loss
        self.step = step
        self.network = network
        self.validationsSinceBest = validationsSinceBest
    }

    /// Counts one validation of `network` at `step`; keeps the weights when asked to
    /// and the loss is a new best. Returns whether it was one.
    @discardableResult
    mutating func record(loss newLoss: Double, step newStep: Int, network weights: RecurrentNetwork, keepWeights: Bool) -> Bool {
        guard newLoss.isFinite, loss.map({ newLoss < $0 }) ?? true else {
            validationsSinceBest += 1
            return false
        }
        loss = newLoss
        step = newStep
        network = keepWeights ? weights : nil
        validationsSinceBest = 0
        return true
    }
}
