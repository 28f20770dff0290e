import Foundation

/// Why a corpus cannot be trained on.
public struct CorpusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The corpus file.
    public let path: String
    /// What is wrong and what to do.
    public let problem: String
    /// The training settings `problem` names (`batch`, `seq_len` …), so that a command
    /// line can name its flags instead.
    public var settings: [String] = []

    /// An error about `path`.
    public init(path: String, problem: String, settings: [String] = []) {
        self.path = path
        self.problem = problem
        self.settings = settings
    }

    public var description: String { description(naming: { $0 }) }

    /// The message with each of `settings` written by `name`.
    public func description(naming name: (String) -> String) -> String {
        var text = problem
        for setting in settings {
            text = text.replacingOccurrences(
                of: "\\b\(setting)\\b", with: name(setting), options: .regularExpression)
        }
        return "\(path): \(text)"
    }
}

/// A training corpus: its vocabulary, and its tokens split into a training part and a
/// held-out validation part.
///
/// The validation part is the *end* of the corpus (`validationFraction` of the tokens),
/// so that it is text the model has not seen — not a random sample of windows that
/// overlap the training text.
public struct TrainingCorpus: Sendable {
    /// The vocabulary built from the whole corpus: text — its distinct characters
    /// (Unicode scalars) in code-point order; notes — `<eos>`, `r`, `-`, then the
    /// other names, notes sorted by pitch.
    public let vocabulary: Vocabulary
    /// Token ids used for training.
    public let training: [Int]
    /// Token ids held out for validation (may be empty when the fraction is 0).
    public let validation: [Int]
    /// SHA-256 of the file's bytes, recorded in the model's training metadata.
    public let sha256: String

    /// Reads and splits a corpus file, or — with `validationPath` — trains on all of `path`
    /// and validates on the other file (for example whole held-out plays). The vocabulary
    /// then covers both files, so that validation never meets an unknown token.
    ///
    /// With `base` (fine-tuning), the vocabulary is `base`'s tokens, in order, followed by
    /// the corpus's tokens that `base` lacks, so that a trained model's ids stay valid.
    public init(
        path: String, validationPath: String? = nil, kind: Vocabulary.Kind, validationFraction: Double,
        extending base: Vocabulary? = nil
    ) throws(CorpusError) {
        let text = try Self.readText(path)
        guard let validationPath else {
            try self.init(text: text, path: path, kind: kind, validationFraction: validationFraction, extending: base)
            return
        }
        let held = try Self.readText(validationPath)
        let vocabulary = try Self.vocabulary(of: text + "\n" + held, path: path, kind: kind, extending: base)
        let validation = vocabulary.encode(held).ids
        guard !validation.isEmpty else {
            throw CorpusError(path: validationPath, problem: "has no tokens to validate on; give a non-empty validation file")
        }
        self.init(
            vocabulary: vocabulary, training: vocabulary.encode(text).ids, validation: validation,
            sha256: RecurModel.sha256(Data((text + "\u{0}" + held).utf8)))
    }

    private init(vocabulary: Vocabulary, training: [Int], validation: [Int], sha256: String) {
        self.vocabulary = vocabulary
        self.training = training
        self.validation = validation
        self.sha256 = sha256
    }

    private static func readText(_ path: String) throws(CorpusError) -> String {
        let data: Data
        do {
            data = try FileReading.read(path)
        } catch {
            throw CorpusError(path: path, problem: "cannot be read (\(error.reason)); give a UTF-8 text file")
        }
        guard !data.isEmpty else { throw CorpusError(path: path, problem: "is empty; give a text file to learn from") }
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else {
            throw CorpusError(path: path, problem: "is not UTF-8 text (it looks binary); convert it to UTF-8 text first")
        }
        return text
    }

    /// Splits corpus text; `path` only labels errors.
    public init(
        text: String, path: String, kind: Vocabulary.Kind, validationFraction: Double,
        extending base: Vocabulary? = nil
    ) throws(CorpusError) {
        guard validationFraction >= 0, validationFraction < 0.5 else {
            throw CorpusError(
                path: path, problem: "val_fraction \(validationFraction) must be at least 0 and below 0.5",
                settings: ["val_fraction"])
        }
        let vocabulary = try Self.vocabulary(of: text, path: path, kind: kind, extending: base)
        let ids = vocabulary.encode(text).ids
        let held = Int((Double(ids.count) * validationFraction).rounded())
        self.init(
            vocabulary: vocabulary, training: Array(ids[..<(ids.count - held)]), validation: Array(ids[(ids.count - held)...]),
            sha256: RecurModel.sha256(Data(text.utf8)))
    }

    private static func vocabulary(
        of text: String, path: String, kind: Vocabulary.Kind,
        extending base: Vocabulary?
    ) throws(CorpusError) -> Vocabulary {
        var tokens: [String]
        switch kind {
        case .text:
            tokens = Set(text.unicodeScalars).sorted { $0.value < $1.value }.map { String($0) }
        case .notes:
            let words = text.split(whereSeparator: \.isWhitespace)
            let steps = words.count(where: Self.isStep)
            let counted = words.count(where: { $0 != Vocabulary.endOfTune })
            if counted > 0 && steps * 2 < counted {
                throw CorpusError(
                    path: path,
                    problem:
                        "has \(counted) tokens, of which only \(steps) are notes, holds or rests (n60, -, r): it does not look like a notes corpus (docs/MUSIC.md); text is trained with --kind text, not from a notes model"
                )
            }
            var names = Set(words.map(String.init))
            names.remove(Vocabulary.endOfTune)
            tokens = [Vocabulary.endOfTune] + names.sorted(by: Self.noteOrder)
        }
        if let base {
            tokens = base.tokens + tokens.filter { base.id(of: $0) == nil }
        }
        guard tokens.count >= 2 else {
            throw CorpusError(
                path: path,
                problem:
                    "has \(tokens.count == 1 && kind == .text ? "only one distinct character" : "no tokens"); a model needs at least two different tokens to learn anything"
            )
        }
        guard let vocabulary = Vocabulary(kind: kind, tokens: tokens) else {
            throw CorpusError(path: path, problem: "produced an invalid vocabulary")
        }
        return vocabulary
    }

    /// Whether a notes token is a time step: a note `n<midi>`, a hold `-` or a rest `r`.
    static func isStep(_ token: Substring) -> Bool {
        token == "-" || token == "r"
            || (token.hasPrefix("n") && token.count > 1 && token.dropFirst().allSatisfy { $0.isASCII && $0.isNumber })
    }

    /// `<eos>`, `r`, `-`, then notes by pitch, then anything else by name.
    static func noteOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ name: String) -> (Int, Int, String) {
            switch name {
            case "r": return (0, 0, name)
            case "-": return (1, 0, name)
            default:
                if name.hasPrefix("n"), let pitch = Int(name.dropFirst()) { return (2, pitch, name) }
                return (3, 0, name)
            }
        }
        return rank(a) < rank(b)
    }
}

/// The training tokens cut into `batch` parallel streams, read in consecutive windows
/// of `steps` tokens so that the hidden state can be carried from one window to the
/// next (truncated BPTT). Stream b holds tokens `[b·L, (b+1)·L)` with `L = n / batch`.
public struct WindowReader: Sendable {
    /// Rows per window.
    public let batch: Int
    /// Time steps per window.
    public let steps: Int
    /// Tokens per stream.
    public let streamLength: Int
    /// Windows in one pass over the data (an epoch).
    public var windowsPerEpoch: Int { (streamLength - 1) / steps }

    private let ids: [Int]

    /// Prepares the streams; fails when the data cannot fill one window.
    public init(ids: [Int], batch: Int, steps: Int, label: String) throws(CorpusError) {
        guard batch >= 1, steps >= 1 else {
            throw CorpusError(path: label, problem: "batch and seq_len must be at least 1", settings: ["batch", "seq_len"])
        }
        let length = ids.count / batch
        guard length >= steps + 1 else {
            throw CorpusError(
                path: label,
                problem:
                    "has \(ids.count) tokens, too few for batch \(batch) streams of seq_len \(steps) + 1; lower batch or seq_len, or use a bigger corpus (needs at least \(batch * (steps + 1)))",
                settings: ["batch", "seq_len"])
        }
        self.ids = ids
        self.batch = batch
        self.steps = steps
        streamLength = length
    }

    /// Window `index` (0-based within an epoch), time-major.
    public func window(_ index: Int) -> (inputs: [Int], targets: [Int]) {
        var inputs = [Int](repeating: 0, count: steps * batch)
        var targets = inputs
        let start = index * steps
        for t in 0..<steps {
            for b in 0..<batch {
                let position = b * streamLength + start + t
                inputs[t * batch + b] = ids[position]
                targets[t * batch + b] = ids[position + 1]
            }
        }
        return (inputs, targets)
    }
}
