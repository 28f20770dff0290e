import Foundation
import RecurCore
import Testing

/// `recur generate` and `recur bench`, run as a user runs them.
struct GenerateCommandTests {
    static let model = parityModels + "/lstm-l3-onehot.safetensors"

    @Test("sample 1 is the same file with --count 1, 7 and 64, on 1 and 2 threads")
    func samplesAreReproducibleAcrossCountsAndThreads() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var firsts: [Data] = []
        for (count, threads) in [(1, 1), (7, 2), (64, 2), (64, 1)] {
            let out = directory + "/c\(count)-t\(threads)"
            let result = try RecurBinary.run([
                "generate", "--model", Self.model, "--count", String(count), "--length", "80", "--seed", "1234",
                "--temperature", "1", "--prime", "ab", "--out", out, "--threads", String(threads),
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            #expect(files.count == count)
            #expect(files.first == "sample-001.txt")
            #expect(result.stdout.split(separator: "\n").count == count)
            firsts.append(try Data(contentsOf: URL(fileURLWithPath: out + "/sample-001.txt")))
        }
        #expect(Set(firsts).count == 1)
        #expect(String(decoding: firsts[0], as: UTF8.self).hasPrefix("ab"))
        #expect(firsts[0].count >= 82)
        // A trailing slash on --out is not doubled in the paths printed.
        let slashed = try RecurBinary.run([
            "generate", "--model", Self.model, "--length", "5", "--seed", "1", "--out", directory + "/slash/",
        ])
        #expect(slashed.stdout == directory + "/slash/sample-001.txt\n", "\(slashed.stdout)")
    }

    @Test func oneSampleStreamsToStdoutWithThePrimeFirst() throws {
        let streamed = try RecurBinary.run(["generate", "--model", Self.model, "--length", "50", "--seed", "9", "--prime", "ba"])
        #expect(streamed.status == 0)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try RecurBinary.run([
            "generate", "--model", Self.model, "--length", "50", "--seed", "9", "--prime", "ba", "--out", directory,
        ])
        #expect(written.status == 0)
        let file = try String(contentsOfFile: directory + "/sample-001.txt", encoding: .utf8)
        #expect(streamed.stdout == file + "\n")
        #expect(file.hasPrefix("ba"))
        // A second run into the same directory would replace these samples: it is refused.
        let again = try RecurBinary.run(["generate", "--model", Self.model, "--length", "50", "--seed", "10", "--out", directory])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds samples (sample-001.txt …)"), "\(again.stderr)")
        #expect(try String(contentsOfFile: directory + "/sample-001.txt", encoding: .utf8) == file)
    }

    @Test func withoutASeedOneIsChosenAndPrinted() throws {
        let result = try RecurBinary.run(["generate", "--model", Self.model, "--length", "20"])
        #expect(result.status == 0)
        let seedLine = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("seed: ") })
        let seed = String(seedLine.dropFirst(6))
        let again = try RecurBinary.run(["generate", "--model", Self.model, "--length", "20", "--seed", seed])
        #expect(again.stdout == result.stdout)
    }

    @Test func jsonDescribesEverySample() throws {
        let result = try RecurBinary.run([
            "generate", "--model", Self.model, "--count", "3", "--length", "10", "--seed", "2", "--json", "--stop", "\\n",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try RecurBinary.json(result)
        let samples = try #require(object["samples"] as? [[String: Any]])
        #expect(samples.count == 3)
        #expect(object["seed"] as? Int == 2)
        #expect((object["data_sha256"] as? String)?.count == 64)
        for sample in samples {
            let text = try #require(sample["text"] as? String)
            #expect(!text.dropFirst().contains("\n"))
            #expect(["length", "stop"].contains(sample["ending"] as? String))
        }
    }

    @Test(arguments: [
        (["--temperature", "-1"], "--temperature"), (["--top-p", "2"], "--top-p"), (["--count", "0"], "--count"),
        (["--prime", "xyz"], "--prime"), (["--top-k", "-1"], "--top-k"), (["--length", "0"], "--length"),
        (["--format", "aiff"], "--format must be"),
        (["--format", "text,txt"], "--format lists text twice"),
    ])
    func badFlagsNameTheFlag(arguments: [String], flag: String) throws {
        let result = try RecurBinary.run(["generate", "--model", Self.model] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(flag), "\(result.stderr)")
        #expect(!result.stderr.contains("recur <subcommand>"), "no usage of another command: \(result.stderr)")
    }

    @Test func anUnwritableOutputDirectoryIsAClearError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let blocker = directory + "/file"
        try Data().write(to: URL(fileURLWithPath: blocker))
        let result = try RecurBinary.run(["generate", "--model", Self.model, "--out", blocker + "/sub", "--length", "5"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(blocker))
    }

    @Test func benchReportsThroughputAsJSON() throws {
        let result = try RecurBinary.run([
            "bench", "--model", Self.model, "--batch", "3", "--length", "20", "--threads", "1", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try RecurBinary.json(result)
        #expect(object["batch"] as? Int == 3)
        #expect(object["length"] as? Int == 20)
        #expect(object["tokens"] as? Int == 60)
        #expect((object["tokens_per_second"] as? Double ?? 0) > 0)
        #expect((object["seconds"] as? Double ?? 0) > 0)
        // OpenBLAS's kernel set, as `OPENBLAS_CORETYPE` names it when set.
        let core = object["blas_core"] as? String ?? ""
        #expect(!core.isEmpty && core != "unknown")
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !forced.isEmpty {
            #expect(core.lowercased() == forced.lowercased())
        }
        // The warm-up is bounded and validated.
        let bad = try RecurBinary.run(["bench", "--model", Self.model, "--warmup", "100"])
        #expect(bad.status != 0 && bad.stderr.contains("--warmup"))
    }
    /// A valid text model need not know "\n": with no prime, bench and generate start
    /// from its first token instead of refusing to run.
    @Test func aVocabularyWithoutNewlineBenchesAndGenerates() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokens = ["a", "b", "c", " ", "."]
        var network = RecurrentNetwork(cell: .gru, vocabularySize: tokens.count, hiddenSize: 8, layerCount: 1)
        for i in network.headWeights.values.indices { network.headWeights.values[i] = Float(i % 7) / 7 - 0.5 }
        var model = RecurModel(network: network, vocabulary: Vocabulary(kind: .text, tokens: tokens)!, name: "no-newline")
        let path = directory + "/no-newline.safetensors"
        try model.save(to: path)
        let bench = try RecurBinary.run([
            "bench", "--model", path, "--batch", "2", "--length", "10", "--threads", "1", "--warmup", "0", "--json",
        ])
        #expect(bench.status == 0, "\(bench.stderr)")
        #expect(try RecurBinary.json(bench)["tokens"] as? Int == 20)
        let generated = try RecurBinary.run(["generate", "--model", path, "--length", "12", "--seed", "3", "--json"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let text = (try RecurBinary.json(generated)["samples"] as? [[String: Any]])?.first?["text"] as? String ?? ""
        #expect(text.count == 12 && text.allSatisfy { tokens.contains(String($0)) }, "\(text.debugDescription)")
    }
}
