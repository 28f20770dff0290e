import Testing

@testable import RecurCore

/// `SamplingRequest.guideOdds`: a guided token drawn with the odds given, not the model's.
struct GuideOddsTests {
    func firstTokens(temperature: Double, odds: [[Double]], count: Int = 400) throws -> [String: Int] {
        let model = LikelihoodSearchTests.notesModel(seed: 5)
        var request = SamplingRequest()
        request.guide = [["n60", "n62", "n64"]]
        request.guideOdds = odds
        request.count = count
        request.length = 1
        request.temperature = temperature
        request.seed = 11
        var sampler = BatchSampler(model: model, threads: 1)
        sampler.joinAll(try request.prepared(for: model), key: "r")
        var counts: [String: Int] = [:]
        for sample in sampler.runToCompletion() { counts[sample.text, default: 0] += 1 }
        return counts
    }

    @Test func theGuidedTokenFollowsTheOddsNotTheModel() throws {
        let counts = try firstTokens(temperature: 1, odds: [[1, 0, 3]])
        #expect(counts["n62"] == nil, "a token with odds 0 is never drawn: \(counts)")
        // 400 draws at 1 : 3: 100 expected, 4 standard deviations either side.
        #expect((65...135).contains(counts["n60"] ?? 0), "\(counts)")
        #expect((counts["n60"] ?? 0) + (counts["n64"] ?? 0) == 400)
        // At temperature 0 the likeliest by the odds, every time.
        #expect(try firstTokens(temperature: 0, odds: [[1, 0, 3]], count: 20) == ["n64": 20])
        // Without odds the model's own choice among the three: n62 appears.
        #expect(try firstTokens(temperature: 1, odds: [])["n62", default: 0] > 0)
    }

    @Test func oddsThatDoNotFitTheGuideAreRefused() {
        let model = LikelihoodSearchTests.notesModel(seed: 5)
        for odds in [[[1.0, 2.0]], [[0.0, 0, 0]], [[1, -1, 1]], [[1, .nan, 1]], [[], [1.0]]] {
            var request = SamplingRequest()
            request.guide = [["n60", "n62", "n64"]]
            request.guideOdds = odds
            #expect(throws: RequestError.self, "\(odds)") { try request.prepared(for: model) }
        }
    }
}
