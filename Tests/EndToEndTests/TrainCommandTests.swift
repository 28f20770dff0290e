import Foundation
import RecurCore
import Testing

/// `recur train`, run as a user runs it: to the end, interrupted by SIGTERM, resumed.
struct TrainCommandTests {
    static func corpus(in directory: String) throws -> String {
        let path = directory + "/corpus.txt"
        let text = (0..<400).map { "Line \($0 % 17): the quick brown fox \($0 % 3 == 0 ? "jumps" : "naps").\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func trainingWritesAModelThatLoadsAndReportsJSON() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let corpus = try Self.corpus(in: directory)
        let out = directory + "/fox.safetensors"
        let result = try RecurBinary.run([
            "train", "--corpus", corpus, "--cell", "gru", "--layers", "1", "--hidden", "24", "--seq-len", "16",
            "--batch", "4", "--steps", "40", "--validate-every", "20", "--out", out, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try RecurBinary.json(result)
        for key in ["tokens_per_second", "train_loss", "val_loss", "steps", "seconds"] { #expect(report[key] != nil, "\(key)") }
        #expect(report["steps"] as? Int == 40)
        let model = try RecurModel(contentsOf: out)
        #expect(model.network.cell == .gru)
        #expect(FileManager.default.fileExists(atPath: directory + "/fox.ckpt"))
        let eval = try RecurBinary.run(["eval", "--model", out, "--corpus", corpus, "--json"])
        #expect(eval.status == 0)
        #expect((try RecurBinary.json(eval)["loss_nats"] as? Double ?? 99) < 3.5)
    }

    @Test func sigtermWritesACheckpointAndResumeFinishes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let corpus = try Self.corpus(in: directory)
        let out = directory + "/fox.safetensors"
        let log = directory + "/train.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = RecurBinary.url
        process.arguments = [
            "train", "--corpus", corpus, "--hidden", "16", "--seq-len", "8", "--batch", "2",
            "--steps", "100000", "--log-every", "1", "--description", "The fox, resumed", "--out", out,
        ]
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("step 5/") {
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 128 + SIGTERM, "\(text)")
        #expect(text.contains("checkpoint written"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let resumed = try RecurBinary.run(["train", "--resume", directory + "/fox.ckpt", "--steps", "30", "--out", out])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let model = try RecurModel(contentsOf: out)
        #expect(model.network.hiddenSize == 16)
        #expect(model.summary == "The fox, resumed", "the description given before the stop is kept")
    }

    @Test(arguments: [
        (["--steps", "0"], "--steps"), (["--dropout", "1.5"], "--dropout"), (["--cell", "transformer"], "--cell"),
        (["--seq-len", "5000"], "--seq-len"), (["--val-fraction", "0.9"], "--val-fraction"),
    ])
    func badFlagsAreNamed(arguments: [String], flag: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let corpus = try Self.corpus(in: directory)
        let result = try RecurBinary.run(["train", "--corpus", corpus, "--out", directory + "/m.safetensors"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(flag), "\(result.stderr)")
        #expect(!result.stderr.contains("recur <subcommand>"), "no usage of another command: \(result.stderr)")
    }

    @Test(
        arguments: [
            ("missing/m.safetensors", nil, "--out", "the directory"),
            ("m.safetensors", "missing/m.ckpt", "--checkpoint", "does not exist"),
            ("m.safetensors", "corpus.txt/m.ckpt", "--checkpoint", "is not a directory"),
            ("m.safetensors", "m.safetensors", "--checkpoint", "a file of its own"),
            ("dir.safetensors", nil, "--out", "is a directory"),
        ] as [(String, String?, String, String)])
    func outputsThatCannotBeWrittenAreRefusedBeforeTheFirstStep(
        out: String, checkpoint: String?, flag: String, problem: String
    ) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let corpus = try Self.corpus(in: directory)
        try FileManager.default.createDirectory(atPath: directory + "/dir.safetensors", withIntermediateDirectories: false)
        let result = try RecurBinary.run(
            ["train", "--corpus", corpus, "--hidden", "8", "--layers", "1", "--steps", "3000", "--log-every", "1", "--out", out]
                + (checkpoint.map { ["--checkpoint", $0] } ?? []),
            directory: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains(flag) && result.stderr.contains(problem), "\(result.stderr)")
        // Refused before training, which would print a line for every step.
        #expect(!result.stderr.contains("step "), "\(result.stderr)")
    }

    @Test func aResumedRunRefusesRecipeFlagsAndSaysWhereItsCorpusIs() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Self.corpus(in: directory)
        let first = try RecurBinary.run(
            ["train", "--corpus", "corpus.txt", "--hidden", "8", "--layers", "1", "--steps", "3", "--out", "m.safetensors"],
            directory: directory)
        #expect(first.status == 0, "\(first.stderr)")
        let flags = try RecurBinary.run(
            ["train", "--resume", "m.ckpt", "--hidden", "16", "--corpus", "other.txt", "--steps", "6", "--out", "m.safetensors"],
            directory: directory)
        #expect(flags.status != 0)
        #expect(flags.stderr.contains("--corpus, --hidden") && flags.stderr.contains("from the checkpoint"), "\(flags.stderr)")
        // From another directory the corpus's relative path does not hold: say so.
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: false)
        let elsewhere = try RecurBinary.run(
            ["train", "--resume", "../m.ckpt", "--steps", "6", "--out", "m.safetensors"], directory: directory + "/sub")
        #expect(elsewhere.status != 0)
        #expect(
            elsewhere.stderr.contains("corpus.txt (relative to the directory the run started in), recorded in the checkpoint"),
            "\(elsewhere.stderr)")
        let resumed = try RecurBinary.run(
            ["train", "--resume", "m.ckpt", "--steps", "6", "--out", "m.safetensors", "--json"], directory: directory)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try RecurBinary.json(resumed)["steps"] as? Int == 6)
    }

    @Test func aNotesCorpusOfTextIsRefusedAndStrayTokensAreNamed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try Self.corpus(in: directory)
        let refused = try RecurBinary.run([
            "train", "--corpus", text, "--kind", "notes", "--steps", "2", "--out", directory + "/t.safetensors",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("does not look like a notes corpus"), "\(refused.stderr)")
        let tunes = directory + "/tunes.txt"
        let tune = "n60 - n62 - n64 - - - r - n67 - n65 - n64 - <eos>\n"
        try (String(repeating: tune, count: 40) + "n60 - n6O - <eos>\n").write(toFile: tunes, atomically: true, encoding: .utf8)
        let trained = try RecurBinary.run([
            "train", "--corpus", tunes, "--kind", "notes", "--hidden", "8", "--layers", "1", "--seq-len", "8",
            "--batch", "2", "--steps", "2", "--out", directory + "/n.safetensors",
        ])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stderr.contains("become markers that take no time: n6O"), "\(trained.stderr)")
    }

    @Test func aResumeFromSomethingElseIsRefused() throws {
        let result = try RecurBinary.run([
            "train", "--resume", parityModels + "/gru-l1-emb5.safetensors", "--out", NSTemporaryDirectory() + "x.safetensors",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not a Recur checkpoint"))
    }
}
