import Foundation
import RecurCore
import Testing

/// `recur --version`, `--help`, `models`, `info` and `eval`, run as a user runs them.
struct ModelCommandsTests {
    @Test func versionAndHelp() throws {
        let version = try RecurBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Recur.version)
        let help = try RecurBinary.run(["--help"])
        #expect(help.status == 0)
        for command in ["models", "info", "eval"] { #expect(help.stdout.contains(command)) }
    }

    @Test func modelsListsEveryFixtureAsJSON() throws {
        let result = try RecurBinary.run(["models", "--models", parityModels, "--json"])
        #expect(result.status == 0)
        let models = try RecurBinary.json(result)["models"] as? [[String: Any]] ?? []
        #expect(models.count == 8)
        #expect(models.compactMap { $0["name"] as? String }.contains("gru-l2-onehot"))
        #expect(models.allSatisfy { $0["error"] == nil })
    }

    @Test(
        "with no models directory, models and serve name the places they looked",
        .enabled(
            if: !["/usr/local/share/recur/models", "/usr/share/recur/models"].contains {
                FileManager.default.fileExists(atPath: $0)
            },
            "a models directory is installed on this machine"))
    func noModelsDirectoryNamesThePlacesSearched() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let places = "looked in /nonexistent-models, ./models, /usr/local/share/recur/models, /usr/share/recur/models"
        let models = try RecurBinary.run(["models"], environment: ["RECUR_MODELS": "/nonexistent-models"], directory: directory)
        #expect(models.status == 1)
        #expect(models.stderr.contains(places), "\(models.stderr)")
        let json = try RecurBinary.run(["models", "--json"], directory: directory)
        #expect(json.status == 1 && json.stdout.contains("\"directory\":null"), "\(json.stdout)")
        let serve = try RecurBinary.run(
            ["serve", "--spool", directory + "/spool", "--once"], environment: ["RECUR_MODELS": "/nonexistent-models"],
            directory: directory)
        #expect(serve.status == 0)
        #expect(serve.stderr.contains("no models directory found: " + places), "\(serve.stderr)")
    }

    @Test func modelsFindsTheDirectoryThroughTheEnvironmentAndShowsATable() throws {
        let result = try RecurBinary.run(["models"], environment: ["RECUR_MODELS": parityModels])
        #expect(result.status == 0)
        #expect(result.stdout.contains("lstm-l3-onehot"))
        #expect(result.stdout.contains("NAME"))
    }

    @Test func infoReportsTheArchitecture() throws {
        let result = try RecurBinary.run(["info", "lstm-l2-emb5", "--models", parityModels, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try RecurBinary.json(result)
        #expect(info["cell"] as? String == "lstm")
        #expect(info["layers"] as? Int == 2)
        #expect(info["hidden"] as? Int == 7)
        #expect(info["vocab_size"] as? Int == 9)
        #expect((info["vocabulary"] as? [String])?.count == 9, "the vocabulary a prime's error points to")
        #expect(info["embedding"] as? Int == 5)
        // 9·5 embedding + layer 0 (28·5 + 28·7 + 56) + layer 1 (28·7 + 28·7 + 56) + head 9·7 + 9.
        #expect(info["parameters"] as? Int == 45 + 392 + 448 + 72)
        let text = try RecurBinary.run(["info", parityModels + "/gru-l1-emb5.safetensors"])
        #expect(text.stdout.contains("GRU, 1 layer × 7 hidden"))
    }

    @Test func evalMatchesPyTorchsLoss() throws {
        let expected =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: parityModels + "/eval-expected.json"))) as? [String: [String: Any]]
            ?? [:]
        let reference = try #require(expected["lstm-l2-emb5"]?["loss_nats"] as? Double)
        let result = try RecurBinary.run([
            "eval", "--model", "lstm-l2-emb5", "--models", parityModels, "--corpus", parityModels + "/eval-corpus.txt", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try RecurBinary.json(result)
        let loss = try #require(report["loss_nats"] as? Double)
        #expect(abs(loss - reference) < 1e-5 * reference)
        #expect(report["unknown"] as? Int == 3)
        #expect(report["tokens"] as? Int == 298)
        let bits = try #require(report["bits_per_token"] as? Double)
        #expect(abs(bits - loss / log(2)) < 1e-9)
    }

    @Test func anUnknownModelNameListsTheAvailableOnes() throws {
        let result = try RecurBinary.run(["info", "shakespear", "--models", parityModels])
        #expect(result.status != 0)
        #expect(result.stderr.contains("model 'shakespear' not found"))
        #expect(result.stderr.contains("lstm-l1-onehot"))
    }

    @Test func aFileNamedLikeAModelInTheWorkingDirectoryDoesNotShadowIt() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "not a model\n".write(toFile: directory + "/gru-l1-emb5", atomically: true, encoding: .utf8)
        let result = try RecurBinary.run(["info", "gru-l1-emb5", "--models", parityModels], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("GRU"), "\(result.stdout)")
        // A name the directory does not have is still taken as a file.
        try FileManager.default.copyItem(
            atPath: parityModels + "/rnn-l1-onehot.safetensors", toPath: directory + "/mine")
        let own = try RecurBinary.run(["info", "mine", "--models", parityModels], directory: directory)
        #expect(own.status == 0, "\(own.stderr)")
    }

    @Test func pathsThatAreNotWhatTheyShouldBeAreNamed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let none = directory + "/none"
        let cases: [([String], String)] = [
            (["models", "--models", none], "the models directory \(none) does not exist"),
            (["generate", "--models", none, "--model", "folk"], "the models directory \(none) does not exist"),
            (["status", "--spool", none], "no spool at \(none)"),
            (["submit", "--spool", file, "--model", "folk"], "\(file): Not a directory"),
            (["submit", "--spool", file + "/sub", "--model", "folk"], "inside \(file): Not a directory"),
            (["info", directory], "it is a directory"),
            (["submit", "--spool", directory + "/spool", none + ".json"], "it does not exist"),
        ]
        for (arguments, message) in cases {
            let result = try RecurBinary.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.status)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test func aCorruptModelIsRefusedWithItsPathAndTheProblem() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: parityModels + "/rnn-l1-onehot.safetensors"))
        bytes[bytes.count - 3] ^= 0x40
        let path = directory + "/broken.safetensors"
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try RecurBinary.run(["info", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("checksum mismatch"))
        let listing = try RecurBinary.run(["models", "--models", directory])
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("invalid"))
    }

    @Test func evalRefusesCorporaItCannotScore() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = directory + "/binary.txt"
        try Data([0xFF, 0xFE, 0x00, 0xC3, 0x28]).write(to: URL(fileURLWithPath: binary))
        let unknown = directory + "/unknown.txt"
        try "ZZZZ€€€".write(toFile: unknown, atomically: true, encoding: .utf8)
        let mostlyUnknown = directory + "/mostly.txt"
        try "ab€€€€€€€€€€".write(toFile: mostlyUnknown, atomically: true, encoding: .utf8)
        let cases = [
            (binary, "not UTF-8"), (unknown, "0 known tokens"), (directory + "/none.txt", "cannot read corpus"),
            (mostlyUnknown, "not a corpus for this text model"),
        ]
        for (corpus, message) in cases {
            let result = try RecurBinary.run([
                "eval", "--model", parityModels + "/lstm-l1-onehot.safetensors", "--corpus", corpus,
            ])
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        let threads = try RecurBinary.run(["eval", "--model", "x", "--corpus", unknown, "--threads", "0"])
        #expect(threads.status != 0)
        #expect(threads.stderr.contains("--threads"))
    }
}

/// A model is named by its file: a copy under another name is that name everywhere.
@Suite(.serialized)
struct ModelNameTests {
    @Test func aCopyOfAModelIsNamedByItsFileInInfoGenerateAndTheDaemon() throws {
        let fixture = try SpoolFixture()
        try FileManager.default.copyItem(
            atPath: fixture.models + "/lstm-l2-emb5.safetensors", toPath: fixture.models + "/lstm-v2.safetensors")
        let info = try RecurBinary.run(["info", "lstm-v2", "--models", fixture.models])
        #expect(info.stdout.hasPrefix("lstm-v2") && info.stdout.contains("(trained as lstm-l2-emb5)"), "\(info.stdout)")
        let json = try RecurBinary.json(try RecurBinary.run(["info", "lstm-v2", "--models", fixture.models, "--json"]))
        #expect(json["name"] as? String == "lstm-v2" && json["trained_name"] as? String == "lstm-l2-emb5")
        let generated = try RecurBinary.json(
            try RecurBinary.run(["generate", "--model", "lstm-v2", "--models", fixture.models, "--length", "5", "--json"]))
        #expect(generated["model"] as? String == "lstm-v2")

        try fixture.submit(#"{"model": "lstm-v2", "length": 5}"#, id: "copy")
        try fixture.submit(#"{"model": "lstm-l2-emb5", "length": 5}"#, id: "original")
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(fixture.list("done") == ["copy", "original"])
        #expect((fixture.json("done/copy/result.json")["model"] as? [String: Any])?["name"] as? String == "lstm-v2")
        #expect((fixture.json("done/original/result.json")["model"] as? [String: Any])?["name"] as? String == "lstm-l2-emb5")
        let log = fixture.log(of: daemon)
        #expect(log.contains("model lstm-v2"), "\(log)")
        let names = (fixture.json("status.json")["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(names).isSuperset(of: ["lstm-v2", "lstm-l2-emb5"]) && names.count == Set(names).count, "\(names)")
    }
}
