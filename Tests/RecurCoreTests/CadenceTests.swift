import Testing

@testable import RecurCore

/// `BarGrammar.Cadence`: tunes end after a length drawn from the corpus's, on the tonic,
/// whatever a random model would do.
struct CadenceTests {
    // The notes model of LikelihoodSearchTests: 0 <eos>, 1 -, 2 r, 3 n60, 4 n62, 5 n64,
    // 6 |, 7 M:2/4 (8 steps), 8 K:major (tonic C: n60).
    static func grammar(lengths: [Cadence.BarCount] = [.init(bars: 3, tunes: 1), .init(bars: 6, tunes: 3)]) -> BarGrammar {
        BarGrammar(
            barLine: 6, endOfTune: 0, stepTokens: [1, 2, 3, 4, 5], stepsPerBar: [7: 8],
            cadence: Cadence(
                tonicNotes: [8: [3]], notes: [3, 4, 5], hold: 1, voice: 0, beatSteps: [7: 4],
                barsPerTune: lengths.isEmpty ? [:] : [Cadence.Kind(meter: 7): lengths]))
    }

    typealias Cadence = BarGrammar.Cadence

    func request(_ grammar: BarGrammar, count: Int, seed: UInt64) -> SamplingRequest {
        var request = SamplingRequest()
        request.guide = [["M:2/4"], ["K:major"]]
        request.bars = grammar
        request.count = count
        request.length = 200
        request.temperature = 1
        request.seed = seed
        return request
    }

    /// Steps of a tune's text, its bars (by its bar lines) and the pitch sounding at its end.
    func shape(_ text: String) -> (steps: Int, barLines: Int, last: String?) {
        var steps = 0, barLines = 0
        var last: String?
        for token in text.split(separator: " ").dropFirst(2) {
            if token == "|" {
                barLines += 1
            } else {
                steps += 1
                if token.hasPrefix("n") { last = String(token) } else if token == "r" { last = nil }
            }
        }
        return (steps, barLines, last)
    }

    @Test(
        "every tune of a random model ends by itself on the tonic, at a length of the corpus's", arguments: [1, 2, 3] as [UInt64])
    func aRandomModelsTunesEndOnTheTonic(seed: UInt64) throws {
        let model = LikelihoodSearchTests.notesModel(seed: seed)
        let samples = try run(model, request(Self.grammar(), count: 40, seed: seed))
        var lengths: [Int: Int] = [:]
        for sample in samples {
            #expect(sample.ending == .endOfTune, "\(sample.text)")
            let tune = shape(sample.text)
            #expect(tune.last == "n60", "\(sample.text)")
            // 3 or 6 bars of 8 steps: a pickup and the bar completing it make one.
            #expect([24, 48].contains(tune.steps), "\(sample.text)")
            lengths[tune.steps / 8, default: 0] += 1
        }
        // Drawn 1 : 3 as in the table.
        #expect((20...38).contains(lengths[6] ?? 0), "\(lengths)")
    }

    @Test func theLastBeatHoldsOrStrikesTheTonicAndNothingEndsBeforeTheLastBar() {
        let grammar = Self.grammar(lengths: [.init(bars: 2, tunes: 1)])
        var state = BarGrammar.State()
        grammar.start(&state, draw: 0.3, budget: 200)
        // M:2/4 K:major, a whole first bar: no end yet.
        for token in [7, 8, 4, 1, 1, 1, 5, 1, 1, 1] { grammar.observe(token, in: &state) }
        #expect(grammar.allowed(after: state) == [6])
        grammar.observe(6, in: &state)
        #expect(grammar.allowed(after: state) == [1, 2, 3, 4, 5], "the last bar starts free; no <eos>")
        for token in [4, 1, 1, 1] { grammar.observe(token, in: &state) }
        #expect(grammar.allowed(after: state) == [3], "the last beat: n62 sounds, so the tonic is struck")
        grammar.observe(3, in: &state)
        #expect(grammar.allowed(after: state) == [1, 3], "the tonic sounds: hold it or strike it again")
        for token in [1, 1, 1] { grammar.observe(token, in: &state) }
        #expect(grammar.allowed(after: state) == [6])
        grammar.observe(6, in: &state)
        #expect(grammar.allowed(after: state) == [0])
    }

    @Test func aPickupAndTheBarCompletingItMakeOneBar() {
        let grammar = Self.grammar(lengths: [.init(bars: 2, tunes: 1)])
        var state = BarGrammar.State()
        grammar.start(&state, draw: 0.9, budget: 200)
        // A pickup of 2 steps, a whole bar, then a last bar of 6 steps: 16 steps, 2 bars.
        for token in [7, 8, 5, 1, 6] + [4, 1, 1, 1, 5, 1, 1, 1, 6] + [4, 1] { grammar.observe(token, in: &state) }
        #expect(grammar.allowed(after: state) == [3], "the last beat of a 6-step bar starts at step 2")
        for token in [3, 1, 1, 1] { grammar.observe(token, in: &state) }
        #expect(grammar.allowed(after: state) == [6])
        grammar.observe(6, in: &state)
        #expect(grammar.allowed(after: state) == [0])
    }

    @Test func withoutLengthsATuneEndsAtAWholeBarOnTheTonicOrWhenItsBudgetIsSpent() throws {
        let grammar = Self.grammar(lengths: [])
        var state = BarGrammar.State()
        grammar.start(&state, draw: 0.5, budget: 200)
        for token in [7, 8, 4, 1, 1, 1, 3, 1, 1, 1, 6] { grammar.observe(token, in: &state) }
        #expect(grammar.allowed(after: state)?.contains(0) == true, "a whole bar ending on n60")
        for token in [3, 1, 1, 1, 4, 1, 1, 1, 6] { grammar.observe(token, in: &state) }
        #expect(grammar.allowed(after: state)?.contains(0) == false, "a whole bar ending on n62")
        // A random model with a short budget still ends on the tonic, before the budget.
        var short = request(grammar, count: 20, seed: 4)
        short.length = 60
        for sample in try run(LikelihoodSearchTests.notesModel(seed: 4), short) {
            #expect(sample.ending == .endOfTune && shape(sample.text).last == "n60", "\(sample.text)")
        }
    }

    @Test func aBeamEndsOnTheTonicAtTheMedianLength() throws {
        var beam = request(Self.grammar(), count: 1, seed: 0)
        beam.temperature = nil
        beam.beam = 3
        let sample = try run(LikelihoodSearchTests.notesModel(seed: 2), beam)[0]
        #expect(sample.ending == .endOfTune)
        #expect(shape(sample.text).steps == 48 && shape(sample.text).last == "n60", "\(sample.text)")
    }

    func run(_ model: RecurModel, _ request: SamplingRequest) throws -> [Sample] {
        var sampler = BatchSampler(model: model, threads: 1)
        sampler.joinAll(try request.prepared(for: model), key: "r")
        return sampler.runToCompletion()
    }
}
