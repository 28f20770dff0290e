/// The recipe of a training run (`recur train`'s flags), recorded in checkpoints and in
/// the model's `training` metadata.
public struct TrainingConfiguration: Sendable, Codable, Equatable {
    /// The corpus file.
    public var corpus: String
    /// Text or notes.
    public var kind: Vocabulary.Kind = .text
    /// The recurrent cell.
    public var cell: CellKind = .lstm
    /// Stacked layers.
    public var layers = 2
    /// Hidden size.
    public var hidden = 256
    /// Embedding size, or nil for one-hot input.
    public var embedding: Int?
    /// BPTT window length.
    public var seqLen = 64
    /// Parallel streams.
    public var batch = 32
    /// Optimizer steps in all.
    public var steps = 1000
    /// When set, replaces `steps` by this many passes over the training text.
    public var epochs: Double?
    /// Adam learning rate.
    public var learningRate = 2e-3
    /// Adam β1, β2.
    public var beta1 = 0.9, beta2 = 0.999
    /// Global gradient-norm clip (0 = off).
    public var clip = 5.0
    /// Dropout between layers.
    public var dropout = 0.0
    /// Learning rate multiplier applied after every epoch.
    public var learningRateDecay = 1.0
    /// A separate validation file; when set, all of `corpus` is trained on and
    /// `validationFraction` is not used.
    public var validationCorpus: String?
    /// Held-out fraction at the end of the corpus.
    public var validationFraction = 0.05
    /// Validate every this many steps (and at the end).
    public var validateEvery = 200
    /// Seed for initialisation, dropout and everything random.
    public var seed: UInt64 = 1
    /// Stop after this many validations in a row without a lower loss (nil = never).
    public var patience: Int?
    /// The file stem of the model the run started from (`--init`), nil for random weights.
    public var initModel: String?
    /// The `data_sha256` of that model, so that a fine-tuned model names its exact parent.
    public var initSHA256: String?
    /// The model's description (`--description`), kept in checkpoints so that a resumed
    /// run writes the description it was started with.
    public var summary: String?

    /// Whether the model written at the end holds the weights of the lowest validation
    /// loss rather than the last ones. Stored only when set, so checkpoints written
    /// before the flag existed still read.
    public var keepBest: Bool {
        get { keepBestFlag ?? false }
        set { keepBestFlag = newValue ? true : nil }
    }
    private var keepBestFlag: Bool?

    /// Notes: voices sounding together, one step token each per 16th-note step (the
    /// model's encoding records it). Stored only above 1.
    public var voices: Int {
        get { voicesValue ?? 1 }
        set { voicesValue = newValue > 1 ? newValue : nil }
    }
    private var voicesValue: Int?

    /// Whether each stream's state is zeroed before every `<eos>` (notes corpora), so that
    /// every tune is learnt from the zero state sampling starts a tune from, and no tune
    /// leans on the one before it. A fresh notes run sets it; stored only when set, so a
    /// checkpoint written before it existed resumes carrying the state, as it was trained.
    public var resetsAtEndOfTune: Bool {
        get { resetFlag ?? false }
        set { resetFlag = newValue ? true : nil }
    }
    private var resetFlag: Bool?

    /// A configuration for `corpus` with the defaults.
    public init(corpus: String) {
        self.corpus = corpus
    }

    enum CodingKeys: String, CodingKey {
        case corpus, kind, cell, layers, hidden, embedding, batch, steps, epochs, clip, dropout, seed, beta1, beta2
        case seqLen = "seq_len", learningRate = "lr", learningRateDecay = "lr_decay"
        case validationFraction = "val_fraction", validationCorpus = "val_corpus", validateEvery = "validate_every"
        case patience, keepBestFlag = "keep_best", initModel = "init", initSHA256 = "init_data_sha256"
        case resetFlag = "reset_at_eos", voicesValue = "voices", summary = "description"
    }

    /// Checks the ranges, naming the setting to fix (as in the training metadata:
    /// `seq_len`, `lr` …; `recur train` names its flags instead).
    public func validate() throws(TrainingError) {
        func check(_ ok: Bool, _ setting: String, _ value: Any, _ rule: String) throws(TrainingError) {
            if !ok { throw TrainingError.badSetting(setting: setting, value: "\(value)", rule: rule) }
        }
        try check((1...16).contains(layers), "layers", layers, "between 1 and 16")
        try check((1...4096).contains(hidden), "hidden", hidden, "between 1 and 4096")
        try check(embedding.map { (1...4096).contains($0) } ?? true, "embedding", embedding ?? 0, "between 1 and 4096")
        try check((1...10_000).contains(seqLen), "seq_len", seqLen, "between 1 and 10000")
        try check((1...4096).contains(batch), "batch", batch, "between 1 and 4096")
        try check(steps >= 1, "steps", steps, "at least 1")
        try check(epochs.map { $0 > 0 && $0 <= 1_000_000 } ?? true, "epochs", epochs ?? 0, "greater than 0")
        try check(learningRate > 0 && learningRate < 10, "lr", learningRate, "greater than 0 and below 10")
        try check(clip >= 0 && clip.isFinite, "clip", clip, "0 (off) or a positive norm")
        try check(dropout >= 0 && dropout < 1, "dropout", dropout, "at least 0 and below 1")
        try check(
            learningRateDecay > 0 && learningRateDecay <= 1, "lr_decay", learningRateDecay, "greater than 0 and at most 1")
        try check(
            validationFraction >= 0 && validationFraction < 0.5, "val_fraction", validationFraction, "at least 0 and below 0.5")
        try check(validateEvery >= 1, "validate_every", validateEvery, "at least 1")
        try check(patience.map { $0 >= 1 } ?? true, "patience", patience ?? 0, "at least 1 (validations without improvement)")
        try check((1...16).contains(voices), "voices", voices, "between 1 and 16")
        try check(voices == 1 || kind == .notes, "voices", voices, "1 for a text corpus (several voices are notes)")
        try check(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "beta", "\(beta1),\(beta2)", "in [0, 1)")
    }
}

/// Why training could not start or continue.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting is out of range (named as in the training metadata, e.g. `seq_len`).
    case badSetting(setting: String, value: String, rule: String)
    /// The corpus cannot be used.
    case corpus(CorpusError)
    /// A checkpoint cannot be read or does not fit.
    case checkpoint(path: String, problem: String)
    /// A file could not be written.
    case write(FileWriteError)
    /// A setting (`keep_best`, `patience`) needs validation tokens and the held-out part
    /// has too few.
    case needsValidation(setting: String, tokens: Int, needed: Int)
    /// A shape setting disagrees with the model training starts from (`init`).
    case initConflict(model: String, has: String, setting: String, given: String)

    public var description: String { description(naming: { $0 }) }

    /// The message with each setting written by `name` — the identity in the library;
    /// `recur train` passes its flags (`seq_len` → `--seq-len`).
    public func description(naming name: (String) -> String) -> String {
        switch self {
        case .badSetting(let setting, let value, let rule): "\(name(setting)) \(value) is out of range: it must be \(rule)"
        case .corpus(let error): error.description(naming: name)
        case .checkpoint(let path, let problem): "\(path): \(problem)"
        case .write(let error): error.description
        case .needsValidation(let setting, let tokens, let needed):
            "\(name(setting)) needs a validation loss, but the held-out part has \(tokens) tokens and one validation window needs \(needed) (\(name("seq_len")) + 1); raise \(name("val_fraction")) or give \(name("val_corpus")) FILE"
        case .initConflict(let model, let has, let setting, let given):
            "\(name("init")) \(model) has \(has) but \(name(setting)) \(given) was given; drop \(name(setting))"
        }
    }
}
