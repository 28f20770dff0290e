import ArgumentParser
import Foundation
import RecurCore

/// `recur eval`: the model's cross-entropy on a corpus.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a model's loss (nats and bits per token, perplexity) on a corpus file.",
        discussion: """
            Every token is predicted from all the tokens before it, starting from the zero \
            state. Characters (or note names) that are not in the model's vocabulary are \
            skipped and reported.
            """)

    @Option(help: ArgumentHelp("A model name or path.", valueName: "model")) var model: String
    @Option(help: ArgumentHelp("A UTF-8 text file (notes models: one tune of tokens per line).", valueName: "file"))
    var corpus: String
    @OptionGroup var models: ModelsDirectoryOption
    @OptionGroup var threads: ThreadsOption
    @Flag(
        help: "Print one JSON object: model, loss_nats, bits_per_token, perplexity, tokens, unknown, seconds, tokens_per_second.")
    var json = false

    func run() throws {
        threads.keepBLASSingleThreaded()
        let loaded = try models.loadModel(model)
        let text = try readTextFile(corpus, what: "corpus")
        let bar = ProgressBar(total: max(0, text.unicodeScalars.count - 1), unit: "tok")
        let result = try Evaluator.evaluate(loaded, corpus: text, label: corpus, threads: threads.count) { done, _ in
            bar.update(done)
        }
        bar.finish()
        if json {
            printJSON([
                "model": loaded.name, "loss_nats": result.lossNats, "bits_per_token": result.bitsPerToken,
                "perplexity": result.perplexity, "tokens": result.tokens, "unknown": result.unknownCount,
                "seconds": result.seconds, "tokens_per_second": Double(result.tokens) / max(result.seconds, 1e-9),
            ])
            return
        }
        print(
            String(
                format: "%@ on %@: %.4f nats/token · %.4f bits/token · perplexity %.3f",
                loaded.name, corpus, result.lossNats, result.bitsPerToken, result.perplexity))
        print(
            String(
                format: "%@ tokens scored in %.2f s (%@ tokens/s)", formatCount(result.tokens), result.seconds,
                formatCount(Int(Double(result.tokens) / max(result.seconds, 1e-9)))))
        if result.unknownCount > 0 {
            let examples = result.unknownExamples.map { $0.debugDescription }.joined(separator: ", ")
            let what = loaded.vocabulary.kind == .notes ? "tokens" : "characters"
            print("\(formatCount(result.unknownCount)) \(what) not in the model's vocabulary were skipped: \(examples)")
        }
    }
}
