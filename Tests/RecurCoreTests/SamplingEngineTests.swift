import Foundation
import Testing

@testable import RecurCore

/// The batched sampling engine: parity with PyTorch, batch invariance, continuous
/// batching and every sampling control.
struct SamplingEngineTests {
    static let parityCases = PyTorchParityTests.cases

    @Test("the step engine's logits match PyTorch to 1e-5", arguments: parityCases)
    func stepEngineMatchesPyTorch(name: String) throws {
        let model = try RecurModel(contentsOf: fixture("parity/\(name).safetensors"))
        let expected = try loadJSON(PyTorchParityTests.Expected.self, "parity/\(name).json")
        var batch = StepBatch(weights: InferenceWeights(model.network), threads: 2)
        _ = batch.appendRow()
        var logits: [Float] = []
        for token in expected.tokens {
            batch.step(tokens: [token])
            logits += batch.logits.prefix(model.network.vocabularySize)
        }
        #expect(maximumRelativeError(logits, expected.logits.flatMap { $0 }) < 1e-5)
    }

    @Test(
        "an LSTM step with the cell fused into the kernel gives the separate step's bits",
        .enabled(if: PanelKernelVariant.available.contains(.avx512), "the CPU has no AVX-512: no fused cell to compare"),
        arguments: [nil, 8] as [Int?])
    func fusedLSTMCellChangesNoBit(embedding: Int?) {
        var network = randomNetwork(cell: .lstm, vocabulary: 11, hidden: 64, layers: 2, embedding: embedding, seed: 8)
        for k in network.layers.indices {
            network.layers[k].hiddenWeights.values = network.layers[k].hiddenWeights.values.map { $0 * 0.5 }
        }
        let fused = InferenceWeights(network), separate = InferenceWeights(network, fusingLSTMCell: false)
        #expect(!separate.fusesLSTMCell)
        #expect(fused.fusesLSTMCell == PanelKernelVariant.available.contains(.avx512))
        for (rows, threads) in [(1, 2), (6, 1), (33, 2), (70, 2)] {
            var a = StepBatch(weights: fused, threads: threads), b = StepBatch(weights: separate, threads: threads)
            for _ in 0..<rows {
                _ = a.appendRow()
                _ = b.appendRow()
            }
            for step in 0..<6 {
                let tokens = (0..<rows).map { ($0 * 7 + step * 3) % 11 }
                a.step(tokens: tokens)
                b.step(tokens: tokens)
                #expect(a.logits.map(\.bitPattern) == b.logits.map(\.bitPattern), "rows \(rows), step \(step)")
            }
        }
    }

    /// A model big enough for every kernel path: several panels, row groups and K blocks.
    static func mediumModel(cell: CellKind, embedding: Int? = nil) -> RecurModel {
        let tokens = (0..<37).map { String(UnicodeScalar(UInt8(($0 == 0 ? 10 : 64 + $0)))) }
        let vocabulary = Vocabulary(kind: .text, tokens: tokens)!
        var network = randomNetwork(cell: cell, vocabulary: 37, hidden: 40, layers: 2, embedding: embedding, seed: 5)
        // Scale down so that samples are not all saturated.
        for k in network.layers.indices {
            network.layers[k].hiddenWeights.values = network.layers[k].hiddenWeights.values.map { $0 * 0.4 }
        }
        return RecurModel(network: network, vocabulary: vocabulary, name: "medium-\(cell.rawValue)")
    }

    func samples(_ model: RecurModel, _ request: SamplingRequest, threads: Int) throws -> [String] {
        var sampler = BatchSampler(model: model, threads: threads)
        sampler.joinAll(try request.prepared(for: model), key: "r")
        return sampler.runToCompletion().sorted { $0.id.index < $1.id.index }.map(\.text)
    }

    /// Sample 1 of 60 tokens after "AB" (seed 42) with 1, 7 and 64 samples, on 1 and 2
    /// threads each; also checks that sample 7 of 64 equals sample 7 of 7.
    func firstSamples(_ model: RecurModel) throws -> [String] {
        var request = SamplingRequest()
        request.length = 60
        request.temperature = 1
        request.seed = 42
        request.prime = "AB"
        var first: [String] = []
        for count in [1, 7, 64] {
            request.count = count
            for threads in [1, 2] {
                let texts = try samples(model, request, threads: threads)
                #expect(texts.count == count)
                first.append(texts[0])
                if count == 64, threads == 2 {
                    request.count = 7
                    #expect(try samples(model, request, threads: 1)[6] == texts[6])
                    request.count = 64
                }
            }
        }
        return first
    }

    @Test("sample 1 is byte-identical with 1, 7 or 64 samples, on 1 or 2 threads", arguments: CellKind.allCases)
    func batchInvariance(cell: CellKind) throws {
        let first = try firstSamples(Self.mediumModel(cell: cell, embedding: cell == .gru ? 9 : nil))
        #expect(Set(first).count == 1, "sample 1 differed: \(first)")
        #expect(first[0].count == 62)
    }

    @Test func rowsJoiningLaterAndOtherRequestsDoNotChangeASample() throws {
        let model = Self.mediumModel(cell: .lstm)
        var alone = SamplingRequest()
        alone.count = 3
        alone.length = 40
        alone.temperature = 0.9
        alone.seed = 7
        let reference = try samples(model, alone, threads: 1)

        var other = SamplingRequest()
        other.count = 10
        other.length = 25
        other.prime = "CDEFGHIJ"
        other.seed = 99
        var sampler = BatchSampler(model: model, threads: 2)
        sampler.joinAll(try other.prepared(for: model), key: "other")
        for _ in 0..<5 { _ = sampler.step() }
        let prepared = try alone.prepared(for: model)
        sampler.join(prepared, key: "late", index: 2)
        for _ in 0..<3 { _ = sampler.step() }
        sampler.join(prepared, key: "late", index: 0)
        sampler.join(prepared, key: "late", index: 1)
        let finished = sampler.runToCompletion().filter { $0.id.request == "late" }.sorted { $0.id.index < $1.id.index }
        #expect(finished.map(\.text) == reference)
    }

    @Test func greedySamplingFollowsTheArgmaxOfTheSequenceForward() throws {
        let model = try RecurModel(contentsOf: fixture("parity/gru-l2-onehot.safetensors"))
        var request = SamplingRequest()
        request.temperature = 0
        request.length = 30
        request.prime = "ab"
        let text = try samples(model, request, threads: 1)[0]
        // Replay with the whole-sequence forward pass: each token is the argmax after the previous ones.
        var ids = model.vocabulary.encode("ab").ids
        var state = NetworkState(for: model.network, batch: 1)
        var logits = model.network.forward(tokens: ids, steps: ids.count, state: &state)
        for _ in 0..<30 {
            let v = model.network.vocabularySize
            let last = Array(logits.values[(logits.rows - 1) * v..<logits.rows * v])
            let next = last.indices.max { last[$0] < last[$1] || (last[$0] == last[$1] && $0 > $1) }!
            ids.append(next)
            logits = model.network.forward(tokens: [next], steps: 1, state: &state)
        }
        #expect(text == model.vocabulary.decode(ids))
    }

    @Test func topKNeverLeavesTheKBestAndTopPNeverLeavesTheNucleus() {
        let logits: [Float] = [0.1, 2.0, -1.0, 1.5, 0.3, 3.0, -2.0, 1.4]
        var random = SampleRandom(seed: 1, index: 0)
        logits.withUnsafeBufferPointer { row in
            for _ in 0..<3000 {
                let k = TokenSampler.sample(logits: row, temperature: 1.5, topK: 3, topP: 1, random: &random)
                #expect([5, 1, 3].contains(k))
                // Probabilities at T=1: token 5 ≈ 0.47, 1 ≈ 0.17, 3 ≈ 0.11, 7 ≈ 0.10 → nucleus 0.7 = {5, 1, 3}.
                let p = TokenSampler.sample(logits: row, temperature: 1, topK: 0, topP: 0.7, random: &random)
                #expect([5, 1, 3].contains(p))
                #expect(TokenSampler.sample(logits: row, temperature: 1, topK: 1, topP: 1, random: &random) == 5)
            }
        }
    }

    @Test func temperatureLimits() {
        let logits: [Float] = [1, 3, 2, 3]
        var random = SampleRandom(seed: 3, index: 0)
        logits.withUnsafeBufferPointer { row in
            // 0 is greedy; a tie goes to the lower id.
            #expect(TokenSampler.sample(logits: row, temperature: 0, topK: 0, topP: 1, random: &random) == 1)
            // A tiny temperature is greedy among the tied maxima.
            for _ in 0..<200 {
                #expect([1, 3].contains(TokenSampler.sample(logits: row, temperature: 1e-3, topK: 0, topP: 1, random: &random)))
            }
            // A huge temperature is close to uniform.
            var counts = [0, 0, 0, 0]
            for _ in 0..<8000 {
                counts[TokenSampler.sample(logits: row, temperature: 100, topK: 0, topP: 1, random: &random)] += 1
            }
            #expect(counts.allSatisfy { abs($0 - 2000) < 200 }, "\(counts)")
        }
    }

    @Test("temperature-1 draws follow the model's softmax (chi-square, p = 0.001)")
    func samplingMatchesTheSoftmaxDistribution() throws {
        let model = Self.mediumModel(cell: .lstm)
        var request = SamplingRequest()
        request.count = 10_000
        request.length = 1
        request.temperature = 1
        request.prime = "ABC"
        request.seed = 2024
        let texts = try samples(model, request, threads: 2)
        var observed = [Int](repeating: 0, count: model.vocabulary.count)
        for text in texts { observed[model.vocabulary.id(of: String(text.unicodeScalars.last!))!] += 1 }
        var state = NetworkState(for: model.network, batch: 1)
        let ids = model.vocabulary.encode("ABC").ids
        let logits = model.network.forward(tokens: ids, steps: 3, state: &state)
        let last = Array(logits.values[(2 * logits.columns)...])
        let p = Activations.softmax(last).map(Double.init)
        // Pool rare tokens so every expected count is at least 5.
        var chi = 0.0, pooledObserved = 0.0, pooledExpected = 0.0, cells = 0
        for (count, probability) in zip(observed, p) {
            let expected = probability * Double(texts.count)
            if expected < 5 {
                pooledObserved += Double(count)
                pooledExpected += expected
                continue
            }
            chi += (Double(count) - expected) * (Double(count) - expected) / expected
            cells += 1
        }
        if pooledExpected > 0 {
            chi += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected
            cells += 1
        }
        // Critical value of χ² at p = 0.001 ≈ df + 3.09·√(2·df) + 2·3.09²/3 (Wilson–Hilferty is close enough here).
        let df = Double(cells - 1)
        let critical = df + 3.09 * (2 * df).squareRoot() + 6.4
        #expect(cells > 5)
        #expect(chi < critical, "χ² = \(chi) with \(cells - 1) degrees of freedom")
    }

    @Test func stopSequencesCutExactlyAndAreNotStreamedAhead() throws {
        let model = Self.mediumModel(cell: .rnn)
        var request = SamplingRequest()
        request.length = 400
        request.temperature = 1
        request.seed = 11
        let free = try samples(model, request, threads: 1)[0]
        // Pick a two-character string that occurs in the free sample and stop on it.
        let scalars = Array(free.unicodeScalars)
        let stop = String(String.UnicodeScalarView(scalars[20..<22]))
        request.stop = [stop, "ZZZZZZZ"]
        var sampler = BatchSampler(model: model, threads: 1)
        sampler.joinAll(try request.prepared(for: model), key: "s")
        var streamed = ""
        let result = sampler.runToCompletion { event in
            if case .text(_, let text) = event { streamed += text }
        }[0]
        #expect(result.ending == .stop)
        #expect(!result.text.contains(stop))
        #expect(free.hasPrefix(result.text + stop))
        #expect(streamed == result.text)
        #expect(result.generatedTokens == result.text.unicodeScalars.count)
    }

    @Test func lengthLimitsGeneratedTokensAndThePrimeComesFirst() throws {
        let model = Self.mediumModel(cell: .gru, embedding: 5)
        var request = SamplingRequest()
        request.length = 17
        request.prime = "HELLO"
        request.count = 3
        for text in try samples(model, request, threads: 2) {
            #expect(text.hasPrefix("HELLO"))
            #expect(text.unicodeScalars.count == 5 + 17)
        }
    }

    @Test func aNotesSampleEndsAtEndOfTune() throws {
        let tokens = ["<eos>", "n60", "n62", "-", "r"]
        var network = randomNetwork(cell: .lstm, vocabulary: tokens.count, hidden: 8, layers: 1, seed: 3)
        // Make <eos> overwhelmingly likely after "n62".
        network.headBias[0] = 0
        let model = RecurModel(network: network, vocabulary: Vocabulary(kind: .notes, tokens: tokens)!, name: "notes")
        var request = SamplingRequest()
        request.count = 50
        request.length = 200
        request.temperature = 1
        request.prime = "n60 -"
        var sampler = BatchSampler(model: model, threads: 1)
        sampler.joinAll(try request.prepared(for: model), key: "n")
        let results = sampler.runToCompletion()
        #expect(results.count == 50)
        #expect(results.contains { $0.ending == .endOfTune })
        for sample in results {
            #expect(sample.text.hasPrefix("n60 -"))
            #expect(!sample.text.contains("<eos>"))
            let names = sample.text.split(separator: " ")
            #expect(names.count == 2 + sample.generatedTokens)
            #expect(names.allSatisfy { tokens.contains(String($0)) })
        }
    }

    @Test func aGuideForcesOrRestrictsTheFirstTokensAndKeepsSamplesBatchInvariant() throws {
        let tokens = ["<eos>", "n60", "n62", "-", "r", "M:3/4", "M:6/8", "K:major", "K:minor"]
        let network = randomNetwork(cell: .lstm, vocabulary: tokens.count, hidden: 8, layers: 1, seed: 5)
        let model = RecurModel(network: network, vocabulary: Vocabulary(kind: .notes, tokens: tokens)!, name: "guided")
        func run(count: Int, guide: [[String]], threads: Int = 1) throws -> [Sample] {
            var request = SamplingRequest()
            request.count = count
            request.length = 12
            request.temperature = 1
            request.seed = 9
            request.guide = guide
            var sampler = BatchSampler(model: model, threads: threads)
            sampler.joinAll(try request.prepared(for: model), key: "g")
            return sampler.runToCompletion().sorted { $0.id.index < $1.id.index }
        }
        let any = [["M:3/4", "M:6/8"], ["K:major", "K:minor"]]
        let samples = try run(count: 40, guide: any)
        var firsts = Set<String>()
        for sample in samples {
            let names = sample.text.split(separator: " ").map(String.init)
            #expect(names.count >= 2)
            #expect(any[0].contains(names[0]) && any[1].contains(names[1]), "\(sample.text)")
            firsts.insert(names[0])
        }
        #expect(firsts.count == 2)  // both meters drawn: the guide restricts, it does not pick one
        let forced = try run(count: 5, guide: [["M:6/8"], ["K:minor"]])
        #expect(forced.allSatisfy { $0.text.hasPrefix("M:6/8 K:minor") })
        // Sample 3 alone equals sample 3 of 40, on two threads too.
        let alone = try run(count: 3, guide: any, threads: 2)
        #expect(alone[2].text == samples[2].text)
        // A guide token outside the vocabulary, or <eos>, is refused.
        var bad = SamplingRequest()
        bad.guide = [["M:5/4"]]
        #expect(throws: RequestError.self) { try bad.prepared(for: model) }
        bad.guide = [["<eos>"]]
        #expect(throws: RequestError.self) { try bad.prepared(for: model) }
    }

    @Test func aWarmUpIsFedBeforeTheTuneAndIsNotPartOfIt() throws {
        let tokens = ["<eos>", "n60", "n62", "-", "r", "|"]
        let network = randomNetwork(cell: .lstm, vocabulary: tokens.count, hidden: 8, layers: 1, seed: 6)
        let model = RecurModel(network: network, vocabulary: Vocabulary(kind: .notes, tokens: tokens)!, name: "warm")
        var request = SamplingRequest()
        request.warmup = ["n60", "-", "|"]
        request.length = 10
        request.seed = 3
        let plain = try request.prepared(for: model)
        #expect(plain.inputs == [1, 3, 5, 0])  // warm-up, then the tune starts after <eos>
        request.prime = "n62 -"
        #expect(try request.prepared(for: model).inputs == [1, 3, 5, 0, 2, 3])
        var sampler = BatchSampler(model: model, threads: 1)
        sampler.joinAll(try request.prepared(for: model), key: "w")
        let sample = try #require(sampler.runToCompletion().first)
        #expect(sample.text.hasPrefix("n62 -"))
        request.warmup = ["n61"]
        #expect(throws: RequestError.self) { try request.prepared(for: model) }
    }

    @Test func badRequestsNameTheField() throws {
        let model = Self.mediumModel(cell: .lstm)
        func field(_ change: (inout SamplingRequest) -> Void) -> String? {
            var request = SamplingRequest()
            change(&request)
            do {
                _ = try request.prepared(for: model)
                return nil
            } catch { return error.field }
        }
        #expect(field { $0.count = 0 } == "count")
        #expect(field { $0.length = -1 } == "length")
        #expect(
            field {
                $0.count = 10_000
                $0.length = 10_000
            } == "length")
        #expect(field { $0.temperature = .nan } == "temperature")
        #expect(field { $0.temperature = -1 } == "temperature")
        #expect(field { $0.topK = -2 } == "top_k")
        #expect(field { $0.topP = 0 } == "top_p")
        #expect(field { $0.topP = 1.5 } == "top_p")
        #expect(field { $0.prime = "A~" } == "prime")
        #expect(field { $0.stop = [""] } == "stop")
        #expect(field { _ in } == nil)
    }

    @Test func theRandomStreamIsFixedBySeedAndIndex() {
        var a = SampleRandom(seed: 5, index: 3), b = SampleRandom(seed: 5, index: 3), c = SampleRandom(seed: 5, index: 4)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
        // Pinned values, computed independently from the documented derivation
        // (SplitMix64 → xoshiro256**) in Python: changing the generator would change
        // every user's samples.
        var zero = SampleRandom(seed: 0, index: 0)
        #expect([zero.next(), zero.next()] == [18_110_106_563_157_542_208, 8_650_457_082_529_208_451])
        var seven = SampleRandom(seed: 7, index: 3)
        #expect([seven.next(), seven.next()] == [13_407_865_382_646_051_266, 664_526_586_237_741_325])
    }
}
