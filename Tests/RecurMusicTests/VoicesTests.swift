import Foundation
import RecurMusic
import Testing

private func tokens(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

/// Several voices in one token stream (`voices` in a `recur.notes/2` encoding): one step
/// token per voice per step, the highest voice first.
struct VoicesTests {
    static let chorale = NoteEncoding(meters: [Meter("4/4")!, Meter("3/4")!], modes: [.major, .minor], voices: 4)

    @Test func theEncodingRecordsItsVoicesAndRoundTrips() throws {
        let json = Self.chorale.json
        #expect(json.contains(#""voices":4"#))
        #expect(json.contains("one per voice"))
        let back = try NoteEncoding(json: json)
        #expect(back == Self.chorale)
        #expect(back.voices == 4)
        // One voice writes no field, and reads back as one.
        let melody = NoteEncoding(meters: [Meter("4/4")!], modes: [.major])
        #expect(!melody.json.contains("voices"))
        #expect(try NoteEncoding(json: melody.json).voices == 1)
        // A corpus vocabulary gets the voices its trainer names.
        #expect(NoteEncoding(vocabulary: ["<eos>", "-", "r", "n60", "|", "M:4/4", "K:major"], voices: 4).voices == 4)
    }

    @Test(arguments: [
        (#"{"format":"recur.notes/2","steps_per_quarter":4,"lowest_pitch":21,"highest_pitch":108,"voices":0}"#, "voices"),
        (#"{"format":"recur.notes/2","steps_per_quarter":4,"lowest_pitch":21,"highest_pitch":108,"voices":17}"#, "voices"),
    ])
    func badVoiceCountsAreRefusedNamingTheField(json: String, field: String) {
        #expect {
            _ = try NoteEncoding(json: json)
        } throws: { error in
            "\(error)".contains(field)
        }
    }

    @Test func fourVoicesDecodeStepByStep() throws {
        // Two steps of a C major chord, then the soprano moves while the others hold, then
        // the alto rests; a bar line after the fourth step.
        let decoded = try Self.chorale.decode(
            tokens("M:4/4 K:major n72 n67 n64 n48 - - - - n74 - - - - r - - | n72 n65 n62 n50 <eos>"))
        #expect(decoded.meter == Meter("4/4"))
        #expect(decoded.voices.count == 4)
        #expect(decoded.voices.allSatisfy { $0.steps == 5 })
        #expect(decoded.barLines == [4])
        #expect(
            decoded.voices[0].notes == [
                Note(pitch: 72, start: 0, length: 2), Note(pitch: 74, start: 2, length: 2), Note(pitch: 72, start: 4, length: 1),
            ])
        #expect(decoded.voices[1].notes == [Note(pitch: 67, start: 0, length: 3), Note(pitch: 65, start: 4, length: 1)])
        #expect(decoded.voices[3].notes == [Note(pitch: 48, start: 0, length: 4), Note(pitch: 50, start: 4, length: 1)])
        #expect(decoded.melody == decoded.voices[0])
        #expect(decoded.droppedTokens == 0 && decoded.misplacedBarLines == 0)
    }

    @Test func oddStreamsOfVoicesAreForgiven() throws {
        // A step cut short by <eos> is dropped; a bar line or header inside a step is ignored.
        let decoded = try Self.chorale.decode(tokens("n72 n67 | n64 n48 - K:minor - - - n74 n67 <eos> n60"))
        #expect(decoded.voices.map(\.steps) == [2, 2, 2, 2])
        #expect(decoded.droppedTokens == 2)
        #expect(decoded.misplacedBarLines == 1)
        #expect(decoded.misplacedHeaders == 1)
        #expect(decoded.ignoredTokens == 1)
        // Fewer step tokens than voices: nothing to render.
        #expect(throws: NoteDecodingError.self) { try Self.chorale.decode(tokens("M:4/4 n72 n67 <eos>")) }
    }

    @Test func aTuneOfVoicesEncodesAndDecodesBack() throws {
        let voices = [
            Melody(notes: [Note(pitch: 72, start: 0, length: 4), Note(pitch: 71, start: 4, length: 4)], steps: 8),
            Melody(notes: [Note(pitch: 67, start: 0, length: 8)], steps: 8),
            Melody(notes: [Note(pitch: 64, start: 2, length: 2), Note(pitch: 62, start: 4, length: 4)], steps: 8),
            Melody(notes: [Note(pitch: 48, start: 0, length: 4), Note(pitch: 43, start: 4, length: 3)], steps: 8),
        ]
        let tune = Tune(voices: voices, meter: Meter("4/4"), mode: .major, barLines: [4, 8])
        let written = Self.chorale.tokens(for: tune)
        #expect(written.prefix(6) == ["M:4/4", "K:major", "n72", "n67", "r", "n48"])
        #expect(written.filter { $0 == "|" }.count == 2)
        let back = try Self.chorale.decode(written).tune
        #expect(back == tune)
        // A key moves every voice by the same interval.
        let inD = tune.inKey(Tonic("D")!)
        for (moved, original) in zip(inD.voices, tune.voices) {
            #expect(moved.notes.map(\.pitch) == original.notes.map { $0.pitch + 2 })
        }
    }
}

/// The writers that give each voice its own track, channel or place in the stereo field.
struct VoiceOutputTests {
    /// A two-bar 4/4 chorale phrase in C major: every voice moves at its own time.
    static let chorale: Tune = {
        let soprano = Melody(
            notes: [
                Note(pitch: 72, start: 0, length: 8), Note(pitch: 74, start: 8, length: 4),
                Note(pitch: 72, start: 12, length: 20),
            ],
            steps: 32)
        let alto = Melody(notes: [Note(pitch: 67, start: 0, length: 16), Note(pitch: 65, start: 16, length: 16)], steps: 32)
        let tenor = Melody(notes: [Note(pitch: 64, start: 0, length: 12), Note(pitch: 62, start: 12, length: 20)], steps: 32)
        let bass = Melody(notes: [Note(pitch: 48, start: 0, length: 16), Note(pitch: 43, start: 16, length: 16)], steps: 32)
        return Tune(voices: [soprano, alto, tenor, bass], meter: Meter("4/4"), mode: .major, barLines: [16, 32])
    }()

    @Test func midiHasATrackAndAChannelPerVoice() throws {
        let configuration = RenderConfiguration(tempo: 90)
        let file = try MIDIReader(MIDIFile.data(for: Self.chorale, configuration: configuration))
        #expect(file.format == 1)
        #expect(file.trackCount == 5)
        // The first track: tempo, time and key signatures, no notes.
        #expect(file.tracks[0].compactMap(\.metaType).prefix(3) == [0x51, 0x58, 0x59])
        #expect(!file.tracks[0].contains { $0.status & 0xF0 == 0x90 })
        let names = ["Soprano", "Alto", "Tenor", "Bass"]
        for (index, voice) in Self.chorale.voices.enumerated() {
            let track = file.tracks[index + 1]
            #expect(track.first { $0.metaType == 0x03 }.map { String(decoding: $0.data, as: UTF8.self) } == names[index])
            let ons = track.filter { $0.status & 0xF0 == 0x90 }
            #expect(ons.allSatisfy { Int($0.status & 0x0F) == index }, "voice \(index) on its own channel")
            #expect(ons.map { Int($0.data[0]) } == voice.notes.map(\.pitch))
            #expect(ons.map(\.tick) == voice.notes.map { $0.start * MIDIFile.ticksPerQuarter / 4 })
            let offs = track.filter { $0.status & 0xF0 == 0x80 }
            #expect(offs.map(\.tick) == voice.notes.map { $0.end * MIDIFile.ticksPerQuarter / 4 })
            #expect(track.last?.metaType == 0x2F)
        }
        // A melody stays a type 0 file of one track.
        let melody = try MIDIReader(MIDIFile.data(for: Tune(melody: Self.chorale.melody), configuration: configuration))
        #expect(melody.format == 0 && melody.trackCount == 1)
    }

    @Test func theVoicesAreMixedPannedAndNeverClip() throws {
        let stereo = try Synthesizer.render(
            Self.chorale, configuration: RenderConfiguration(tempo: 60, instrument: .organ, channels: 2))
        #expect(stereo.channels == 2)
        #expect(stereo.samples.allSatisfy { abs($0) < 1 })
        #expect(abs(stereo.peak - Synthesizer.peakLevel * 100 / 127) < 1e-6)
        // The soprano alone sits left of centre, the bass alone right: with one voice
        // sounding, the channels' energies say where it was placed.
        func energy(_ tune: Tune, channel: Int) throws -> Double {
            let audio = try Synthesizer.render(
                tune, configuration: RenderConfiguration(tempo: 60, instrument: .organ, channels: 2))
            return stride(from: channel, to: audio.samples.count, by: 2).reduce(0.0) {
                $0 + Double(audio.samples[$1] * audio.samples[$1])
            }
        }
        var sopranoOnly = Self.chorale
        var bassOnly = Self.chorale
        for v in 1..<4 { sopranoOnly.voices[v].notes = [] }
        for v in 0..<3 { bassOnly.voices[v].notes = [] }
        #expect(try energy(sopranoOnly, channel: 0) > 4 * energy(sopranoOnly, channel: 1))
        #expect(try energy(bassOnly, channel: 1) > 4 * energy(bassOnly, channel: 0))
        // In mono a voice keeps its pitch: the bass's G2 (98 Hz) in the second bar.
        let mono = try Synthesizer.render(bassOnly, configuration: RenderConfiguration(tempo: 60, instrument: .organ))
        let timing = RenderConfiguration(tempo: 60).timing
        let start = timing.frame(atStep: 20)
        let pitch = try #require(
            PitchEstimator.frequency(
                of: mono.samples[start..<(start + 8192)], sampleRate: 44100, minimumFrequency: 60, maximumFrequency: 400))
        #expect(abs(pitch / Note.frequency(ofPitch: 43) - 1) < 0.01)
    }
}
