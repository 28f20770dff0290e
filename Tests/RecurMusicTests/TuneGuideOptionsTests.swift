import RecurCore
import RecurMusic
import Testing

/// Which guides a tune's options switch on: the bar grammar, its cadence and the
/// voice-leading rules, each turned off by its own option.
struct TuneGuideOptionsTests {
    static let melody = ["<eos>", "-", "r", "n60", "n62", "n67", "|", "M:4/4", "M:3/4", "K:major", "K:minor"]

    func request(_ options: TuneOptions, voices: Int = 1) throws -> SamplingRequest {
        var request = SamplingRequest()
        let encoding = NoteEncoding(vocabulary: Self.melody, voices: voices)
        try options.apply(to: &request, encoding: encoding, vocabulary: Self.melody, model: "m")
        return request
    }

    @Test func eachGuideHasItsOwnSwitch() throws {
        let defaults = try request(TuneOptions())
        #expect(defaults.bars != nil && defaults.bars?.cadence != nil)
        #expect(defaults.voiceLeading == nil, "a melody has no voices to lead")
        let freeForm = try request(TuneOptions(freeForm: true))
        #expect(freeForm.bars != nil && freeForm.bars?.cadence == nil, "--free-form keeps the bar lines")
        #expect(try request(TuneOptions(freeBars: true)).bars == nil)
        #expect(try request(TuneOptions(freeBars: true, freeForm: true)).bars == nil)
        let voices = try request(TuneOptions(), voices: 4)
        #expect(voices.voiceLeading != nil && voices.bars?.cadence?.voice == 3, "the bass carries the cadence")
        #expect(try request(TuneOptions(freeVoicing: true), voices: 4).voiceLeading == nil)
    }

    @Test func theCadenceKnowsEachModesTonic() throws {
        let cadence = try #require(try request(TuneOptions()).bars?.cadence)
        // K:major → n60 (C); K:minor → no A among n60, n62, n67.
        #expect(cadence.tonicNotes[9] == [3])
        #expect(cadence.tonicNotes[10] == [])
        #expect(cadence.beatSteps[7] == 4 && cadence.hold == 1)
    }
}
