import ArgumentParser
import Foundation
import RecurCore

/// `recur quantize`: a model of eight-bit weights, a quarter of the size, sampled by the
/// int8 kernels.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write an int8 copy of a model: eight-bit weights, a quarter of the size, faster sampling.",
        discussion: """
            Every recurrent and head weight matrix is stored in eight bits with a float32 \
            scale per output row (the row's largest magnitude / 127); the embedding and the \
            biases stay float32. When sampling, each input row is quantized to eight bits \
            too and the products are summed exactly in integers, so a sample is the same \
            whatever the batch, the threads or the CPU (docs/DESIGN.md §3 and §4). The \
            result is a model file like any other: every command and the daemon take it. \
            Give --corpus to measure what quantizing cost (the loss of both models on it).
            """)

    @Argument(help: ArgumentHelp("The float32 model: a name (file stem in the models directory) or a path.", valueName: "model"))
    var model: String
    @Option(help: ArgumentHelp("Where to write the int8 model (.safetensors); its name is the file's stem.", valueName: "file"))
    var out: String
    @Option(help: ArgumentHelp("Also score both models on this corpus and print the difference.", valueName: "file"))
    var corpus: String?
    @OptionGroup var models: ModelsDirectoryOption
    @OptionGroup var threads: ThreadsOption
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard out.hasSuffix(".safetensors") else {
            throw ValidationError("--out must name a .safetensors file, got '\(out)'")
        }
    }

    func run() throws {
        threads.keepBLASSingleThreaded()
        let source = try models.loadModel(model)
        guard source.network.int8 == nil else {
            throw InputError(description: "\(source.path ?? model) is already an int8 model; quantize its float32 original")
        }
        if let path = source.path, URL(fileURLWithPath: path).standardized == URL(fileURLWithPath: out).standardized {
            throw InputError(description: "--out is the model itself; write the int8 copy to another file")
        }
        let name = ((out as NSString).lastPathComponent as NSString).deletingPathExtension
        var quantized = RecurModel(
            network: source.network.quantized(), vocabulary: source.vocabulary, name: source.trainedName ?? source.name,
            summary: source.summary, trainingJSON: source.trainingJSON, notesJSON: source.notesJSON)
        do {
            try quantized.save(to: out)
        } catch {
            throw InputError(description: error.message)
        }
        var object: [String: Any] = [
            "model": source.name, "out": out, "name": name, "bytes": quantized.fileSize ?? 0,
            "source_bytes": source.fileSize ?? 0, "data_sha256": quantized.dataSHA256,
        ]
        if !json {
            print(
                "\(out): \(name), int8 (\(formatBytes(quantized.fileSize ?? 0)), from \(formatBytes(source.fileSize ?? 0)) in float32)"
            )
        }
        if let corpus {
            let text = try readTextFile(corpus, what: "corpus")
            let before = try Evaluator.evaluate(source, corpus: text, label: corpus, threads: threads.count)
            let bar = ProgressBar(total: max(0, before.tokens), unit: "tok")
            let after = try Evaluator.evaluate(quantized, corpus: text, label: corpus, threads: threads.count) { done, _ in
                bar.update(done)
            }
            bar.finish()
            object["corpus"] = corpus
            object["loss_nats"] = [
                "float32": before.lossNats, "int8": after.lossNats, "difference": after.lossNats - before.lossNats,
            ]
            object["tokens"] = before.tokens
            if !json {
                print(
                    String(
                        format: "on %@ (%@ tokens): float32 %.4f, int8 %.4f nats/token: %+.4f", corpus,
                        formatCount(before.tokens), before.lossNats, after.lossNats, after.lossNats - before.lossNats))
            }
        }
        if json { printJSON(object) }
    }
}
