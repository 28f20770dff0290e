import Foundation
import Testing

@testable import RecurCore

/// `--init`: fine-tuning starts from the parent's weights, extends its vocabulary with
/// the new corpus's tokens, and keeps every trained value of the parent.
struct InitialModelTests {
    /// A parent trained for a few steps on text without the letters x, y and z.
    static func parent(in directory: String, embedding: Int?) throws -> InitialModel {
        let path = directory + "/parent.txt"
        try String(repeating: "the cat sat on the mat.\n", count: 30).write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = TrainingConfiguration(corpus: path)
        configuration.hidden = 12
        configuration.embedding = embedding
        configuration.seqLen = 8
        configuration.batch = 3
        configuration.steps = 5
        var trainer = try Trainer(configuration: configuration)
        while !trainer.isFinished { trainer.runStep() }
        var model = trainer.model(name: "parent", summary: "")
        try model.save(to: directory + "/parent.safetensors")
        return InitialModel(model: try RecurModel(contentsOf: directory + "/parent.safetensors"), name: "parent")
    }

    static func fineTuning(in directory: String, from initial: InitialModel) throws -> TrainingConfiguration {
        let path = directory + "/new.txt"
        try String(repeating: "the fox sat on the zebra, lazy.\n", count: 20).write(
            toFile: path, atomically: true, encoding: .utf8)
        var configuration = TrainingConfiguration(corpus: path)
        configuration.seqLen = 8
        configuration.batch = 3
        configuration.steps = 6
        configuration.seed = 7
        try initial.configure(&configuration, kind: nil, cell: nil, layers: nil, hidden: nil, embedding: nil)
        return configuration
    }

    @Test(arguments: [nil, 5] as [Int?])
    func newTokensExtendTheVocabularyAndOldRowsKeepTheirValues(embedding: Int?) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let initial = try Self.parent(in: directory, embedding: embedding)
        let configuration = try Self.fineTuning(in: directory, from: initial)
        var trainer = try Trainer(configuration: configuration, startingFrom: initial)

        let old = initial.model.network, start = trainer.network
        let known = old.vocabularySize, width = trainer.corpus.vocabulary.count
        #expect(Array(trainer.corpus.vocabulary.tokens.prefix(known)) == initial.model.vocabulary.tokens)
        #expect(Set(trainer.corpus.vocabulary.tokens.dropFirst(known)) == Set(["f", "x", "z", "b", "r", ",", "l", "y"]))
        // Trained values, bit for bit.
        #expect(Array(start.headWeights.values.prefix(old.headWeights.count)) == old.headWeights.values)
        #expect(Array(start.headBias.prefix(known)) == old.headBias)
        #expect(Array(start.layers.dropFirst()) == Array(old.layers.dropFirst()))
        if let trained = old.embedding {
            #expect(Array(try #require(start.embedding).values.prefix(trained.count)) == trained.values)
            #expect(start.layers[0] == old.layers[0])
        } else {
            for row in 0..<old.layers[0].inputWeights.rows {
                #expect(
                    Array(start.layers[0].inputWeights.values[(row * width)..<(row * width + known)])
                        == Array(old.layers[0].inputWeights.values[(row * known)..<((row + 1) * known)]))
            }
            #expect(start.layers[0].hiddenWeights == old.layers[0].hiddenWeights)
        }
        // New rows: what a model trained from scratch with this seed and vocabulary starts with.
        var random = SampleRandom(seed: configuration.seed, index: 0)
        let fresh = RecurrentNetwork.initialized(
            RecurrentNetwork(
                cell: old.cell, vocabularySize: width, hiddenSize: old.hiddenSize, layerCount: old.layerCount,
                embeddingSize: embedding), random: &random)
        let newHead = Array(start.headWeights.values.dropFirst(old.headWeights.count))
        #expect(newHead == Array(fresh.headWeights.values.dropFirst(old.headWeights.count)))
        #expect(Array(start.headBias.dropFirst(known)) == Array(fresh.headBias.dropFirst(known)))

        while !trainer.isFinished { trainer.runStep() }
        #expect(Array(trainer.network.headWeights.values.dropFirst(old.headWeights.count)) != newHead, "the new rows train")
        let training = try #require(
            trainer.model(name: "child", summary: "").trainingJSON
                .flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(training["init"] as? String == "parent")
        #expect(training["init_data_sha256"] as? String == initial.model.dataSHA256)
    }

    @Test func aFineTunedRunResumesWithItsExtendedVocabulary() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let initial = try Self.parent(in: directory, embedding: nil)
        let configuration = try Self.fineTuning(in: directory, from: initial)
        var straight = try Trainer(configuration: configuration, startingFrom: initial)
        while !straight.isFinished { straight.runStep() }
        var first = try Trainer(configuration: configuration, startingFrom: initial)
        for _ in 0..<3 { first.runStep() }
        try first.saveCheckpoint(to: directory + "/run.ckpt")
        var resumed = try Trainer(resuming: directory + "/run.ckpt")
        while !resumed.isFinished { resumed.runStep() }
        #expect(resumed.corpus.vocabulary == straight.corpus.vocabulary)
        #expect(resumed.network == straight.network)
    }

    @Test func aShapeFlagThatDisagreesWithTheModelIsRefusedNamingBoth() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let initial = try Self.parent(in: directory, embedding: nil)
        var configuration = TrainingConfiguration(corpus: directory + "/new.txt")
        func problem(
            kind: Vocabulary.Kind? = nil, cell: CellKind? = nil, layers: Int? = nil, hidden: Int? = nil, embedding: Int? = nil
        ) -> String? {
            do {
                try initial.configure(
                    &configuration, kind: kind, cell: cell, layers: layers, hidden: hidden, embedding: embedding)
                return nil
            } catch { return error.description(naming: { "--" + $0.replacingOccurrences(of: "_", with: "-") }) }
        }
        #expect(problem(layers: 3) == "--init parent has 2 layers but --layers 3 was given; drop --layers")
        #expect(problem(hidden: 64) == "--init parent has hidden size 12 but --hidden 64 was given; drop --hidden")
        #expect(problem(cell: .gru) == "--init parent has cell lstm but --cell gru was given; drop --cell")
        #expect(problem(kind: .notes) == "--init parent has kind text but --kind notes was given; drop --kind")
        #expect(problem(embedding: 8)?.contains("has one-hot input (no embedding) but --embedding 8") == true)
        #expect(problem(cell: .lstm, layers: 2, hidden: 12) == nil)
        #expect(configuration.hidden == 12 && configuration.initModel == "parent")
    }
}
