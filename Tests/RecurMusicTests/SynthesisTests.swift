import Foundation
import RecurMusic
import Testing

/// The rendered sound: pitch, onsets, silence, level and envelopes, measured from the samples.
struct SynthesisTests {
    /// A melody of separated notes from A2 (110 Hz) to A6 (1760 Hz): four steps each,
    /// then a two-step rest, so every onset follows silence.
    static let pitches = [45, 50, 57, 62, 69, 74, 81, 86, 93]
    static let separated: Melody = {
        let notes = pitches.enumerated().map { Note(pitch: $1, start: 6 * $0 + 1, length: 4) }
        return Melody(notes: notes, steps: 6 * pitches.count + 1)
    }()

    /// The first frame at or after `from` whose magnitude exceeds `threshold`.
    func onset(in samples: [Float], from: Int, threshold: Float) -> Int? {
        (max(0, from)..<samples.count).first { abs(samples[$0]) > threshold }
    }

    @Test(arguments: Instrument.builtinVoices, [44100, 22050, 48000])
    func everyNoteHasItsPitchItsOnsetAndSilenceAround(instrument: Instrument, sampleRate: Int) throws {
        let configuration = RenderConfiguration(tempo: 120, instrument: instrument, sampleRate: sampleRate)
        let audio = try Synthesizer.render(Self.separated, configuration: configuration)
        let samples = audio.samples
        let peak = audio.peak
        let timing = configuration.timing
        let release = Int(instrument.envelope.release * Double(sampleRate)) + 1
        #expect(samples.count == Synthesizer.frameCount(for: Self.separated, configuration: configuration))
        for note in Self.separated.notes {
            let start = timing.frame(atStep: note.start)
            let end = timing.frame(atStep: note.end)
            // Onset within 5 ms, and nothing at all before it since the last release ended.
            let searchFrom = start - Int(0.1 * Double(sampleRate))
            let found = try #require(onset(in: samples, from: searchFrom, threshold: 0.002 * peak))
            let error = Double(found - start) / Double(sampleRate)
            #expect(error >= 0 && error < 0.005, "\(instrument) \(note.pitch): onset off by \(error * 1000) ms")
            // Pitch within 1 %, from a window in the middle of the note.
            let expected = note.frequency
            let window = samples[
                (start + Int(0.05 * Double(sampleRate)))..<min(end, start + Int(0.05 * Double(sampleRate)) + 4096)]
            let measured = try #require(
                PitchEstimator.frequency(
                    of: window, sampleRate: sampleRate, minimumFrequency: expected / 1.9, maximumFrequency: expected * 1.9))
            #expect(
                abs(measured / expected - 1) < 0.01,
                "\(instrument) at \(sampleRate) Hz, pitch \(note.pitch): \(measured) Hz, expected \(expected) Hz")
            // The rest after the note is silent once the release is over.
            let restEnd = min(samples.count, timing.frame(atStep: note.end + 2))
            let rest = samples[min(restEnd, end + release)..<restEnd]
            #expect(rest.allSatisfy { $0 == 0 }, "\(instrument) \(note.pitch): sound in the rest")
            #expect(rest.count > Int(0.15 * Double(sampleRate)))
        }
        // The first step is a rest, and silent.
        #expect(samples[0..<timing.frame(atStep: 1)].allSatisfy { $0 == 0 })
        // Normalised to −1 dBFS × velocity / 127: below full scale.
        #expect(abs(peak - Synthesizer.peakLevel * 100 / 127) < 1e-6)
        #expect(samples.allSatisfy { abs($0) < 1 })
    }

    @Test(arguments: Instrument.builtinVoices)
    func notesStartAndEndWithoutClicks(instrument: Instrument) throws {
        let configuration = RenderConfiguration(instrument: instrument)
        let audio = try Synthesizer.render(Self.separated, configuration: configuration)
        let samples = audio.samples
        let timing = configuration.timing
        let millisecond = 44
        for note in Self.separated.notes {
            let start = timing.frame(atStep: note.start)
            // The first millisecond stays far below the note's level: no step at the onset.
            let head = samples[start..<(start + millisecond / 4)].map { abs($0) }.max() ?? 0
            let body = samples[(start + millisecond)..<(start + 4000)].map { abs($0) }.max() ?? 0
            #expect(head < 0.3 * body, "\(instrument) \(note.pitch): onset jumps to \(head) (body \(body))")
            // The last millisecond before silence fades to almost nothing.
            let silent = try #require(
                (start..<samples.count).first { k in samples[k..<min(samples.count, k + 500)].allSatisfy { $0 == 0 } })
            let tail = samples[(silent - millisecond / 2)..<silent].map { abs($0) }.max() ?? 1
            #expect(tail < 0.1 * body, "\(instrument) \(note.pitch): release ends at \(tail) (body \(body))")
        }
    }

    @Test func legatoOrganNotesJoinSmoothly() throws {
        let melody = try NoteEncoding.standard.decode("n60 - n67 - n64 n72 - - n60 - - -".split(separator: " ").map(String.init))
            .melody
        let audio = try Synthesizer.render(melody, configuration: RenderConfiguration(tempo: 200, instrument: .organ))
        let samples = audio.samples
        let jump = zip(samples.dropFirst(), samples).map { abs($0 - $1) }.max() ?? 0
        // A 523 Hz organ note moves at most ~0.12 × peak per sample; a click would jump by ~peak.
        #expect(jump < 0.2 * audio.peak, "largest step \(jump)")
    }

    @Test func swingDelaysEveryOddStep() throws {
        let melody = Melody(notes: (0..<8).map { Note(pitch: 69, start: 3 * $0, length: 1) }, steps: 24)
        let configuration = RenderConfiguration(tempo: 100, instrument: .square, swing: 0.6)
        let audio = try Synthesizer.render(melody, configuration: configuration)
        let step = 15.0 / 100
        for note in melody.notes {
            let expected = (Double(note.start) + (note.start % 2 == 1 ? 0.2 : 0)) * step
            let found = try #require(
                onset(in: audio.samples, from: Int((expected - 0.08) * 44100), threshold: 0.002 * audio.peak))
            #expect(abs(Double(found) / 44100 - expected) < 0.005, "step \(note.start)")
        }
    }

    @Test func velocitySetsTheLevel() throws {
        for velocity in [1, 40, 127] {
            let audio = try Synthesizer.render(
                Self.separated, configuration: RenderConfiguration(instrument: .pluck, velocity: velocity))
            #expect(abs(audio.peak - Synthesizer.peakLevel * Float(velocity) / 127) < 1e-6)
        }
    }

    @Test func renderingIsReproducibleAndStereoIsTwoEqualChannels() throws {
        let configuration = RenderConfiguration(instrument: .pluck, channels: 2)
        let first = try Synthesizer.render(Self.separated, configuration: configuration)
        let second = try Synthesizer.render(Self.separated, configuration: configuration)
        #expect(first == second)
        #expect(first.channels == 2)
        #expect(first.channel(0) == first.channel(1))
        let mono = try Synthesizer.render(Self.separated, configuration: RenderConfiguration(instrument: .pluck))
        #expect(mono.samples == first.channel(0))
    }

    @Test func aTuneOfOnlyRestsIsSilence() throws {
        let melody = try NoteEncoding.standard.decode(["r", "-", "-", "-"]).melody
        let audio = try Synthesizer.render(melody, configuration: RenderConfiguration(instrument: .pluck))
        #expect(audio.frames == Int(0.5 * 44100) + Int(0.03 * 44100))
        #expect(audio.peak == 0)
    }
}
