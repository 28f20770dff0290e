import Foundation
import Testing

@testable import RecurCore

/// `--keep-best` and `--patience`: the written weights are those of the lowest
/// validation loss, an over-fitting run stops, and a resumed run keeps the best so far.
struct BestValidationTests {
    /// A tiny corpus that a large model over-fits within a few dozen steps: the
    /// validation file shares its characters but not its sentences.
    static func overfittingRun(in directory: String) throws -> TrainingConfiguration {
        let corpus = directory + "/corpus.txt", heldOut = directory + "/held.txt"
        try String(repeating: "a cat sat on a mat. ", count: 12).write(toFile: corpus, atomically: true, encoding: .utf8)
        try String(repeating: "on a cat a mat sat. ", count: 4).write(toFile: heldOut, atomically: true, encoding: .utf8)
        var configuration = TrainingConfiguration(corpus: corpus)
        configuration.validationCorpus = heldOut
        configuration.hidden = 48
        configuration.layers = 1
        configuration.seqLen = 12
        configuration.batch = 4
        configuration.learningRate = 2e-2
        configuration.validateEvery = 3
        configuration.steps = 90
        return configuration
    }

    @Test func keepBestWritesTheWeightsOfTheLowestValidationLoss() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = try Self.overfittingRun(in: directory)
        configuration.keepBest = true
        configuration.patience = 3
        var trainer = try Trainer(configuration: configuration)
        var validated: [(step: Int, loss: Double, network: RecurrentNetwork)] = []
        while !trainer.isFinished {
            trainer.runStep()
            if trainer.step % configuration.validateEvery == 0, let loss = trainer.validate() {
                validated.append((trainer.step, loss, trainer.network))
            }
        }
        let lowest = try #require(validated.min { $0.loss < $1.loss })
        #expect(lowest.step != validated.last?.step, "the run must over-fit for this test to tell best from last")
        var model = trainer.model(name: "best", summary: "")
        #expect(model.network == lowest.network)
        #expect(model.network != trainer.network)
        try model.save(to: directory + "/best.safetensors")
        let training = try #require(
            try RecurModel(contentsOf: directory + "/best.safetensors").trainingJSON
                .flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(abs((training["val_loss"] as? Double ?? 0) - lowest.loss) < 1e-12, "JSON keeps the loss to the last digit or so")
        #expect(training["best_step"] as? Int == lowest.step)
        #expect(training["steps"] as? Int == trainer.step)
        #expect(training["stopped_early"] as? Bool == true)
    }

    @Test func patienceStopsAnOverfittingRun() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = try Self.overfittingRun(in: directory)
        configuration.patience = 2
        configuration.steps = 10_000
        var trainer = try Trainer(configuration: configuration)
        while !trainer.isFinished {
            trainer.runStep()
            if trainer.step % configuration.validateEvery == 0 { trainer.validate() }
        }
        #expect(trainer.stoppedEarly)
        let bestStep = try #require(trainer.best.step)
        #expect(trainer.step == bestStep + 2 * configuration.validateEvery)
        #expect(trainer.step < 300)
        #expect(trainer.progress.step == trainer.step)
    }

    @Test func aResumedRunKeepsTheBestSoFar() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = try Self.overfittingRun(in: directory)
        configuration.keepBest = true
        configuration.patience = 3
        func run(_ trainer: inout Trainer, until last: Int) {
            while !trainer.isFinished && trainer.step < last {
                trainer.runStep()
                if trainer.step % configuration.validateEvery == 0 { trainer.validate() }
            }
        }
        var straight = try Trainer(configuration: configuration)
        run(&straight, until: .max)
        let bestStep = try #require(straight.best.step)

        var first = try Trainer(configuration: configuration)
        run(&first, until: bestStep + 1)
        let checkpoint = directory + "/run.ckpt"
        try first.saveCheckpoint(to: checkpoint)
        var resumed = try Trainer(resuming: checkpoint)
        #expect(resumed.best == first.best)
        run(&resumed, until: .max)
        #expect(resumed.best == straight.best)
        #expect(resumed.history == straight.history, "the loss curve continues across the resume")
        #expect(resumed.step == straight.step && resumed.stoppedEarly == straight.stoppedEarly)
        #expect(resumed.model(name: "m", summary: "").network == straight.model(name: "m", summary: "").network)
    }

    @Test func keepBestWithoutValidationTokensIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = try Self.overfittingRun(in: directory)
        configuration.validationCorpus = nil
        configuration.validationFraction = 0
        configuration.keepBest = true
        do {
            _ = try Trainer(configuration: configuration)
            Issue.record("a run that cannot validate accepted --keep-best")
        } catch {
            #expect(
                error.description(naming: { "--" + $0.replacingOccurrences(of: "_", with: "-") }).contains(
                    "--keep-best needs a validation loss"))
        }
    }
}
