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

    @Test func theThreeModelsShip() {
        #expect(Self.shipped == ["folk", "shakespeare", "shakespeare-gru"], "models/ holds \(Self.shipped)")
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

        let arguments = ["generate", "--models", Self.directory, "--model", name, "--length", "80", "--seed", "11"]
        let first = try RecurBinary.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.count > 60)
        let again = try RecurBinary.run(arguments)
        #expect(again.stdout == first.stdout)
    }
}
