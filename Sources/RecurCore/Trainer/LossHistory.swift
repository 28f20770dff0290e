/// The losses of a run against the tokens trained on, for the loss curve (`--plot`);
/// kept in checkpoints so that a resumed run draws the whole curve.
///
/// Training losses are recorded every step. Every point averages the same number of
/// steps (the last may hold fewer); past `maximumTrainingPoints` neighbours are merged
/// pairwise and that number doubles, so a long run keeps a bounded curve thinned evenly
/// from its first step to its last.
public struct LossHistory: Sendable, Codable, Equatable {
    /// One point of a curve.
    public struct Point: Sendable, Codable, Equatable {
        /// Training tokens seen (steps × seq-len × batch).
        public var tokens: Int
        /// Loss in nats per token.
        public var loss: Double
        /// The step it was measured at (for a merged training point, the last one).
        public var step: Int
        /// How many steps a training point averages.
        var weight = 1

        enum CodingKeys: String, CodingKey {
            case tokens = "t", loss = "l", step = "s", weight = "w"
        }

        /// This point and the later `next` as one: the mean of their steps' losses, at `next`.
        func merged(with next: Point) -> Point {
            let weight = self.weight + next.weight
            return Point(
                tokens: next.tokens, loss: (loss * Double(self.weight) + next.loss * Double(next.weight)) / Double(weight),
                step: next.step, weight: weight)
        }
    }

    /// Training loss, a point per step or per merged run of steps.
    public private(set) var training: [Point] = []
    /// Validation loss, a point per validation.
    public private(set) var validation: [Point] = []

    /// Training points kept before neighbours are merged.
    static let maximumTrainingPoints = 1000

    /// An empty history.
    public init() {}

    mutating func recordTraining(loss: Double, step: Int, tokens: Int) {
        guard loss.isFinite else { return }
        let point = Point(tokens: tokens, loss: loss, step: step)
        if let last = training.last, last.weight < stepsPerPoint {
            training[training.count - 1] = last.merged(with: point)
            return
        }
        training.append(point)
        guard training.count > Self.maximumTrainingPoints else { return }
        training = stride(from: 0, to: training.count, by: 2).map { i in
            i + 1 < training.count ? training[i].merged(with: training[i + 1]) : training[i]
        }
    }

    /// Steps a training point averages: every point but the last holds that many. A history
    /// whose first points are heavier than its last (checkpoints of earlier versions of
    /// Recur hold such) goes on at the granularity of its recent points.
    var stepsPerPoint: Int {
        training.count >= 2 ? training[training.count - 2].weight : training.first?.weight ?? 1
    }

    mutating func recordValidation(loss: Double, step: Int, tokens: Int) {
        guard loss.isFinite, validation.last?.step != step else { return }
        validation.append(Point(tokens: tokens, loss: loss, step: step))
    }
}
