import Foundation
import Testing

@testable import RecurCore

/// Per-sample log-likelihood, best-of-N and beam search, checked against the
/// whole-sequence forward pass (a second implementation of the network).
struct LikelihoodSearchTests {
    /// A notes model with a meter and a mode, for the guides and the bar grammar.
    /// ids: 0 <eos>, 1 -, 2 r, 3 n60, 4 n62, 5 n64, 6 |, 7 M:2/4 (8 steps), 8 K:major
    static func notesModel(seed: UInt64 = 3) -> RecurModel {
        let vocabulary = Vocabulary(kind: .notes, tokens: ["<eos>", "-", "r", "n60", "n62", "n64", "|", "M:2/4", "K:major"])!
        var network = randomNetwork(cell: .gru, vocabulary: 9, hidden: 24, layers: 2, embedding: 6, seed: seed)
        for k in network.layers.indices {
            network.layers[k].hiddenWeights.values = network.layers[k].hiddenWeights.values.map { $0 * 0.5 }
        }
        return RecurModel(network: network, vocabulary: vocabulary, name: "notes-\(seed)")
    }

    static let grammar = BarGrammar(barLine: 6, endOfTune: 0, stepTokens: [1, 2, 3, 4, 5], stepsPerBar: [7: 8])

    static func tuneRequest() -> SamplingRequest {
        var request = SamplingRequest()
        request.guide = [["M:2/4"], ["K:major"]]
        request.bars = grammar
        request.length = 60
        return request
    }

    func run(_ model: RecurModel, _ request: SamplingRequest, threads: Int = 1) throws -> [Sample] {
        var sampler = BatchSampler(model: model, threads: threads)
        sampler.joinAll(try request.prepared(for: model), key: "r")
        return sampler.runToCompletion().sorted { $0.id.index < $1.id.index }
    }

    /// The sample's tokens after its prime, and the one that ended it (`<eos>` or a stop
    /// sequence), read back from its text.
    func drawnTokens(_ sample: Sample, model: RecurModel, request: SamplingRequest) -> [Int] {
        let vocabulary = model.vocabulary
        switch vocabulary.kind {
        case .text:
            var scalars = Array(sample.text.unicodeScalars.dropFirst(request.prime.unicodeScalars.count))
            if sample.ending == .stop, let stop = request.stop.first(where: { _ in true }) {
                scalars += Array(stop.unicodeScalars)
            }
            return scalars.map { vocabulary.id(of: String($0))! }
        case .notes:
            let prime = request.prime.split(whereSeparator: \.isWhitespace).count
            var ids = sample.text.split(separator: " ").dropFirst(prime).map { vocabulary.id(of: String($0))! }
            if sample.ending == .endOfTune { ids.append(vocabulary.id(of: Vocabulary.endOfTune)!) }
            return ids
        }
    }

    /// Σ log p(token) of `drawn` after the request's inputs, by the sequence forward pass.
    func independentLogLikelihood(_ model: RecurModel, prepared: PreparedRequest, drawn: [Int]) -> Double {
        let ids = prepared.inputs + drawn
        var state = NetworkState(for: model.network, batch: 1)
        let logits = model.network.forward(
            tokens: Array(ids.dropLast()), steps: ids.count - 1, state: &state, resetToken: model.resetToken)
        let v = model.network.vocabularySize
        var total = 0.0
        logits.values.withUnsafeBufferPointer { rows in
            for (offset, token) in drawn.enumerated() {
                let t = prepared.inputs.count - 1 + offset
                let row = UnsafeBufferPointer(rebasing: rows[(t * v)..<((t + 1) * v)])
                total += Double(row[token]) - Double(Activations.logSumExp(row))
            }
        }
        return total
    }

    @Test("a text sample's log-likelihood is the sequence forward pass's, stop sequence included", arguments: CellKind.allCases)
    func textLikelihoodMatchesTheSequenceForward(cell: CellKind) throws {
        let model = SamplingEngineTests.mediumModel(cell: cell)
        var request = SamplingRequest()
        request.count = 6
        request.length = 50
        request.temperature = 1.3
        request.topK = 12
        request.prime = "AB"
        request.seed = 11
        // The stop: a character that half of these samples draw, so that some end at it.
        var holding: [Character: Int] = [:]
        for sample in try run(model, request) {
            for character in Set(sample.text.dropFirst(2)) { holding[character, default: 0] += 1 }
        }
        func distance(_ entry: (key: Character, value: Int)) -> Int { abs(2 * entry.value - request.count) }
        request.stop = [String(holding.min { (distance($0), $0.key) < (distance($1), $1.key) }!.key)]
        let prepared = try request.prepared(for: model)
        let samples = try run(model, request, threads: 2)
        #expect(samples.contains { $0.ending == .stop } && samples.contains { $0.ending == .length })
        for sample in samples {
            let drawn = drawnTokens(sample, model: model, request: request)
            #expect(sample.scoredTokens == drawn.count)
            let expected = independentLogLikelihood(model, prepared: prepared, drawn: drawn)
            #expect(abs(sample.logLikelihood - expected) < 1e-4 * max(1, abs(expected)), "\(sample.id)")
            #expect(abs(sample.meanLogLikelihood - expected / Double(drawn.count)) < 1e-5)
        }
    }

    @Test func aTunesLikelihoodCountsItsGuidedTokensAndItsEnd() throws {
        let model = Self.notesModel()
        var request = Self.tuneRequest()
        request.count = 8
        request.temperature = 1
        request.seed = 5
        let prepared = try request.prepared(for: model)
        let samples = try run(model, request)
        #expect(samples.contains { $0.ending == .endOfTune })
        for sample in samples {
            let drawn = drawnTokens(sample, model: model, request: request)
            #expect(sample.scoredTokens == sample.generatedTokens + (sample.ending == .endOfTune ? 1 : 0))
            let expected = independentLogLikelihood(model, prepared: prepared, drawn: drawn)
            #expect(abs(sample.logLikelihood - expected) < 1e-4 * max(1, abs(expected)))
        }
    }

    @Test func bestOfKeepsTheLikeliestCandidate() throws {
        let model = SamplingEngineTests.mediumModel(cell: .lstm)
        var plain = SamplingRequest()
        plain.count = 3
        plain.length = 30
        plain.temperature = 1
        plain.seed = 99
        // Each candidate drawn on its own, as a sample.
        var sampler = BatchSampler(model: model, threads: 1)
        let prepared = try plain.prepared(for: model)
        for index in 0..<3 {
            for candidate in 0..<5 { sampler.join(prepared, key: "c\(candidate)", index: index, candidate: candidate) }
        }
        let drawn = sampler.runToCompletion()

        var bestOf = plain
        bestOf.bestOf = 5
        let kept = try run(model, bestOf, threads: 2)
        #expect(kept.count == 3)
        for sample in kept {
            let candidates = drawn.filter { $0.id.index == sample.id.index }
            #expect(candidates.count == 5)
            let likeliest = candidates.max { $0.meanLogLikelihood < $1.meanLogLikelihood }!
            #expect(sample.text == likeliest.text)
            #expect(sample.logLikelihood == likeliest.logLikelihood)
            #expect(Set(candidates.map(\.text)).count > 1, "the candidates differ")
        }
        // Candidate 0 is the plain sample: best of 1 is plain sampling.
        bestOf.bestOf = 1
        #expect(try run(model, bestOf).map(\.text) == (try run(model, plain)).map(\.text))
    }

    @Test("best-of sample i is the same in a job of 1 or 4 samples, on 1 or 2 threads")
    func bestOfIsBatchInvariant() throws {
        let model = Self.notesModel()
        var request = Self.tuneRequest()
        request.temperature = 1
        request.seed = 8
        request.bestOf = 6
        var seen: [String] = []
        for (count, threads) in [(1, 1), (4, 2), (4, 1)] {
            request.count = count
            seen.append(try run(model, request, threads: threads)[0].text)
        }
        #expect(Set(seen).count == 1)
    }

    @Test("beam 1 is greedy sampling, token for token", arguments: [false, true])
    func beamOfOneIsGreedy(notes: Bool) throws {
        let model = notes ? Self.notesModel() : SamplingEngineTests.mediumModel(cell: .rnn)
        var greedy = notes ? Self.tuneRequest() : SamplingRequest()
        if !notes {
            greedy.prime = "AB"
            greedy.length = 70
            greedy.stop = ["JJ"]
        }
        greedy.temperature = 0
        var beam = greedy
        beam.temperature = nil
        beam.beam = 1
        let a = try run(model, greedy)[0], b = try run(model, beam)[0]
        #expect(a == b)
    }

    @Test("a wider beam never scores below greedy, and is deterministic", arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func widerBeamsNeverScoreBelowGreedy(seed: UInt64) throws {
        let model = Self.notesModel(seed: seed)
        var greedy = Self.tuneRequest()
        greedy.temperature = 0
        let baseline = try run(model, greedy)[0].meanLogLikelihood
        let prepared = try greedy.prepared(for: model)
        for width in [2, 3, 5, 8] {
            var beam = Self.tuneRequest()
            beam.beam = width
            let found = try run(model, beam, threads: 2)[0]
            #expect(found.meanLogLikelihood >= baseline - 1e-12, "width \(width)")
            #expect(try run(model, beam, threads: 1)[0] == found)
            // Its score is the model's, and its tokens obey the guide and the bar grammar.
            let drawn = drawnTokens(found, model: model, request: beam)
            let expected = independentLogLikelihood(model, prepared: prepared, drawn: drawn)
            #expect(abs(found.logLikelihood - expected) < 1e-4 * max(1, abs(expected)))
            #expect(Array(drawn.prefix(2)) == [7, 8])
            var state = BarGrammar.State()
            for (position, token) in drawn.enumerated() {
                if position >= 2, let allowed = Self.grammar.allowed(after: state) { #expect(allowed.contains(token)) }
                Self.grammar.observe(token, in: &state)
            }
        }
    }

    @Test func aBeamSharesTheBatchWithoutChangingAnything() throws {
        let model = SamplingEngineTests.mediumModel(cell: .lstm)
        var beam = SamplingRequest()
        beam.beam = 4
        beam.length = 40
        beam.prime = "C"
        let alone = try run(model, beam)[0]
        var other = SamplingRequest()
        other.count = 5
        other.length = 25
        other.bestOf = 3
        other.seed = 4
        let otherAlone = try run(model, other)
        var sampler = BatchSampler(model: model, threads: 2)
        sampler.joinAll(try other.prepared(for: model), key: "other")
        for _ in 0..<3 { _ = sampler.step() }
        sampler.joinAll(try beam.prepared(for: model), key: "beam")
        #expect(sampler.activeCount == 5 * 3 + 4)
        let mixed = sampler.runToCompletion()
        let found = try #require(mixed.first { $0.id.request == "beam" })
        #expect(found.text == alone.text && found.logLikelihood == alone.logLikelihood)
        #expect(
            mixed.filter { $0.id.request == "other" }.sorted { $0.id.index < $1.id.index }.map(\.text) == otherAlone.map(\.text))
    }

    @Test func searchRequestsAreRefusedWithTheFieldAtFault() {
        let model = SamplingEngineTests.mediumModel(cell: .gru)
        func field(_ change: (inout SamplingRequest) -> Void) -> String? {
            var request = SamplingRequest()
            change(&request)
            do {
                _ = try request.prepared(for: model)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field { $0.bestOf = 0 } == "best_of")
        #expect(field { $0.bestOf = 65 } == "best_of")
        #expect(
            field {
                $0.bestOf = 4
                $0.temperature = 0
            } == "best_of")
        #expect(field { $0.beam = 0 } == "beam")
        #expect(field { $0.beam = 65 } == "beam")
        #expect(
            field {
                $0.beam = 2
                $0.bestOf = 2
            } == "beam")
        #expect(
            field {
                $0.beam = 2
                $0.temperature = 0
            } == "beam")
        #expect(
            field {
                $0.beam = 2
                $0.topK = 5
            } == "beam")
        #expect(
            field {
                $0.beam = 2
                $0.topP = 0.5
            } == "beam")
        #expect(
            field {
                $0.beam = 2
                $0.count = 3
            } == "beam")
        #expect(
            field {
                $0.bestOf = 64
                $0.count = 10_000
                $0.length = 1000
            } == "best_of")
        #expect(field { $0.beam = 64 } == nil)
        #expect(field { $0.bestOf = 64 } == nil)
    }
}
