import Foundation
import Testing

/// Log-likelihoods, best-of and beam search as a user meets them: `recur generate`,
/// `recur eval`, `recur bench` and jobs through a real daemon.
@Suite(.serialized)
struct SearchTests {
    static let model = parityModels + "/lstm-l2-emb5.safetensors"

    func generate(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try RecurBinary.run(["generate", "--model", Self.model, "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try RecurBinary.json(result)["samples"] as? [[String: Any]] ?? []
    }

    @Test func aSamplesLogLikelihoodIsWhatRecurEvalMeasuresOnItsText() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // eval feeds the file's first token and predicts every later one: a one-character
        // prime makes the two score the same tokens.
        for (index, sample) in try generate([
            "--count", "3", "--length", "120", "--seed", "17", "--temperature", "1.2", "--prime", "a",
        ])
        .enumerated() {
            let text = try #require(sample["text"] as? String)
            let corpus = directory + "/sample-\(index).txt"
            try text.write(toFile: corpus, atomically: true, encoding: .utf8)
            let eval = try RecurBinary.json(try RecurBinary.run(["eval", "--model", Self.model, "--corpus", corpus, "--json"]))
            let loss = try #require(eval["loss_nats"] as? Double)
            #expect(eval["tokens"] as? Int == 120)
            let total = try #require(sample["log_likelihood"] as? Double)
            let mean = try #require(sample["mean_log_likelihood"] as? Double)
            #expect(abs(mean + loss) < 1e-4, "sample \(index + 1): mean \(mean), eval loss \(loss)")
            #expect(abs(total - mean * 120) < 1e-6 * abs(total))
        }
    }

    @Test func bestOfAndBeamThroughGenerate() throws {
        let plain = try generate(["--count", "4", "--length", "60", "--seed", "3", "--temperature", "1"])
        let best = try generate(["--count", "4", "--length", "60", "--seed", "3", "--temperature", "1", "--best-of", "8"])
        #expect(best.count == 4)
        for (p, b) in zip(plain, best) {
            // Candidate 0 of each sample is the plain sample; the kept one is at least as likely.
            #expect((b["mean_log_likelihood"] as? Double ?? -.infinity) >= (p["mean_log_likelihood"] as? Double ?? 0))
        }
        // Sample 3 of 4 is sample 3 of 3.
        let three = try generate(["--count", "3", "--length", "60", "--seed", "3", "--temperature", "1", "--best-of", "8"])
        #expect(three[2]["text"] as? String == best[2]["text"] as? String)

        let greedy = try generate(["--length", "80", "--prime", "ab", "--temperature", "0"])[0]
        #expect(
            try generate(["--length", "80", "--prime", "ab", "--beam", "1"])[0]["text"] as? String == greedy["text"] as? String)
        let beam = try generate(["--length", "80", "--prime", "ab", "--beam", "6"])[0]
        #expect((beam["mean_log_likelihood"] as? Double ?? -.infinity) >= (greedy["mean_log_likelihood"] as? Double ?? 0))
    }

    @Test(arguments: [
        (["--beam", "4", "--temperature", "1"], "temperature"), (["--beam", "4", "--best-of", "2"], "best_of"),
        (["--beam", "4", "--top-k", "3"], "top_k"), (["--beam", "2", "--count", "2"], "count must be 1"),
        (["--beam", "0"], "between 1 and 64"), (["--best-of", "65"], "between 1 and 64"),
        (["--best-of", "3", "--temperature", "0"], "use beam"),
    ])
    func generateRefusesSearchesThatCannotBe(arguments: [String], message: String) throws {
        let result = try RecurBinary.run(["generate", "--model", Self.model, "--length", "10"] + arguments)
        #expect(result.status == 1, "\(arguments)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Usage"))
    }

    @Test func benchMeasuresBestOfAndBeam() throws {
        for flags in [["--best-of", "4"], ["--beam", "4"]] {
            let result = try RecurBinary.run(
                ["bench", "--model", Self.model, "--batch", "2", "--length", "20", "--warmup", "0", "--json"] + flags)
            #expect(result.status == 0, "\(result.stderr)")
            let object = try RecurBinary.json(result)
            #expect((object["tokens_per_second"] as? Double ?? 0) > 0)
            #expect(object["rows"] as? Int == 8)
            #expect((object["tokens"] as? Int ?? 0) > 0)
        }
    }

    @Test func theDaemonRunsSearchesInItsBatchesAndRefusesWhatCannotBe() throws {
        let fixture = try SpoolFixture()
        let model = "lstm-l2-emb5"
        try fixture.submit(#"{"model": "\#(model)", "count": 3, "length": 50, "seed": 21, "best_of": 5}"#, id: "best")
        try fixture.submit(#"{"model": "\#(model)", "length": 50, "prime": "ab", "beam": 4}"#, id: "beam")
        try fixture.submit(#"{"model": "\#(model)", "count": 2, "length": 30, "seed": 2}"#, id: "plain")
        let refused: [(String, String, String)] = [
            ("beam-temperature", #""beam": 4, "temperature": 0.5"#, "beam"),
            ("beam-best", #""beam": 4, "best_of": 4"#, "beam"), ("beam-count", #""beam": 2, "count": 3"#, "beam"),
            ("beam-zero", #""beam": 0"#, "beam"), ("best-huge", #""best_of": 1000"#, "best_of"),
            ("best-greedy", #""best_of": 3, "temperature": 0"#, "best_of"), ("best-string", #""best_of": "8""#, "best_of"),
        ]
        for (id, fields, _) in refused { try fixture.submit(#"{"model": "\#(model)", \#(fields)}"#, id: id) }
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(fixture.list("done") == ["beam", "best", "plain"])
        for (id, _, field) in refused {
            let error = fixture.json("failed/\(id)/error.json")
            #expect(error["field"] as? String == field, "\(id): \(error)")
            #expect(!(error["hint"] as? String ?? "").isEmpty)
        }

        let best = fixture.json("done/best/result.json")
        #expect(best["best_of"] as? Int == 5)
        let bestSamples = best["samples"] as? [[String: Any]] ?? []
        let generated = try generate(["--count", "3", "--length", "50", "--seed", "21", "--best-of", "5"])
        #expect(bestSamples.count == 3)
        for (index, (served, local)) in zip(bestSamples, generated).enumerated() {
            let text = try String(contentsOfFile: fixture.spool + "/done/best/sample-00\(index + 1).txt", encoding: .utf8)
            #expect(text == local["text"] as? String)
            #expect(served["log_likelihood"] as? Double == local["log_likelihood"] as? Double)
            #expect(served["mean_log_likelihood"] is Double)
        }
        let beam = fixture.json("done/beam/result.json")
        #expect(beam["beam"] as? Int == 4)
        let beamText = try String(contentsOfFile: fixture.spool + "/done/beam/sample-001.txt", encoding: .utf8)
        #expect(beamText == (try generate(["--length", "50", "--prime", "ab", "--beam", "4"]))[0]["text"] as? String)
        #expect(fixture.log(of: daemon).contains("beam 4"))
        #expect(fixture.log(of: daemon).contains("best of 5"))
    }
}
