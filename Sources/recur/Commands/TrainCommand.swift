import ArgumentParser
import Foundation
import RecurCore
import RecurMusic

/// `recur train`: a model from a corpus, with checkpoints and resume.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a text or notes corpus (BPTT, Adam, gradient clipping).",
        discussion: """
            The last --val-fraction of the corpus is held out for validation (or, with \
            --val-corpus, a separate file). The rest is cut \
            into --batch parallel streams read in windows of --seq-len tokens, the hidden state \
            carried from window to window. A checkpoint (weights, Adam state, data position, \
            random state) is written every --checkpoint-every steps and on SIGINT/SIGTERM; \
            --resume CKPT continues exactly where it stopped. The model is written to --out \
            when training ends: the last weights, or with --keep-best those of the lowest \
            validation loss. --patience N stops after N validations without a lower loss.
            """)

    @Option(help: ArgumentHelp("UTF-8 text file (notes: one tune of tokens per line).", valueName: "file")) var corpus: String?
    @Option(help: "text or notes (default text).") var kind: String?
    @Option(help: "lstm, gru or rnn (default lstm).") var cell: String?
    @Option(
        help: ArgumentHelp(
            "Notes: voices sounding together; each step is one token per voice, the highest first (default 1).",
            valueName: "n"))
    var voices: Int?
    @Option(help: "Stacked recurrent layers (default 2).") var layers: Int?
    @Option(help: "Hidden units per layer (default 256).") var hidden: Int?
    @Option(help: "Embedding size (default: one-hot input).") var embedding: Int?
    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            "Start from this model's weights (a name or a path); its kind, cell, layers, hidden and embedding are used.",
            valueName: "model"))
    var initialModel: String?
    @OptionGroup var models: ModelsDirectoryOption
    @Option(help: "Tokens per BPTT window (default 64).") var seqLen: Int?
    @Option(help: "Parallel streams per step (default 32).") var batch: Int?
    @Option(help: "Optimizer steps (default 1000 unless --epochs is given).") var steps: Int?
    @Option(help: "Passes over the training text (instead of --steps).") var epochs: Double?
    @Option(help: "Adam learning rate (default 0.002).") var lr: Double?
    @Option(help: "Multiply the learning rate by this after every epoch (default 1).") var lrDecay: Double?
    @Option(help: "Clip the global gradient norm to this (0 = off; default 5).") var clip: Double?
    @Option(help: "Dropout between layers, 0…<1 (default 0).") var dropout: Double?
    @Option(help: "Fraction of the corpus, from its end, held out for validation (default 0.05).") var valFraction: Double?
    @Option(
        help: ArgumentHelp(
            "Validate on this file instead of the end of the corpus (trains on all of --corpus).", valueName: "file"))
    var valCorpus: String?
    @Option(help: "Validate every N steps, and at the end (default 200).") var validateEvery: Int?
    @Flag(help: "Write the weights of the lowest validation loss to --out, not the last ones.") var keepBest = false
    @Option(help: "Stop after N validations in a row without a lower validation loss.") var patience: Int?
    @Option(help: "Random seed for initialisation and dropout (default 1).") var seed: UInt64?
    @Option(help: ArgumentHelp("Continue from this checkpoint (the other recipe flags come from it).", valueName: "ckpt"))
    var resume: String?
    @Option(help: ArgumentHelp("Where to write the model (.safetensors).", valueName: "path")) var out: String
    @Option(help: ArgumentHelp("Checkpoint file (default: OUT with .ckpt).", valueName: "path")) var checkpoint: String?
    @Option(help: "Write a checkpoint every N steps.") var checkpointEvery: Int = 500
    @Option(help: "Off a terminal, log one line every N steps.") var logEvery: Int = 50
    @Option(help: "Print a short sample (fixed seed) every N steps: on stderr, or a JSON line with --json.") var sampleEvery: Int?
    @Option(
        help: ArgumentHelp(
            "Draw the training and validation loss curves to this SVG file as training goes.", valueName: "file.svg"))
    var plot: String?
    @Option(help: "Model description for `recur models` (kept in the checkpoint, so --resume writes it too).")
    var description: String?
    @OptionGroup var threads: ThreadsOption
    @Flag(
        help:
            "Print one JSON object at the end (model, checkpoint, tokens_per_second, train_loss, val_loss, best_val_loss, best_step, stopped_early, steps, seconds), after a JSON line per --sample-every sample."
    )
    var json = false

    func validate() throws {
        if resume == nil && corpus == nil { throw ValidationError("give --corpus FILE (or --resume CKPT)") }
        if resume != nil && initialModel != nil {
            throw ValidationError(
                "--init starts a new run and --resume continues one (its checkpoint holds the weights); give one of them")
        }
        if resume != nil, let first = recipeFlagsGiven.first {
            throw ValidationError(
                "\(first) is part of the recipe, which --resume takes from the checkpoint; drop \(recipeFlagsGiven.joined(separator: ", ")) (with --resume only --steps, --patience and --keep-best may change it)"
            )
        }
        if steps != nil && epochs != nil { throw ValidationError("give --steps or --epochs, not both") }
        if checkpointEvery < 1 || logEvery < 1 { throw ValidationError("--checkpoint-every and --log-every must be at least 1") }
        if let sampleEvery, sampleEvery < 1 { throw ValidationError("--sample-every must be at least 1, got \(sampleEvery)") }
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file, got \(plot)") }
        if let patience, patience < 1 {
            throw ValidationError("--patience must be at least 1 (validations without improvement), got \(patience)")
        }
        if !out.hasSuffix(".safetensors") { throw ValidationError("--out must name a .safetensors file, got \(out)") }
        if let checkpoint, checkpoint == out || checkpoint == plot {
            throw ValidationError("--checkpoint must be a file of its own, not the --out or --plot file (\(checkpoint))")
        }
        if let plot, plot == out { throw ValidationError("--plot and --out name the same file (\(plot))") }
    }

    /// The recipe flags given, which a resumed run cannot take: its recipe is the checkpoint's.
    private var recipeFlagsGiven: [String] {
        let given: [(String, Any?)] = [
            ("--corpus", corpus), ("--kind", kind), ("--cell", cell), ("--voices", voices), ("--layers", layers),
            ("--hidden", hidden), ("--embedding", embedding), ("--seq-len", seqLen), ("--batch", batch),
            ("--epochs", epochs), ("--lr", lr), ("--lr-decay", lrDecay), ("--clip", clip), ("--dropout", dropout),
            ("--val-fraction", valFraction), ("--val-corpus", valCorpus), ("--validate-every", validateEvery),
            ("--seed", seed), ("--description", description),
        ]
        return given.filter { $0.1 != nil }.map(\.0)
    }

    func run() throws {
        // The library names its settings (`seq_len`); here they are flags (`--seq-len`).
        let flag = { (setting: String) in "--" + setting.replacingOccurrences(of: "_", with: "-") }
        do {
            try train()
        } catch let error as TrainingError {
            throw InputError(description: error.description(naming: flag))
        } catch let error as CorpusError {
            throw InputError(description: error.description(naming: flag))
        }
    }

    private func train() throws {
        threads.keepBLASSingleThreaded()
        HeapTuning.keepLargeAllocationsInHeap()
        let checkpointPath = checkpoint ?? String(out.dropLast(".safetensors".count)) + ".ckpt"
        // Where the run's work goes must take it before the first step, not after the last.
        try requireWritableFile(out, flag: "--out")
        try requireWritableFile(checkpointPath, flag: checkpoint == nil ? "the checkpoint (--out with .ckpt)" : "--checkpoint")
        var trainer = try makeTrainer()
        trainer.threads = threads.count
        let stop = SignalWatcher(signals: [SIGINT, SIGTERM])
        let c = trainer.configuration
        // A corpus of several voices is checked once, before the first step; its ranges go
        // into the model's encoding.
        let voiceRanges = c.voices > 1 ? try Self.voiceRanges(of: c.corpus, voices: c.voices) : []
        if c.voices > 1, let valCorpus = c.validationCorpus { _ = try Self.voiceRanges(of: valCorpus, voices: c.voices) }
        if !json {
            note(
                "training \(c.cell.rawValue.uppercased()) \(c.layers)×\(c.hidden) on \(c.corpus): \(formatCount(trainer.corpus.training.count)) training and \(formatCount(trainer.corpus.validation.count)) validation tokens, vocabulary \(trainer.corpus.vocabulary.count), \(trainer.windowsPerEpoch) steps per epoch"
            )
        }
        if c.kind == .notes {
            let markers = NoteEncoding(vocabulary: trainer.corpus.vocabulary.tokens, voices: c.voices).markers
            if !markers.isEmpty {
                note(
                    "warning: \(markers.count) token(s) of the corpus are neither notes, holds, rests nor headers, and become markers that take no time: \(markers.prefix(10).joined(separator: " "))\(markers.count > 10 ? " …" : ""); if they are typos, fix the corpus"
                )
            }
        }
        let terminal = isatty(STDERR_FILENO) == 1
        let bar = ProgressBar(total: c.steps, unit: "steps", enabled: terminal)
        let samples = sampleEvery.map { ($0, SampleReporter(json: json, bar: bar)) }
        let title =
            ((out as NSString).lastPathComponent as NSString).deletingPathExtension
            + ": \(c.cell.rawValue.uppercased()) \(c.layers)×\(c.hidden) on \((c.corpus as NSString).lastPathComponent)"
            + (c.initModel.map { ", from \($0)" } ?? "")
        let plotter = plot.map { LossPlotWriter(path: $0, title: title) }
        try plotter?.draw(trainer)  // a path that cannot be written fails now, not after an hour
        while !trainer.isFinished {
            if let signal = stop.signalReceived {
                bar.finish()
                try trainer.saveCheckpoint(to: checkpointPath)
                redraw(plotter, trainer)
                note(
                    "stopped by signal \(signal) at step \(trainer.step); checkpoint written to \(checkpointPath); continue with --resume \(checkpointPath)"
                )
                throw ExitCode(128 + signal)
            }
            trainer.runStep()
            let step = trainer.step
            let validating = step % c.validateEvery == 0 || trainer.isFinished
            if validating { trainer.validate() }
            if step % checkpointEvery == 0 && !trainer.isFinished { try trainer.saveCheckpoint(to: checkpointPath) }
            if validating || step % checkpointEvery == 0 || trainer.isFinished { redraw(plotter, trainer) }
            if let (every, reporter) = samples, step % every == 0 { reporter.report(trainer) }
            let p = trainer.progress
            let summary = String(
                format: "epoch %d · loss %.4f · val %@ · %@ tok/s", p.epoch, p.trainLoss,
                p.validationLoss.map { String(format: "%.4f", $0) } ?? "–", formatCount(Int(p.tokensPerSecond)))
            if terminal {
                bar.update(step, extra: summary)
            } else if !json && (step % logEvery == 0 || trainer.isFinished) {
                note("step \(step)/\(c.steps) · \(summary)")
            }
        }
        bar.finish()
        if trainer.stoppedEarly && !json {
            note(
                "stopped early at step \(trainer.step): \(c.patience ?? 0) validations without a lower loss than \(trainer.best.loss.map { String(format: "%.4f", $0) } ?? "–") at step \(trainer.best.step ?? 0)"
            )
        }
        try trainer.saveCheckpoint(to: checkpointPath)
        let name = ((out as NSString).lastPathComponent as NSString).deletingPathExtension
        var model = trainer.model(
            name: name,
            summary: description ?? c.summary
                ?? "\(c.cell.rawValue.uppercased()) \(c.layers)×\(c.hidden) trained on \((c.corpus as NSString).lastPathComponent)"
        )
        // The corpus's header and bar-line tokens make it recur.notes/2 (docs/MUSIC.md). A
        // model trained from the zero state at every tune needs no warm-up before one.
        if c.kind == .notes {
            var encoding = NoteEncoding(vocabulary: model.vocabulary.tokens, voices: c.voices)
            encoding.voiceRanges = voiceRanges
            if c.resetsAtEndOfTune { encoding.warmup = [] }
            // How long the corpus's tunes are, per meter: sampled tunes end after as many bars.
            if encoding.isStructured, let text = try? String(contentsOfFile: c.corpus, encoding: .utf8) {
                encoding.barsPerTune = NoteEncoding.barsPerTune(inCorpus: text, voices: c.voices)
            }
            model.notesJSON = encoding.json
        }
        try model.save(to: out)
        let p = trainer.progress
        if json {
            printJSON([
                "tokens_per_second": p.tokensPerSecond, "train_loss": p.trainLoss, "val_loss": p.validationLoss ?? NSNull(),
                "steps": p.step, "seconds": p.seconds, "model": out, "checkpoint": checkpointPath,
                "best_val_loss": p.bestValidationLoss ?? NSNull(), "best_step": p.bestStep ?? NSNull(),
                "stopped_early": trainer.stoppedEarly,
            ])
        } else {
            print(
                String(
                    format: "wrote %@: %d steps in %.1f s, train loss %.4f, validation loss %@ nats/token, %@ tokens/s",
                    out, p.step, p.seconds, p.trainLoss, p.validationLoss.map { String(format: "%.4f", $0) } ?? "–",
                    formatCount(Int(p.tokensPerSecond))))
            if c.keepBest, let loss = p.bestValidationLoss, let step = p.bestStep {
                print(String(format: "kept the best weights: validation loss %.4f at step %d", loss, step))
            }
        }
    }

    private func makeTrainer() throws -> Trainer {
        if let resume {
            return try Trainer(resuming: resume, steps: steps, patience: patience, keepBest: keepBest)
        }
        guard let corpus else { throw InputError(description: "give --corpus FILE") }
        var c = TrainingConfiguration(corpus: corpus)
        let kind = try kind.map { name in
            guard let kind = Vocabulary.Kind(rawValue: name) else {
                throw InputError(description: "--kind must be text or notes, got '\(name)'")
            }
            return kind
        }
        let cell = try cell.map { name in
            guard let cell = CellKind(rawValue: name.lowercased()) else {
                throw InputError(description: "--cell must be lstm, gru or rnn, got '\(name)'")
            }
            return cell
        }
        c.kind = kind ?? .text
        c.voices = voices ?? 1
        c.cell = cell ?? .lstm
        c.layers = layers ?? 2
        c.hidden = hidden ?? 256
        c.embedding = embedding
        if let seqLen { c.seqLen = seqLen }
        if let batch { c.batch = batch }
        if let lr { c.learningRate = lr }
        if let lrDecay { c.learningRateDecay = lrDecay }
        if let clip { c.clip = clip }
        if let dropout { c.dropout = dropout }
        if let valFraction { c.validationFraction = valFraction }
        c.validationCorpus = valCorpus
        if let validateEvery { c.validateEvery = validateEvery }
        c.keepBest = keepBest
        c.patience = patience
        if let seed { c.seed = seed }
        c.summary = description
        c.steps = steps ?? 1000
        c.epochs = epochs
        guard let initialModel else { return try Trainer(configuration: c) }
        let path = try models.catalog.path(for: initialModel)
        let initial = InitialModel(
            model: try RecurModel(contentsOf: path),
            name: ((path as NSString).lastPathComponent as NSString).deletingPathExtension)
        try initial.configure(&c, kind: kind, cell: cell, layers: layers, hidden: hidden, embedding: embedding)
        let trainer = try Trainer(configuration: c, startingFrom: initial)
        if !json {
            let added = trainer.corpus.vocabulary.tokens.dropFirst(initial.model.vocabulary.count)
            note(
                "starting from \(initial.name) (\(initial.model.vocabulary.count) tokens)"
                    + (added.isEmpty
                        ? ""
                        : "; \(added.count) new tokens added: \(added.prefix(20).map(\.debugDescription).joined(separator: " "))")
            )
        }
        return trainer
    }

    /// The pitch range of each voice in a corpus of several voices, checking that every
    /// tune has one step token per voice for each of its steps (naming the first line
    /// that does not).
    private static func voiceRanges(of path: String, voices: Int) throws -> [ClosedRange<Int>] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw InputError(description: "cannot read the corpus \(path): \(error.localizedDescription)")
        }
        var low = [Int](repeating: .max, count: voices), high = [Int](repeating: .min, count: voices)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var slot = 0
            for word in line.split(whereSeparator: \.isWhitespace) {
                guard let token = NoteToken(String(word)), token != .endOfTune else { continue }
                if case .note(let pitch) = token {
                    low[slot] = min(low[slot], pitch)
                    high[slot] = max(high[slot], pitch)
                }
                slot = (slot + 1) % voices
            }
            guard slot != 0 else { continue }
            throw InputError(
                description:
                    "\(path), line \(index + 1): its step tokens (n<midi>, -, r) are not a multiple of --voices \(voices); each step needs one token per voice"
            )
        }
        guard zip(low, high).allSatisfy({ $0 <= $1 }) else { return [] }  // a voice that never sings: no ranges
        return zip(low, high).map { $0...$1 }
    }

    /// Redraws the loss plot; a failure mid-run is reported and training goes on.
    private func redraw(_ plotter: LossPlotWriter?, _ trainer: Trainer) {
        do { try plotter?.draw(trainer) } catch { note("warning: \(error.description); the plot was not updated") }
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
