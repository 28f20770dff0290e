import Foundation
import RecurCore
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `recur train`'s steering flags, run as a user runs them: --keep-best, --patience,
/// --init, --sample-every and --plot.
struct TrainSteeringTests {
    /// A tiny corpus and a differently ordered validation file: a large model over-fits
    /// it in a few dozen steps.
    static func overfittingCorpus(in directory: String) throws -> [String] {
        try String(repeating: "a cat sat on a mat. ", count: 12).write(
            toFile: directory + "/corpus.txt", atomically: true, encoding: .utf8)
        try String(repeating: "on a cat a mat sat. ", count: 4).write(
            toFile: directory + "/held.txt", atomically: true, encoding: .utf8)
        return [
            "--corpus", directory + "/corpus.txt", "--val-corpus", directory + "/held.txt", "--layers", "1", "--hidden", "48",
            "--seq-len", "12", "--batch", "4", "--lr", "0.02", "--validate-every", "3",
        ]
    }

    static func training(_ path: String) throws -> [String: Any] {
        let json = try #require(try RecurModel(contentsOf: path).trainingJSON)
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func patienceStopsEarlyAndKeepBestWritesTheBestWeights() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/cat.safetensors"
        let result = try RecurBinary.run(
            ["train"] + Self.overfittingCorpus(in: directory)
                + ["--steps", "3000", "--keep-best", "--patience", "2", "--out", out, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try RecurBinary.json(result)
        #expect(report["stopped_early"] as? Bool == true)
        let steps = try #require(report["steps"] as? Int)
        let bestStep = try #require(report["best_step"] as? Int)
        let bestLoss = try #require(report["best_val_loss"] as? Double)
        #expect(steps == bestStep + 2 * 3 && steps < 3000)
        let training = try Self.training(out)
        #expect(training["best_step"] as? Int == bestStep)
        #expect(abs((training["val_loss"] as? Double ?? 0) - bestLoss) < 1e-9)
        #expect(training["steps"] as? Int == steps)
    }

    @Test func initFineTunesAModelNamedInTheModelsDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flags = try Self.overfittingCorpus(in: directory)
        let parent = try RecurBinary.run(["train"] + flags + ["--steps", "6", "--out", directory + "/parent.safetensors"])
        #expect(parent.status == 0, "\(parent.stderr)")
        try "the quick brown fox jumps over the lazy dog. ".write(
            toFile: directory + "/fox.txt", atomically: true, encoding: .utf8)
        let out = directory + "/fox.safetensors"
        let child = try RecurBinary.run([
            "train", "--init", "parent", "--models", directory, "--corpus", directory + "/fox.txt",
            "--seq-len", "8", "--batch", "2", "--steps", "4", "--layers", "1", "--out", out,
        ])
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stderr.contains("starting from parent"))
        let model = try RecurModel(contentsOf: out)
        let parentModel = try RecurModel(contentsOf: directory + "/parent.safetensors")
        #expect(Array(model.vocabulary.tokens.prefix(parentModel.vocabulary.count)) == parentModel.vocabulary.tokens)
        #expect(model.vocabulary.id(of: "z") != nil && model.network.hiddenSize == 48)
        let training = try Self.training(out)
        #expect(training["init"] as? String == "parent")
        #expect(training["init_data_sha256"] as? String == parentModel.dataSHA256)

        let conflict = try RecurBinary.run([
            "train", "--init", directory + "/parent.safetensors", "--corpus", directory + "/fox.txt",
            "--hidden", "64", "--out", out,
        ])
        #expect(conflict.status != 0)
        #expect(
            conflict.stderr.contains("--init parent has hidden size 48 but --hidden 64 was given; drop --hidden"),
            "\(conflict.stderr)")
    }

    @Test func samplesAndTheLossPlotAppearWhileTraining() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flags =
            try Self.overfittingCorpus(in: directory) + [
                "--steps", "6", "--sample-every", "3", "--out", directory + "/cat.safetensors",
            ]
        let plot = directory + "/loss.svg"
        let result = try RecurBinary.run(["train"] + flags + ["--plot", plot, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines.count == 3)
        #expect(lines.prefix(2).map { $0["step"] as? Int } == [3, 6])
        #expect(lines.prefix(2).allSatisfy { ($0["sample"] as? String)?.isEmpty == false })
        #expect(lines.last?["steps"] as? Int == 6)

        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: plot)))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.components(separatedBy: "<polyline").count == 3, "a training and a validation curve")
        #expect(svg.contains("best "))

        let text = try RecurBinary.run(["train"] + flags)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stderr.contains("── sample at step 3 ──") && text.stderr.contains("── sample at step 6 ──"))
        let unwritable = try RecurBinary.run(["train"] + flags + ["--plot", directory + "/missing/loss.svg"])
        #expect(unwritable.status != 0)
        #expect(unwritable.stderr.contains("missing/loss.svg"), "\(unwritable.stderr)")
    }
}
