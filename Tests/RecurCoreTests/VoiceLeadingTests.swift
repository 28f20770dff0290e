import Testing

@testable import RecurCore

/// `VoiceLeading`: no parallel fifths or octaves and no crossings in a random four-voice
/// model's chorales, where the same model without the rules writes them.
struct VoiceLeadingTests {
    /// ids: 0 <eos>, 1 -, 2 r, 3… n48…n72, then |, M:4/4, K:major.
    static let pitches = Array(48...72)
    static let vocabulary = ["<eos>", "-", "r"] + pitches.map { "n\($0)" } + ["|", "M:4/4", "K:major"]
    static var barLine: Int { 3 + pitches.count }

    static func model(seed: UInt64) -> RecurModel {
        let vocabulary = Vocabulary(kind: .notes, tokens: Self.vocabulary)!
        var network = randomNetwork(
            cell: .lstm, vocabulary: Self.vocabulary.count, hidden: 32, layers: 1, embedding: 8, seed: seed)
        network.headWeights.values = network.headWeights.values.map { $0 * 0.3 }
        // Long chorales of sounding voices: the end and rests made rare.
        network.headBias[0] = -8
        network.headBias[2] = -8
        return RecurModel(network: network, vocabulary: vocabulary, name: "voices-\(seed)")
    }

    static let rules = VoiceLeading(
        pitches: Dictionary(uniqueKeysWithValues: pitches.enumerated().map { ($0.offset + 3, $0.element) }), hold: 1,
        voices: 4, stepTokens: Set(1..<(3 + pitches.count)), endOfTune: 0)

    static let grammar = BarGrammar(
        barLine: barLine, endOfTune: 0, stepTokens: Set(1..<(3 + pitches.count)), stepsPerBar: [barLine + 1: 16], voices: 4)

    /// Parallel fifths and octaves (both voices move the same way, the same perfect interval
    /// reduced to an octave on both steps) and crossings of adjacent voices, counted as
    /// scripts/chorale-stats counts them.
    static func faults(_ text: String) -> (parallels: Int, crossings: Int, moves: Int) {
        var sounding: [Int?] = [nil, nil, nil, nil]
        var steps: [[Int?]] = []
        var pending: [String] = []
        for token in text.split(separator: " ").map(String.init) where token == "-" || token == "r" || token.hasPrefix("n") {
            pending.append(token)
            guard pending.count == 4 else { continue }
            for (v, t) in pending.enumerated() {
                if t == "r" { sounding[v] = nil } else if t != "-" { sounding[v] = Int(t.dropFirst()) }
            }
            steps.append(sounding)
            pending = []
        }
        var parallels = 0, crossings = 0, moves = 0
        for (i, now) in steps.enumerated() {
            for v in 1..<4 {
                if let a = now[v - 1], let b = now[v], b > a { crossings += 1 }
            }
            guard i > 0 else { continue }
            let before = steps[i - 1]
            for u in 0..<4 {
                for v in (u + 1)..<4 {
                    guard let u0 = before[u], let v0 = before[v], let u1 = now[u], let v1 = now[v] else { continue }
                    moves += 1
                    guard u1 != u0, v1 != v0, (u1 > u0) == (v1 > v0) else { continue }
                    let i0 = abs(u0 - v0) % 12, i1 = abs(u1 - v1) % 12
                    if i0 == i1 && (i0 == 7 || i0 == 0) { parallels += 1 }
                }
            }
        }
        return (parallels, crossings, moves)
    }

    func chorales(seed: UInt64, rules: VoiceLeading?) throws -> [String] {
        let model = Self.model(seed: seed)
        var request = SamplingRequest()
        request.guide = [["M:4/4"], ["K:major"]]
        request.bars = Self.grammar
        request.voiceLeading = rules
        request.count = 12
        request.length = 300
        request.temperature = 1
        request.seed = seed
        var sampler = BatchSampler(model: model, threads: 1)
        sampler.joinAll(try request.prepared(for: model), key: "c")
        return sampler.runToCompletion().map(\.text)
    }

    @Test("no parallel fifths, octaves or crossings where the model alone writes them", arguments: [1, 2, 3] as [UInt64])
    func theRulesHoldWhereTheModelAloneBreaksThem(seed: UInt64) throws {
        let free = try chorales(seed: seed, rules: nil).map(Self.faults)
        #expect(free.reduce(0) { $0 + $1.parallels } > 0 && free.reduce(0) { $0 + $1.crossings } > 0, "the test has teeth")
        let ruled = try chorales(seed: seed, rules: Self.rules).map(Self.faults)
        #expect(ruled.reduce(0) { $0 + $1.moves } > 1000)
        #expect(ruled.reduce(0) { $0 + $1.parallels } == 0)
        #expect(ruled.reduce(0) { $0 + $1.crossings } == 0)
    }

    @Test func aForcedTokenIsKeptEvenWhenItBreaksARule() {
        var state = VoiceLeading.State()
        // Step 1: n60 (S) n53 (A) n48 (T) n48 (B); step 2: soprano n62.
        for token in [15, 8, 3, 3, 17] { Self.rules.observe(token, in: &state) }
        // Alto n55 would be a fifth below n62 after n53 a fifth below n60: parallel.
        #expect(Self.rules.filter([10], after: state) == [10])
        #expect(Self.rules.filter([10, 11, Self.barLine], after: state) == [11, Self.barLine])
        // n63 and above would cross the soprano.
        #expect(!Self.rules.filter(Array(1..<28), after: state).contains { $0 >= 18 })
    }
}
