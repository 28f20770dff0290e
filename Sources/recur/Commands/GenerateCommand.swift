import ArgumentParser
import Foundation
import RecurCore
import RecurMusic

/// `recur generate`: sample from a model, streaming to the terminal or writing files.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text or melodies from a model.",
        discussion: """
            All samples run together as one batch. With one sample and no --out, text streams \
            to stdout as it is generated; several samples are printed when each completes, in \
            order. With --out DIR, each sample is written to DIR/sample-001.txt, … (temporary \
            name, then rename) and the paths are printed. A sample's text starts with the \
            prime. Without --seed a seed is chosen and printed on stderr: pass it back to get \
            the same samples again, with any --count, --threads or batch neighbours.
            """)

    @Option(help: ArgumentHelp("A model name or path.", valueName: "model")) var model: String
    @OptionGroup var request: RequestOptions
    @Option(
        help: ArgumentHelp("Write the samples into this directory (created if missing).", valueName: "dir"),
        transform: { $0.count > 1 && $0.hasSuffix("/") ? String($0.reversed().drop { $0 == "/" }.reversed()) : $0 })
    var out: String?
    @Option(
        help: ArgumentHelp(
            "text, or for notes models \(OutputFormat.names); several separated by commas (needs --out).", valueName: "formats"))
    var format: String = "text"
    @OptionGroup(title: "Tunes (notes models)") var tune: TuneFlags
    @OptionGroup(title: "Rendering (notes models)") var render: RenderOptions
    @OptionGroup var models: ModelsDirectoryOption
    @OptionGroup var threads: ThreadsOption
    @Flag(help: "Print one JSON object describing the samples instead of the text.") var json = false

    func run() throws {
        threads.keepBLASSingleThreaded()
        let loaded = try models.loadModel(model)
        let formats = try outputFormats(for: loaded)
        let encoding = try loaded.noteEncoding()
        let seed = request.seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        var sampling = request.request(seed: seed)
        let tonic: Tonic?
        let options = try tune.options()
        do {
            if loaded.vocabulary.kind == .text, !options.isEmpty {
                let flag =
                    tune.meter != nil ? "--meter" : tune.mode != nil ? "--mode" : tune.key != nil ? "--key" : "--harmonize"
                throw InputError(description: "\(flag) is for notes models; '\(loaded.name)' is a text model")
            }
            if let encoding {
                try options.apply(
                    to: &sampling, encoding: encoding, vocabulary: loaded.vocabulary.tokens, model: loaded.name)
            }
            tonic = try options.tonic()
        } catch let error as TuneOptionError { throw error.flagError }
        let prepared = try loaded.prepare(sampling)
        // A beam search draws nothing: its seed would mean nothing.
        if request.seed == nil && !json && sampling.beam == nil {
            FileHandle.standardError.write(Data("seed: \(seed)\n".utf8))
        }
        if let out {
            try createDirectory(out)
            try requireNoEarlierSamples(in: out)
        }

        let count = prepared.request.count
        let streaming = count == 1 && out == nil && !json
        var sampler = BatchSampler(model: loaded, threads: threads.count)
        sampler.joinAll(prepared, key: "generate")
        let bar = ProgressBar(
            total: count * prepared.request.length, unit: "tok", enabled: !streaming && isatty(STDERR_FILENO) == 1)
        var generated = 0
        var finished = [Sample?](repeating: nil, count: count)
        var nextToPrint = 0
        var files: [String] = []
        var summaries: [Int: TuneSummary] = [:]  // from writing the files, so --json decodes no tune twice
        var audio: [Int: [[String: Any]]] = [:]  // who played each sample's audio files
        let started = Date()
        if streaming { emit(prepared.request.prime) }
        var failure: Error?
        _ = sampler.runToCompletion { event in
            switch event {
            case .text(_, let text):
                if streaming { emit(text) }
                generated += 1
                bar.update(generated)
            case .finished(let sample):
                finished[sample.id.index] = sample
                guard !streaming, failure == nil else { return }
                if let out {
                    do {
                        let written = try write(
                            sample, count: count, formats: formats, encoding: encoding, tonic: tonic, seed: seed,
                            model: loaded.name, to: out)
                        files += written.paths
                        summaries[sample.id.index] = written.summary
                        audio[sample.id.index] = written.audio
                    } catch { failure = error }
                } else if !json {
                    while nextToPrint < count, let ready = finished[nextToPrint] {
                        bar.finish()
                        print(count > 1 ? "==> sample \(nextToPrint + 1) <==\n\(ready.text)\n" : ready.text)
                        nextToPrint += 1
                    }
                }
            }
        }
        bar.finish()
        if let failure { throw failure }
        let samples = finished.compactMap { $0 }
        let seconds = Date().timeIntervalSince(started)
        let tokens = samples.reduce(0) { $0 + $1.generatedTokens }
        if streaming { emit("\n") }
        if json {
            printJSON([
                "model": loaded.name, "data_sha256": loaded.dataSHA256, "seed": prepared.request.seed,
                "best_of": prepared.request.bestOf ?? NSNull(), "beam": prepared.request.beam ?? NSNull(),
                "tokens": tokens, "seconds": seconds, "files": files.sorted(),
                "samples": samples.map { sample -> [String: Any] in
                    var object: [String: Any] = [
                        "index": sample.id.index + 1, "tokens": sample.generatedTokens, "ending": sample.ending.rawValue,
                    ]
                    if out == nil { object["text"] = sample.text }
                    var steps: Int?
                    if let encoding,
                        let summary = summaries[sample.id.index]
                            ?? TuneFiles.summary(tokens: sample.tokens, encoding: encoding, key: tonic)
                    {
                        object.merge(summary.json) { a, _ in a }
                        steps = summary.steps
                    }
                    object.merge(sample.likelihoodFields(steps: steps)) { a, _ in a }
                    if let played = audio[sample.id.index], !played.isEmpty { object["audio"] = played }
                    return object
                },
            ])
        } else if out != nil {
            for file in files.sorted() { print(file) }
        }
    }

    /// The requested formats, checked against the model: rendered ones need a notes
    /// model and --out. nil stands for text.
    private func outputFormats(for model: RecurModel) throws -> [OutputFormat?] {
        var formats: [OutputFormat?] = []
        var seen: Set<String> = []
        for name in format.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let canonical = name == "mid" ? "midi" : name == "txt" ? "text" : name
            guard seen.insert(canonical).inserted else {
                throw InputError(description: "--format lists \(canonical) twice; list each format once")
            }
            if name == "text" || name == "txt" {
                formats.append(nil)
                continue
            }
            guard let parsed = OutputFormat(rawValue: name == "mid" ? "midi" : name) else {
                throw InputError(
                    description: "--format must be text, \(OutputFormat.names) (or a comma-separated list), got '\(name)'")
            }
            guard model.vocabulary.kind == .notes else {
                throw InputError(
                    description: "--format \(name) needs a notes model; '\(model.name)' is a text model (use --format text)")
            }
            guard out != nil else { throw InputError(description: "--format \(name) writes files: give --out DIR") }
            formats.append(parsed)
        }
        guard !formats.isEmpty else { throw InputError(description: "--format needs at least one format") }
        try render.validate(for: formats.compactMap { $0 })
        return formats
    }

    /// Writes one sample in every format; an empty tune gets its text file only, with a warning.
    private func write(
        _ sample: Sample, count: Int, formats: [OutputFormat?], encoding: NoteEncoding?, tonic: Tonic?, seed: UInt64,
        model name: String, to directory: String
    ) throws -> (paths: [String], summary: TuneSummary?, audio: [[String: Any]]) {
        var paths: [String] = []
        if formats.contains(where: { $0 == nil }) {
            paths.append(try SampleFiles.writeText(sample.text, index: sample.id.index, count: count, to: directory))
        }
        let rendered = formats.compactMap { $0 }
        guard let encoding, !rendered.isEmpty else { return (paths, nil, []) }
        var configuration = try render.configuration(forAll: rendered)
        configuration.key = tonic
        let written = try TuneFiles.write(
            tokens: sample.tokens, encoding: encoding, formats: rendered, configuration: configuration,
            title: "\(name) \(sample.id.index + 1) (seed \(seed))", index: sample.id.index, count: count, to: directory)
        if let warning = written.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        return (paths + written.names.map { directory + "/" + $0 }, written.summary, written.audioJSON)
    }

    /// Samples are named sample-001…, so a second run into the same directory would replace
    /// the first run's files without a word: refuse instead.
    private func requireNoEarlierSamples(in directory: String) throws {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        guard let first = files.first(where: { $0.hasPrefix("sample-") }) else { return }
        throw InputError(
            description:
                "--out \(directory) already holds samples (\(first) …) from an earlier run; give a new or empty directory, or remove them"
        )
    }

    private func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw InputError(description: "cannot create output directory \(path): \(systemReason(error))")
        }
    }
}

extension Sample {
    /// A notes sample's tokens.
    var tokens: [String] { text.split(separator: " ").map(String.init) }
}

extension RecurModel {
    /// A notes model's encoding (the standard one when it records none); nil for text.
    func noteEncoding() throws -> NoteEncoding? {
        guard vocabulary.kind == .notes else { return nil }
        do {
            return try notesJSON.map { try NoteEncoding(json: $0) } ?? .standard
        } catch {
            throw InputError(description: "\(name): \(error)")
        }
    }

    /// Checks a request against this model, as an error that names the flag to fix.
    func prepare(_ request: SamplingRequest) throws -> PreparedRequest {
        do {
            return try request.prepared(for: self)
        } catch {
            let flag = "--" + error.field.replacingOccurrences(of: "_", with: "-")
            throw InputError(description: "\(flag) \(error.value): \(error.problem)")
        }
    }
}
