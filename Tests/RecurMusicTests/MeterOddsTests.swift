import RecurCore
import Testing

@testable import RecurMusic

/// A tune whose mode is asked for gets its meter by the corpus's odds for that mode
/// (`TuneOptions.meterOdds`), unless `free_form`.
struct MeterOddsTests {
    static let vocabulary = ["<eos>", "-", "r", "n60", "n62", "|", "M:3/4", "M:6/8", "K:dorian", "K:major"]

    static func encoding() -> NoteEncoding {
        var encoding = NoteEncoding(meters: [Meter("3/4")!, Meter("6/8")!], modes: [.major, .dorian], voices: 1)
        encoding.barsPerTune = [
            TuneKind(meter: Meter("3/4")!, mode: .dorian): [8: 20, 16: 10],
            TuneKind(meter: Meter("6/8")!, mode: .major): [16: 40],
            TuneKind(meter: Meter("6/8")!): [16: 40],
        ]
        return encoding
    }

    func odds(_ options: TuneOptions) throws -> [[Double]] {
        var request = SamplingRequest()
        try options.apply(to: &request, encoding: Self.encoding(), vocabulary: Self.vocabulary, model: "m")
        return request.guideOdds
    }

    @Test func theMeterFollowsTheModesTunesInTheCorpus() throws {
        #expect(try odds(TuneOptions(mode: "dorian")) == [[30, 0], []])
        #expect(try odds(TuneOptions(mode: "major")) == [[0, 40], []])
        // The meter asked for, no mode, or free form: the model's own choice.
        #expect(try odds(TuneOptions(meter: "6/8", mode: "dorian")).isEmpty)
        #expect(try odds(TuneOptions()).isEmpty)
        #expect(try odds(TuneOptions(mode: "dorian", freeForm: true)).isEmpty)
        // A mode with no table: none.
        var bare = Self.encoding()
        bare.barsPerTune = [:]
        var request = SamplingRequest()
        try TuneOptions(mode: "dorian").apply(to: &request, encoding: bare, vocabulary: Self.vocabulary, model: "m")
        #expect(request.guideOdds.isEmpty)
    }
}
