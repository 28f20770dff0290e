import Foundation
import Testing

/// The models in `models/` are what users run first: each must load (its checksum is
/// verified on load), carry its training record, have a model card, and sample — the
/// same seed giving the same text.
@Suite struct ShippedModelsTests {
    static let directory = repositoryRoot.appendingPathComponent("models").path

    /// The stems of `models/*.safetensors`.
    static let shipped: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".safetensors") }
        .map { String($0.dropLast(".safetensors".count)) }
        .sorted()

    @Test func theFourModelsShip() {
        #expect(Self.shipped == ["chorales", "folk", "shakespeare", "shakespeare-gru"], "models/ holds \(Self.shipped)")
    }

    @Test(arguments: shipped)
    func aShippedModelLoadsSamplesAndIsDocumented(name: String) throws {
        let info = try RecurBinary.json(try RecurBinary.run(["info", name, "--models", Self.directory, "--json"]))
        #expect(info["name"] as? String == name)
        #expect((info["data_sha256"] as? String)?.count == 64)
        let training = try #require(info["training"] as? [String: Any], "\(name) has no training record")
        for key in ["corpus", "corpus_sha256", "steps", "seconds", "train_loss", "val_loss", "cell", "layers", "hidden"] {
            #expect(training[key] != nil, "\(name): training record lacks \(key)")
        }
        #expect(FileManager.default.fileExists(atPath: Self.directory + "/\(name).md"), "\(name) has no model card")
        let card = (try? String(contentsOfFile: Self.directory + "/\(name).md", encoding: .utf8)) ?? ""
        #expect(card.contains(info["data_sha256"] as? String ?? "?"), "\(name).md names another file's data_sha256")

        let arguments = ["generate", "--models", Self.directory, "--model", name, "--length", "80", "--seed", "11"]
        let first = try RecurBinary.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.count > 60)
        let again = try RecurBinary.run(arguments)
        #expect(again.stdout == first.stdout)
    }

    /// The folk model knows the meters and modes folk musicians ask for first, and writes
    /// what it was asked for.
    @Test func theFolkModelWritesJigsInEMinor() throws {
        let info = try RecurBinary.json(try RecurBinary.run(["info", "folk", "--models", Self.directory, "--json"]))
        let notes = try #require(info["notes"] as? [String: Any])
        #expect(notes["format"] as? String == "recur.notes/2")
        let meters = Set(notes["meters"] as? [String] ?? []), modes = Set(notes["modes"] as? [String] ?? [])
        #expect(meters.isSuperset(of: ["2/4", "3/4", "4/4", "6/8"]), "\(meters)")
        #expect(modes.isSuperset(of: ["major", "minor", "dorian", "mixolydian"]), "\(modes)")
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try RecurBinary.run([
            "generate", "--models", Self.directory, "--model", "folk", "--count", "3", "--seed", "2", "--length", "400",
            "--meter", "6/8", "--mode", "minor", "--key", "E", "--format", "abc", "--out", out, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        for sample in try RecurBinary.json(result)["samples"] as? [[String: Any]] ?? [] {
            #expect(
                sample["meter"] as? String == "6/8" && sample["mode"] as? String == "minor" && sample["key"] as? String == "E")
            #expect(sample["bars"] as? Int ?? 0 >= 2)
        }
        let abc = try String(contentsOfFile: out + "/sample-001.abc", encoding: .utf8)
        #expect(abc.contains("\nM:6/8\n") && abc.contains("\nK:Em\n"), "\(abc)")
    }

    /// The chorale model harmonises the hymn in its card: four voices, the soprano exactly
    /// the melody (on the white keys, where the model works), in every sample.
    @Test func theChoraleModelHarmonisesOldHundredth() throws {
        let info = try RecurBinary.json(try RecurBinary.run(["info", "chorales", "--models", Self.directory, "--json"]))
        let notes = try #require(info["notes"] as? [String: Any])
        #expect(notes["voices"] as? Int == 4)
        let text = try RecurBinary.run(["info", "chorales", "--models", Self.directory]).stdout
        #expect(text.contains("voices             4: soprano n"), "\(text)")
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let hymn = Self.directory + "/chorales-hymn.txt"
        let result = try RecurBinary.run([
            "generate", "--models", Self.directory, "--model", "chorales", "--harmonize", hymn, "--key", "G", "--count", "2",
            "--seed", "1", "--format", "text,musicxml", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let melody = try String(contentsOfFile: hymn, encoding: .utf8).split(whereSeparator: \.isWhitespace)
            .map(String.init).filter { $0 != "|" }
        for index in 1...2 {
            let tokens = try String(contentsOfFile: out + String(format: "/sample-%03d.txt", index), encoding: .utf8)
                .split(separator: " ").map(String.init)
            #expect(tokens.prefix(2) == ["M:4/4", "K:major"])
            let steps = tokens.dropFirst(2).filter { $0 != "|" && $0 != "<eos>" }
            #expect(steps.count == 4 * melody.count)
            // G major → C major on the white keys: up a fourth.
            let soprano = stride(from: 0, to: steps.count, by: 4).map { steps[steps.startIndex + $0] }
            let expected = melody.map { $0.hasPrefix("n") ? "n\(Int($0.dropFirst())! + 5)" : $0 }
            #expect(soprano == expected)
            let score = try String(contentsOfFile: out + String(format: "/sample-%03d.musicxml", index), encoding: .utf8)
            #expect(score.components(separatedBy: "<score-part ").count == 5, "four parts")
        }
    }
}
