import Foundation

/// Where a training run stands, for progress bars and logs.
public struct TrainingProgress: Sendable {
    /// Steps done and in all.
    public var step: Int, steps: Int
    /// 1-based epoch.
    public var epoch: Int
    /// Mean training loss over the last steps (nats per token).
    public var trainLoss: Double
    /// The last validation loss, if any.
    public var validationLoss: Double?
    /// The lowest validation loss so far and its step.
    public var bestValidationLoss: Double?, bestStep: Int?
    /// Training tokens per second (windows × seq-len × batch over training time).
    public var tokensPerSecond: Double
    /// Training seconds so far (excluding validation and checkpoints).
    public var seconds: Double
}

/// Trains a network on a corpus with truncated BPTT, Adam and gradient clipping
/// (DESIGN.md §2), and can stop at any step and continue from a checkpoint with the
/// same result as an uninterrupted run.
///
/// One window of `seqLen` tokens from each of `batch` streams per step; the hidden
/// state is carried across windows and reset at each epoch, and for notes at each
/// `<eos>` (`resetsAtEndOfTune`). Validation runs the held-out tokens through the same
/// number of streams, from the zero state, with the same resets.
public struct Trainer: Sendable {
    /// The recipe.
    public private(set) var configuration: TrainingConfiguration
    /// The corpus.
    public let corpus: TrainingCorpus
    /// Cores used for a step (the result does not depend on it).
    public var threads = 2
    /// The weights being trained.
    public private(set) var network: RecurrentNetwork
    /// Steps taken.
    public private(set) var step = 0
    /// The last validation loss.
    public private(set) var validationLoss: Double?
    /// The lowest validation loss so far, its step, and (with `keepBest`) its weights.
    public private(set) var best = BestValidation()
    /// The training and validation losses so far, for the loss curve.
    public private(set) var history = LossHistory()

    private var optimizer: AdamOptimizer
    private var random: SampleRandom
    private var state: NetworkState
    private let reader: WindowReader
    private let parameters: ParameterList
    private var epoch = 0
    private var window = 0
    private var learningRate: Double
    private var seconds = 0.0
    private var recentLosses: [Double] = []
    private var validatedStep: Int?

    /// A fresh run: corpus read and split, weights initialised from the seed — or, with
    /// `initial`, that model's weights, its vocabulary extended by the corpus's new tokens.
    public init(configuration recipe: TrainingConfiguration, startingFrom initial: InitialModel? = nil) throws(TrainingError) {
        try recipe.validate()
        var configuration = try initial?.verified(recipe) ?? recipe
        if configuration.kind == .notes { configuration.resetsAtEndOfTune = true }
        let corpus = try Self.readCorpus(configuration, extending: initial?.model.vocabulary)
        var random = SampleRandom(seed: configuration.seed, index: 0)
        let network: RecurrentNetwork
        if let initial {
            network = initial.network(for: corpus.vocabulary, random: &random)
        } else {
            let shape = RecurrentNetwork(
                cell: configuration.cell, vocabularySize: corpus.vocabulary.count, hiddenSize: configuration.hidden,
                layerCount: configuration.layers, embeddingSize: configuration.embedding)
            network = RecurrentNetwork.initialized(shape, random: &random)
        }
        try self.init(
            configuration: configuration, corpus: corpus, network: network,
            optimizer: AdamOptimizer(for: network, beta1: configuration.beta1, beta2: configuration.beta2), random: random)
    }

    /// Continues the run saved in `checkpoint`. `steps` and `patience`, when given,
    /// replace the saved ones; `keepBest` can turn keeping the best weights on.
    public init(resuming checkpoint: String, steps: Int? = nil, patience: Int? = nil, keepBest: Bool = false)
        throws(TrainingError)
    {
        let saved = try CheckpointFile.read(checkpoint)
        var configuration = saved.state.configuration
        if let steps { configuration.steps = steps }
        if let patience { configuration.patience = patience }
        if keepBest { configuration.keepBest = true }
        try configuration.validate()
        // A fine-tuned run's vocabulary starts with its parent's tokens; the checkpoint has them.
        let corpus: TrainingCorpus
        do {
            corpus = try Self.readCorpus(configuration, extending: configuration.initModel != nil ? saved.vocabulary : nil)
        } catch {
            if case .corpus(let problem) = error, !FileManager.default.fileExists(atPath: problem.path) {
                let relative = problem.path.hasPrefix("/") ? "" : " (relative to the directory the run started in)"
                throw .checkpoint(
                    path: checkpoint,
                    problem:
                        "the run's corpus \(problem.path)\(relative), recorded in the checkpoint, is not there; resume where the run started, or put the same file at that path"
                )
            }
            throw error
        }
        guard corpus.sha256 == saved.state.corpusSHA256, corpus.vocabulary == saved.vocabulary else {
            throw .checkpoint(
                path: checkpoint,
                problem: "the corpus \(configuration.corpus) changed since the checkpoint was written; resume needs the same file"
            )
        }
        guard let random = SampleRandom(state: saved.state.random.compactMap { UInt64($0) }) else {
            throw .checkpoint(path: checkpoint, problem: "has no valid random state")
        }
        try self.init(
            configuration: configuration, corpus: corpus, network: saved.network, optimizer: saved.optimizer, random: random)
        // A run that starts keeping the best weights on resume counts the best from here.
        if !configuration.keepBest || saved.best.network != nil { best = saved.best }
        history = saved.state.history ?? LossHistory()
        step = saved.state.step
        epoch = saved.state.epoch
        window = saved.state.window
        learningRate = saved.state.learningRate
        seconds = saved.state.seconds
        recentLosses = saved.state.recentLosses
        validationLoss = saved.state.validationLoss
        state = saved.carried
    }

    private static func readCorpus(_ configuration: TrainingConfiguration, extending base: Vocabulary?) throws(TrainingError)
        -> TrainingCorpus
    {
        do {
            return try TrainingCorpus(
                path: configuration.corpus, validationPath: configuration.validationCorpus,
                kind: configuration.kind, validationFraction: configuration.validationFraction, extending: base)
        } catch { throw .corpus(error) }
    }

    private init(
        configuration: TrainingConfiguration, corpus: TrainingCorpus, network: RecurrentNetwork,
        optimizer: AdamOptimizer, random: SampleRandom
    ) throws(TrainingError) {
        do {
            reader = try WindowReader(
                ids: corpus.training, batch: configuration.batch, steps: configuration.seqLen, label: configuration.corpus)
        } catch { throw .corpus(error) }
        self.configuration = configuration
        if let epochs = configuration.epochs {
            self.configuration.steps = max(1, Int((epochs * Double(reader.windowsPerEpoch)).rounded()))
            self.configuration.epochs = nil
        }
        self.corpus = corpus
        self.network = network
        self.optimizer = optimizer
        self.random = random
        parameters = ParameterList(for: network)
        state = NetworkState(for: network, batch: configuration.batch)
        learningRate = configuration.learningRate
        let needed = configuration.seqLen + 1
        if corpus.validation.count < needed,
            let setting = configuration.keepBest ? "keep_best" : configuration.patience.map({ _ in "patience" })
        {
            throw .needsValidation(setting: setting, tokens: corpus.validation.count, needed: needed)
        }
    }

    /// Whether all steps are done, or `patience` validations in a row did not improve.
    public var isFinished: Bool { step >= configuration.steps || stoppedEarly }

    /// Whether the run ends before its last step because validation stopped improving.
    public var stoppedEarly: Bool {
        configuration.patience.map { best.validationsSinceBest >= $0 } ?? false
    }

    /// Windows in one epoch.
    public var windowsPerEpoch: Int { reader.windowsPerEpoch }

    /// Runs one optimizer step and returns its training loss.
    @discardableResult
    public mutating func runStep() -> Double {
        let clock = ContinuousClock()
        let started = clock.now
        if window >= reader.windowsPerEpoch {
            window = 0
            epoch += 1
            learningRate *= configuration.learningRateDecay
            state = NetworkState(for: network, batch: configuration.batch)
        }
        let (inputs, targets) = reader.window(window)
        let batch = TrainingWindow(
            inputs: inputs, targets: targets, steps: configuration.seqLen, batch: configuration.batch, resetToken: resetToken)
        let (loss, gradients) = ShardedStep.run(
            network: network, window: batch, state: &state, dropout: Float(configuration.dropout), random: &random,
            threads: threads, parameters: parameters)
        var scale: Float = 1
        if configuration.clip > 0 {
            let norm = AdamOptimizer.norm(of: gradients, list: parameters)
            if norm > configuration.clip { scale = Float(configuration.clip / (norm + 1e-6)) }
        }
        optimizer.update(
            &network, gradients: gradients, list: parameters, learningRate: learningRate, scale: scale,
            threads: threads)
        window += 1
        step += 1
        recentLosses.append(loss)
        history.recordTraining(loss: loss, step: step, tokens: tokensSeen)
        if recentLosses.count > 100 { recentLosses.removeFirst(recentLosses.count - 100) }
        let elapsed = clock.now - started
        seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return loss
    }

    /// Mean cross-entropy on the held-out tokens (nil when there are too few), computed
    /// with up to `batch` streams from the zero state (`HeldOutLoss`), and counted towards
    /// the best loss and the patience (once per step).
    @discardableResult
    public mutating func validate() -> Double? {
        let loss = heldOutLoss()
        if let loss, validatedStep != step {
            best.record(loss: loss, step: step, network: network, keepWeights: configuration.keepBest)
            history.recordValidation(loss: loss, step: step, tokens: tokensSeen)
        }
        validatedStep = step
        return loss
    }

    private mutating func heldOutLoss() -> Double? {
        let streams = min(configuration.batch, corpus.validation.count / (configuration.seqLen + 1))
        guard streams >= 1 else {
            validationLoss = nil
            return nil
        }
        let pass = HeldOutLoss(
            network: network, ids: corpus.validation, streams: streams, seqLen: configuration.seqLen,
            resetToken: resetToken)
        validationLoss = pass.mean(threads: threads)
        return validationLoss
    }

    /// The token before which a stream's state is zeroed, if the recipe resets.
    private var resetToken: Int? {
        configuration.resetsAtEndOfTune ? corpus.vocabulary.id(of: Vocabulary.endOfTune) : nil
    }

    /// Training tokens seen so far: steps × seq-len × batch.
    public var tokensSeen: Int { step * configuration.seqLen * configuration.batch }

    /// The current progress.
    public var progress: TrainingProgress {
        let tokens = Double(tokensSeen)
        return TrainingProgress(
            step: step, steps: configuration.steps, epoch: epoch + 1,
            trainLoss: recentLosses.isEmpty ? .nan : recentLosses.reduce(0, +) / Double(recentLosses.count),
            validationLoss: validationLoss, bestValidationLoss: best.loss, bestStep: best.step,
            tokensPerSecond: seconds > 0 ? tokens / seconds : 0, seconds: seconds)
    }

    /// Writes a checkpoint atomically.
    public func saveCheckpoint(to path: String) throws(TrainingError) {
        let saved = CheckpointState(
            configuration: configuration, corpusSHA256: corpus.sha256, step: step, epoch: epoch, window: window,
            adamSteps: optimizer.t, learningRate: learningRate, random: random.state.map(String.init), seconds: seconds,
            recentLosses: recentLosses, validationLoss: validationLoss, bestLoss: best.loss, bestStep: best.step,
            validationsSinceBest: best.validationsSinceBest, history: history)
        try CheckpointFile.write(
            network: network, best: best.network, optimizer: optimizer, carried: state,
            vocabulary: corpus.vocabulary, state: saved, to: path)
    }

    /// The trained model — with `keepBest`, the weights of the lowest validation loss —
    /// and the `training` metadata of DESIGN.md §3.
    public func model(name: String, summary: String) -> RecurModel {
        let p = progress
        var training: [String: Any] = [
            "corpus": (configuration.corpus as NSString).lastPathComponent, "corpus_sha256": corpus.sha256,
            "cell": configuration.cell.rawValue, "layers": configuration.layers, "hidden": configuration.hidden,
            "seq_len": configuration.seqLen, "batch": configuration.batch, "steps": step,
            "epochs": Double(step) / Double(max(1, reader.windowsPerEpoch)),
            "lr": configuration.learningRate, "lr_decay": configuration.learningRateDecay, "clip": configuration.clip,
            "dropout": configuration.dropout, "val_fraction": configuration.validationFraction, "seed": configuration.seed,
            "seconds": (p.seconds * 10).rounded() / 10, "train_loss": p.trainLoss,
            "tokens_per_second": p.tokensPerSecond.rounded(),
            "optimizer": "adam", "train_tokens": corpus.training.count, "val_tokens": corpus.validation.count,
        ]
        training["embedding"] = configuration.embedding
        training["val_corpus"] = configuration.validationCorpus.map { ($0 as NSString).lastPathComponent }
        if configuration.validationCorpus != nil { training["val_fraction"] = nil }
        training["val_loss"] = validationLoss
        training["init"] = configuration.initModel
        training["init_data_sha256"] = configuration.initSHA256
        training["patience"] = configuration.patience
        if configuration.resetsAtEndOfTune { training["reset_at_eos"] = true }
        if configuration.voices > 1 { training["voices"] = configuration.voices }
        if configuration.patience != nil { training["stopped_early"] = stoppedEarly }
        var weights = network
        if configuration.keepBest, let kept = best.network {
            weights = kept
            training["keep_best"] = true
            training["val_loss"] = best.loss
            training["best_step"] = best.step
        }
        let json = (try? JSONSerialization.data(withJSONObject: training, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) }
        return RecurModel(network: weights, vocabulary: corpus.vocabulary, name: name, summary: summary, trainingJSON: json)
    }
}
