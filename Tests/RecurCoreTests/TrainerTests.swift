import Foundation
import Testing

@testable import RecurCore

/// The training loop: it learns, it resumes exactly, it refuses bad corpora clearly.
struct TrainerTests {
    static func corpusFile(_ text: String) throws -> (directory: String, path: String) {
        let directory = try temporaryDirectory()
        let path = directory + "/corpus.txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test(arguments: CellKind.allCases)
    func aSmallModelOverfitsATinyCorpus(cell: CellKind) throws {
        let (directory, path) = try Self.corpusFile(String(repeating: "the cat sat on the mat.\n", count: 40))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TrainingConfiguration(corpus: path)
        configuration.cell = cell
        configuration.layers = 2
        configuration.hidden = 32
        configuration.seqLen = 24
        configuration.batch = 4
        configuration.steps = 150
        configuration.learningRate = 1e-2
        configuration.validationFraction = 0.1
        var trainer = try Trainer(configuration: configuration)
        let first = trainer.runStep()
        while !trainer.isFinished { trainer.runStep() }
        let validation = try #require(trainer.validate() as Double?)
        #expect(first > 2.0)
        #expect(trainer.progress.trainLoss < 0.15, "\(cell): train loss \(trainer.progress.trainLoss)")
        #expect(validation < 0.2, "\(cell): validation loss \(validation)")
    }

    @Test func stoppingAndResumingGivesTheSameWeightsAsOneRun() throws {
        let text = (0..<60).map { "line \($0 * 7 % 13) of a small corpus, with some variety \($0 % 5).\n" }.joined()
        let (directory, path) = try Self.corpusFile(text)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TrainingConfiguration(corpus: path)
        configuration.hidden = 16
        configuration.layers = 2
        configuration.embedding = 6
        configuration.seqLen = 10
        configuration.batch = 5
        configuration.dropout = 0.2
        configuration.learningRateDecay = 0.9
        // Stop three quarters into the first epoch; the whole run crosses into the second.
        let half = try Trainer(configuration: configuration).windowsPerEpoch * 3 / 4
        configuration.steps = 2 * half
        var straight = try Trainer(configuration: configuration)
        while !straight.isFinished { straight.runStep() }

        var first = try Trainer(configuration: configuration)
        for _ in 0..<half { first.runStep() }
        let checkpoint = directory + "/run.ckpt"
        try first.saveCheckpoint(to: checkpoint)
        var resumed = try Trainer(resuming: checkpoint)
        #expect(resumed.step == half)
        while !resumed.isFinished { resumed.runStep() }
        #expect(resumed.step == straight.step)
        #expect(resumed.network == straight.network)
        #expect(resumed.progress.trainLoss == straight.progress.trainLoss)
    }

    @Test func theModelCarriesItsTrainingRecord() throws {
        let (directory, path) = try Self.corpusFile(String(repeating: "abcabcabd\n", count: 30))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TrainingConfiguration(corpus: path)
        configuration.hidden = 8
        configuration.seqLen = 8
        configuration.batch = 2
        configuration.epochs = 2
        var trainer = try Trainer(configuration: configuration)
        #expect(trainer.configuration.steps == 2 * trainer.windowsPerEpoch)
        while !trainer.isFinished { trainer.runStep() }
        trainer.validate()
        var model = trainer.model(name: "tiny", summary: "test")
        try model.save(to: directory + "/tiny.safetensors")
        let loaded = try RecurModel(contentsOf: directory + "/tiny.safetensors")
        let training = try #require(
            loaded.trainingJSON.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        for key in [
            "corpus", "cell", "layers", "hidden", "seq_len", "batch", "steps", "lr", "clip", "seed", "seconds", "train_loss",
            "val_loss",
        ] {
            #expect(training[key] != nil, "training.\(key)")
        }
        #expect(loaded.vocabulary.tokens == ["\n", "a", "b", "c", "d"])
    }

    @Test func badCorporaAreRefusedClearly() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func problem(_ bytes: Data, seqLen: Int = 16) -> String? {
            let path = directory + "/c-\(UUID().uuidString).txt"
            try? bytes.write(to: URL(fileURLWithPath: path))
            var configuration = TrainingConfiguration(corpus: path)
            configuration.seqLen = seqLen
            configuration.batch = 4
            do {
                _ = try Trainer(configuration: configuration)
                return nil
            } catch { return error.description }
        }
        #expect(problem(Data())?.contains("is empty") == true)
        #expect(problem(Data(repeating: 0x61, count: 500))?.contains("only one distinct character") == true)
        #expect(problem(Data([0x00, 0xFF, 0x13, 0x88, 0x00]))?.contains("not UTF-8") == true)
        #expect(problem(Data("short text".utf8), seqLen: 100)?.contains("seq_len") == true)
        var missing = TrainingConfiguration(corpus: directory + "/none.txt")
        missing.steps = 1
        #expect(throws: TrainingError.self) { try Trainer(configuration: missing) }
        var bad = TrainingConfiguration(corpus: directory + "/none.txt")
        bad.dropout = 1
        do {
            _ = try Trainer(configuration: bad)
        } catch {
            // The library names the setting; the command line names its flag.
            #expect(error.description.hasPrefix("dropout 1.0 is out of range"))
            #expect(error.description(naming: { "--" + $0.replacingOccurrences(of: "_", with: "-") }).hasPrefix("--dropout 1.0"))
        }
    }

    @Test func aNotesCorpusHasTunesBetweenEndMarks() throws {
        let (directory, path) = try Self.corpusFile("n60 - n62 - r n64\nn64 - - n60\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let corpus = try TrainingCorpus(path: path, kind: .notes, validationFraction: 0)
        #expect(corpus.vocabulary.tokens == ["<eos>", "r", "-", "n60", "n62", "n64"])
        #expect(corpus.vocabulary.decode(corpus.training) == "<eos> n60 - n62 - r n64 <eos> n64 - - n60 <eos>")
    }

    @Test func aNotesModelLearnsEachTuneFromTheZeroState() throws {
        let tunes = (0..<30).map { i in
            "M:4/4 K:major "
                + (0..<4).map { bar in "n\(60 + (i + bar) % 7) - - - n\(64 + bar % 3) - - - |" }.joined(separator: " ")
        }
        let (directory, path) = try Self.corpusFile(tunes.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = TrainingConfiguration(corpus: path)
        configuration.kind = .notes
        configuration.hidden = 16
        configuration.seqLen = 16
        configuration.batch = 4
        configuration.steps = 20
        configuration.validationFraction = 0.1
        var trainer = try Trainer(configuration: configuration)
        #expect(trainer.configuration.resetsAtEndOfTune)
        while !trainer.isFinished { trainer.runStep() }
        let model = trainer.model(name: "tiny", summary: "")
        #expect(model.trainingJSON?.contains("\"reset_at_eos\":true") == true)
        let end = try #require(model.vocabulary.id(of: Vocabulary.endOfTune))
        #expect(model.resetToken == end)

        // Scoring two tunes in one file is scoring each alone: the state is zeroed at <eos>.
        func total(_ model: RecurModel, _ text: String) throws -> Double {
            let evaluation = try Evaluator.evaluate(model, corpus: text, label: "tunes")
            return evaluation.lossNats * Double(evaluation.tokens)
        }
        let both = try total(model, tunes[3] + "\n" + tunes[8] + "\n")
        let apart = try total(model, tunes[3] + "\n") + total(model, tunes[8] + "\n")
        #expect(abs(both - apart) < 1e-5 * apart)
        // Sampling too: a prime is fed after <eos>, and one holding a whole tune goes on
        // as the next tune's start alone would.
        func sample(_ model: RecurModel, primed prime: String) throws -> String {
            var request = SamplingRequest()
            request.prime = prime
            request.length = 40
            request.seed = 7
            var sampler = BatchSampler(model: model, threads: 1)
            sampler.joinAll(try request.prepared(for: model), key: "p")
            return try #require(sampler.runToCompletion().first).text
        }
        let start = "M:4/4 K:major n62 - - -"
        let alone = try sample(model, primed: start)
        #expect(alone.count > start.count)
        func inputs(primed prime: String) throws -> [Int] {
            var request = SamplingRequest()
            request.prime = prime
            return try request.prepared(for: model).inputs
        }
        #expect(try inputs(primed: start) == inputs(primed: "<eos> " + start))
        #expect(try inputs(primed: start).first == end)
        #expect(try sample(model, primed: "<eos> " + start) == "<eos> " + alone)
        #expect(try sample(model, primed: tunes[3] + " <eos> " + start) == tunes[3] + " <eos> " + alone)
        // A model without the flag carries the state from the first tune into the second.
        var carrying = model
        carrying.trainingJSON = nil
        #expect(carrying.resetToken == nil)
        #expect(abs(try total(carrying, tunes[3] + "\n" + tunes[8] + "\n") - apart) > 1e-3 * apart)
    }

    @Test func aSeparateValidationFileIsHeldOutWholeAndSharesTheVocabulary() throws {
        let (directory, path) = try Self.corpusFile(String(repeating: "to be or not to be\n", count: 20))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let heldOut = directory + "/held.txt"
        try "Zounds, to be!\n".write(toFile: heldOut, atomically: true, encoding: .utf8)
        let corpus = try TrainingCorpus(path: path, validationPath: heldOut, kind: .text, validationFraction: 0.3)
        #expect(corpus.training.count == 20 * 19)
        #expect(corpus.vocabulary.decode(corpus.validation) == "Zounds, to be!\n")
        #expect(corpus.vocabulary.tokens.contains("Z") && corpus.vocabulary.tokens.contains("!"))
        try "".write(toFile: heldOut, atomically: true, encoding: .utf8)
        #expect(throws: CorpusError.self) {
            try TrainingCorpus(path: path, validationPath: heldOut, kind: .text, validationFraction: 0)
        }
    }
}
