import Foundation
import RecurCore
import RecurMusic
import Testing

/// Bad settings and bad tokens get errors that say what is wrong, and write nothing.
struct HostileInputTests {
    func renderError(
        _ tokens: [String] = shortTune, _ configuration: RenderConfiguration, format: OutputFormat = .wav
    ) throws -> (any Error, [String]) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            _ = try MusicRenderer.render(
                tokens: tokens, configuration: configuration, format: format, to: directory + "/out." + format.fileExtension)
        } catch {
            return (error, listing(directory))
        }
        Issue.record("rendered \(tokens) with \(configuration)")
        return (CancellationError(), listing(directory))
    }

    @Test(arguments: [
        (RenderConfiguration(tempo: 0), "tempo 0 is not allowed; use 20…400 (quarter notes per minute)"),
        (RenderConfiguration(tempo: -120), "tempo -120 is not allowed"),
        (RenderConfiguration(tempo: .nan), "tempo nan is not allowed"),
        (RenderConfiguration(tempo: .infinity), "tempo inf is not allowed"),
        (RenderConfiguration(sampleRate: 7), "sample_rate 7 is not allowed; use 22050, 44100 or 48000 (Hz)"),
        (RenderConfiguration(sampleRate: 0), "sample_rate 0 is not allowed"),
        (RenderConfiguration(channels: 3), "channels 3 is not allowed; use 1 (mono) or 2 (stereo)"),
        (RenderConfiguration(velocity: 0), "velocity 0 is not allowed; use 1…127"),
        (RenderConfiguration(velocity: 128), "velocity 128 is not allowed"),
        (RenderConfiguration(swing: 1.5), "swing 1.5 is not allowed"),
    ])
    func settingsOutOfRangeAreNamed(configuration: RenderConfiguration, message: String) throws {
        for format in OutputFormat.allCases {
            let (error, files) = try renderError(shortTune, configuration, format: format)
            #expect(error is RenderSettingError)
            #expect("\(error)".hasPrefix(message), "\(error)")
            #expect(files.isEmpty)
        }
    }

    @Test func unknownTokensAndEmptyTunesAreRefusedBeforeWriting() throws {
        let (unknown, files) = try renderError(["n60", "-", "bogus", "r"], RenderConfiguration())
        let decoding = try #require(unknown as? NoteDecodingError)
        #expect(decoding.problem == .unknownToken("bogus"))
        #expect(decoding.index == 2)
        #expect(decoding.count == 4)
        #expect("\(unknown)".contains("unknown note token \"bogus\" (token 3 of 4)"))
        #expect(files.isEmpty)
        for tokens: [String] in [[], ["<eos>"]] {
            for format in OutputFormat.allCases {
                let (empty, files) = try renderError(tokens, RenderConfiguration(), format: format)
                #expect((empty as? NoteDecodingError)?.problem == .emptyTune)
                #expect("\(empty)".contains("the tune is empty"))
                #expect(files.isEmpty)
            }
        }
    }

    @Test func aTuneTooLongToRenderIsRefusedBeforeAllocating() throws {
        let melody = Melody(notes: [Note(pitch: 60, start: 0, length: 2_000_000)], steps: 2_000_000)
        #expect(throws: RenderSettingError.self) { try Synthesizer.render(melody, configuration: RenderConfiguration(tempo: 20)) }
        do {
            _ = try Synthesizer.render(melody, configuration: RenderConfiguration(tempo: 20))
        } catch {
            #expect(error.setting == "duration")
            #expect(error.description.contains("at most 3600 s"))
        }
    }

    @Test func extremePitchesStillRenderInsideTheRange() throws {
        let tokens = ["n0", "-", "n127", "-", "n-40", "n999999"]
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for instrument in Instrument.builtinVoices {
            let report = try MusicRenderer.render(
                tokens: tokens, configuration: RenderConfiguration(instrument: instrument, sampleRate: 22050),
                format: .wav, to: directory + "/x.wav")
            #expect(report.movedPitches == 4)
            #expect(report.melody.notes.allSatisfy { (21...108).contains($0.pitch) })
            let audio = try SoundFile.read(directory + "/x.wav").audio
            #expect(audio.samples.allSatisfy { $0.isFinite && abs($0) < 1 })
            #expect(audio.peak > 0.5)
        }
    }
}
