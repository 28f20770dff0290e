import Foundation
import RecurMusic
import Testing

/// Audio played by FluidSynth from the installed General MIDI sound font (Debian's
/// fluid-soundfont-gm, which `scripts/install-deps` installs), measured from the samples.
struct FluidSynthTests {
    /// The sound font these tests play; they fail, saying what to install, without one.
    static func soundFont() throws -> String {
        try #require(
            try SoundFont.locate(explicit: nil, environment: [:]),
            "no General MIDI sound font: run scripts/install-deps (apt install fluid-soundfont-gm)")
    }

    /// Separated notes, four steps each after an eight-step rest (a second at 120 BPM: a
    /// bowed note's release is long), in an instrument's range.
    static func separated(_ pitches: [Int]) -> Melody {
        Melody(
            notes: pitches.enumerated().map { Note(pitch: $1, start: 12 * $0 + 8, length: 4) },
            steps: 12 * pitches.count + 8)
    }

    static let cases: [(instrument: String, pitches: [Int])] = [
        ("default", [57, 62, 69, 74, 81, 86]),  // the fiddle, from A3
        ("fiddle", [55, 62, 67, 76, 83, 88]),
        ("flute", [62, 67, 72, 79, 86, 91]),
        ("organ", [36, 45, 50, 57, 62, 69, 74, 81]),
    ]

    @Test(arguments: cases.indices)
    func everyNoteSoundsAtItsPitchWithoutClipping(index: Int) throws {
        let (name, pitches) = Self.cases[index]
        let melody = Self.separated(pitches)
        var configuration = RenderConfiguration(tempo: 120, synth: .fluidsynth, soundFont: try Self.soundFont(), reverb: 0)
        if name != "default" {
            guard let instrument = Instrument(named: name) else {
                Issue.record("no instrument named \(name)")
                return
            }
            configuration.instruments = VoiceInstruments(instrument)
        }
        // Written as a WAV file and read back through libsndfile.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = try MusicRenderer.render(
            Tune(melody: melody), configuration: configuration, format: .wav, title: name, to: directory + "/tune.wav")
        #expect(report.synth == SynthUsed(synth: .fluidsynth, soundFont: try Self.soundFont()))
        let audio = try SoundFile.read(directory + "/tune.wav").audio
        let timing = configuration.timing
        let rate = configuration.sampleRate
        for note in melody.notes {
            let start = timing.frame(atStep: note.start)
            // 340 ms of the note's 500: a violinist's vibrato averages out.
            let window = audio.samples[(start + rate / 10)..<(start + rate / 10 + 15000)]
            let expected = note.frequency
            let peak = SpectralPeak.peak(of: Array(window), near: expected, sampleRate: rate)
            #expect(
                abs(peak.frequency / expected - 1) < 0.02 && peak.isPeak,
                "\(name) \(note.pitch): peak at \(peak.frequency) Hz, expected \(expected) Hz")
            // The note sounds: its window is well above the silence before it.
            let before = audio.samples[(start - rate / 20)..<start].map { abs($0) }.max() ?? 0
            let during = window.map { abs($0) }.max() ?? 0
            #expect(during > 4 * before, "\(name) \(note.pitch): \(during) against \(before) before it")
        }
        // Scaled as the built-in synthesizer scales: the loudest sample is velocity / 127 × −1 dBFS
        // (to 16 bits).
        #expect(abs(audio.peak - Synthesizer.peakLevel * 100 / 127) < 1e-4)
        #expect(audio.samples.allSatisfy { $0.isFinite && abs($0) < 1 })
        // As long as the MIDI file, plus a tail that rings no longer than the limit.
        let end = timing.frame(atStep: melody.steps)
        #expect(audio.frames >= end && audio.frames <= end + Int(AudioRenderer.maximumTail * Double(rate)) + 512)
    }

    /// A tune sounds the same whatever was played before it in the same process (a
    /// daemon's), and each instrument as itself: `result.json`'s seed reproduces the audio.
    @Test func aTuneSoundsTheSameWhateverWasPlayedBefore() throws {
        let melody = Self.separated([62, 67, 72, 79])
        func play(_ name: String) throws -> [Float] {
            let instrument = try #require(Instrument(named: name))
            var configuration = RenderConfiguration(tempo: 120, synth: .fluidsynth, soundFont: try Self.soundFont())
            configuration.instruments = VoiceInstruments(instrument)
            return try AudioRenderer.render(Tune(melody: melody), configuration: configuration).0.samples
        }
        let flute = try play("flute")
        let fiddle = try play("fiddle")
        let organ = try play("organ")
        // Compared as Bools: a failed #expect on two arrays this long would diff them.
        let again = (flute: try play("flute"), organ: try play("organ"), fiddle: try play("fiddle"))
        let same = (flute: again.flute == flute, organ: again.organ == organ, fiddle: again.fiddle == fiddle)
        #expect(same.flute && same.organ && same.fiddle, "played again, the same tune differs: \(same)")
        let distinct = flute != fiddle && fiddle != organ && flute != organ
        #expect(distinct, "two instruments played the same samples")
        #expect([flute, fiddle, organ].allSatisfy { ($0.map { abs($0) }.max() ?? 0) > 0.1 })
    }

    @Test func eachChoraleVoiceSitsAtItsPanPosition() throws {
        // Voice v plays alone in the v-th two-beat segment.
        let pitches = [72, 64, 55, 43]
        let voices = pitches.enumerated().map { voice, pitch in
            Melody(notes: [Note(pitch: pitch, start: 8 * voice, length: 6)], steps: 32)
        }
        var configuration = RenderConfiguration(
            channels: 2, synth: .fluidsynth, soundFont: try Self.soundFont(), reverb: 0)
        configuration.instruments = VoiceInstruments(.organ)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try MusicRenderer.render(
            Tune(voices: voices), configuration: configuration, format: .flac, title: "voices", to: directory + "/voices.flac")
        let audio = try SoundFile.read(directory + "/voices.flac").audio
        #expect(audio.channels == 2)
        let left = audio.channel(0)
        let right = audio.channel(1)
        var rightShares: [Double] = []
        for voice in 0..<4 {
            let range = configuration.timing.frame(atStep: 8 * voice + 1)..<configuration.timing.frame(atStep: 8 * voice + 5)
            let l = range.reduce(0.0) { $0 + Double(left[$1] * left[$1]) }
            let r = range.reduce(0.0) { $0 + Double(right[$1] * right[$1]) }
            rightShares.append(r / (l + r))
        }
        // Equal-power panning at −0.7, −0.23, +0.23, +0.7: the right channel's share of the power.
        let expected = (0..<4).map { voice -> Double in
            let angle = (Synthesizer.panPosition(voice: voice, of: 4) + 1) * Double.pi / 4
            return sin(angle) * sin(angle)
        }
        for voice in 0..<4 {
            #expect(abs(rightShares[voice] - expected[voice]) < 0.12, "voice \(voice): \(rightShares) against \(expected)")
        }
        #expect(rightShares == rightShares.sorted())
    }

    @Test func theMIDIFileNamesEachVoicesProgramPanAndSends() throws {
        let voices = (0..<4).map { Melody(notes: [Note(pitch: 60 - 5 * $0, start: 0, length: 4)], steps: 4) }
        var configuration = RenderConfiguration(reverb: 0.5, chorus: 0.25)
        configuration.instruments = try VoiceInstruments(parsing: "organ, soprano=flute, 3=clarinet")
        let reader = try MIDIReader(try MIDIFile.data(for: Tune(voices: voices), configuration: configuration))
        let programs = reader.events.filter { $0.status & 0xF0 == 0xC0 }.map { Int($0.data[0]) }
        #expect(programs == [73, 19, 71, 19])
        let controls = reader.events.filter { $0.status & 0xF0 == 0xB0 }.map { [Int($0.data[0]), Int($0.data[1])] }
        #expect(controls.filter { $0[0] == 10 }.map { $0[1] } == [20, 49, 79, 108])
        #expect(controls.filter { $0[0] == 91 }.map { $0[1] } == [64, 64, 64, 64])
        #expect(controls.filter { $0[0] == 93 }.map { $0[1] } == [32, 32, 32, 32])
    }

    @Test func aMissingOrDamagedSoundFontIsNamedAndAutoFallsBack() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tune = Tune(melody: Self.separated([60, 64]))
        let missing = RenderConfiguration(synth: .fluidsynth, soundFont: directory + "/none.sf2")
        #expect(throws: SoundFontError(path: directory + "/none.sf2", problem: .missing)) {
            try AudioRenderer.render(tune, configuration: missing)
        }
        // Random bytes, a truncated RIFF header, and a directory named like a sound font.
        let damaged = directory + "/damaged.sf2"
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }).write(to: URL(fileURLWithPath: damaged))
        let truncated = directory + "/truncated.sf2"
        try Data("RIFF\u{10}\0\0\0sfbkLIST".utf8).write(to: URL(fileURLWithPath: truncated))
        // A RIFF sfbk header of the right length over random bytes, and a real sound font cut
        // in the middle with its header made to match.
        var body = Data("sfbk".utf8)
        var state: UInt64 = 1
        for _ in 0..<4092 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            body.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        let header = directory + "/header.sf2"
        try (Data("RIFF".utf8) + littleEndian(UInt32(body.count)) + body).write(to: URL(fileURLWithPath: header))
        let real = try Data(contentsOf: URL(fileURLWithPath: try Self.soundFont())).prefix(200_000)
        let cut = directory + "/cut.sf2"
        try (Data("RIFF".utf8) + littleEndian(UInt32(real.count - 8)) + real.dropFirst(8)).write(to: URL(fileURLWithPath: cut))
        for path in [damaged, truncated, header, cut] {
            for synth in [SynthChoice.fluidsynth, .auto] {
                #expect(throws: SoundFontError(path: path, problem: .unreadable)) {
                    try AudioRenderer.render(tune, configuration: RenderConfiguration(synth: synth, soundFont: path))
                }
            }
        }
        try FileManager.default.createDirectory(atPath: directory + "/dir.sf2", withIntermediateDirectories: false)
        #expect(throws: SoundFontError(path: directory + "/dir.sf2", problem: .missing)) {
            try AudioRenderer.render(tune, configuration: RenderConfiguration(soundFont: directory + "/dir.sf2"))
        }
        // No sound font anywhere: auto falls back to the built-in synthesizer, fluidsynth refuses.
        #expect(try SoundFont.locate(explicit: nil, environment: [:], searchPaths: [directory + "/none.sf2"]) == nil)
        #expect(
            try SoundFont.locate(explicit: nil, environment: ["RECUR_SOUNDFONT": try Self.soundFont()], searchPaths: [])
                == Self.soundFont())
        #expect(throws: SoundFontError(path: damaged + "x", problem: .missing, source: "$RECUR_SOUNDFONT")) {
            try SoundFont.locate(explicit: nil, environment: ["RECUR_SOUNDFONT": damaged + "x"])
        }
        let builtin = try AudioRenderer.render(tune, configuration: RenderConfiguration(synth: .builtin))
        #expect(builtin.1 == SynthUsed(synth: .builtin, soundFont: nil))
    }

    @Test func instrumentNamesAndVoices() throws {
        #expect(Instrument(named: "Fiddle")?.program == 40)
        #expect(Instrument(named: "Acoustic Guitar (nylon)")?.program == 24)
        #expect(Instrument(named: "choir_aahs")?.program == 52)
        #expect(Instrument(named: "church organ") == Instrument(named: "church-organ"))
        #expect(Instrument(named: "kazoo") == nil)
        let all = try VoiceInstruments(parsing: "strings,bass=contrabass")
        #expect(all.instrument(forVoice: 0, of: 4).name == "strings")
        #expect(all.instrument(forVoice: 3, of: 4).program == 43)
        #expect(VoiceInstruments().instrument(forVoice: 0, of: 1) == .fiddle)
        #expect(VoiceInstruments().instrument(forVoice: 2, of: 4) == .organ)
        for bad in ["", "fiddle,", "soprano=", "descant=flute", "organ,piano", "1=flute,soprano=oboe", "0=flute"] {
            #expect(throws: InstrumentChoiceError.self, "\(bad)") { try VoiceInstruments(parsing: bad) }
        }
        #expect(throws: InstrumentChoiceError.self) { try VoiceInstruments(parsing: "bass=tuba").check(voiceCount: 1) }
    }

    private func littleEndian(_ value: UInt32) -> Data {
        Data([0, 8, 16, 24].map { UInt8(truncatingIfNeeded: value >> $0) })
    }
}
