import CSndFile
import Foundation
import RecurMusic
import Testing

/// Audio files written through libsndfile and read back through it.
struct SoundFileTests {
    static let formats: [(OutputFormat, SampleFormat, Int)] = [
        (.wav, .pcm16, SF_FORMAT_WAV | SF_FORMAT_PCM_16), (.wav, .pcm24, SF_FORMAT_WAV | SF_FORMAT_PCM_24),
        (.wav, .float, SF_FORMAT_WAV | SF_FORMAT_FLOAT), (.flac, .pcm16, SF_FORMAT_FLAC | SF_FORMAT_PCM_16),
        (.flac, .pcm24, SF_FORMAT_FLAC | SF_FORMAT_PCM_24), (.ogg, .pcm16, SF_FORMAT_OGG | SF_FORMAT_VORBIS),
    ]

    @Test(arguments: [22050, 44100, 48000], [1, 2])
    func everyFormatReadsBackWithItsFramesRateAndChannels(sampleRate: Int, channels: Int) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (format, sampleFormat, libsndfileFormat) in Self.formats {
            let configuration = RenderConfiguration(
                tempo: 150, instrument: .organ, sampleRate: sampleRate, channels: channels, sampleFormat: sampleFormat,
                synth: .builtin)
            let path = "\(directory)/tune-\(sampleFormat.rawValue).\(format.fileExtension)"
            let report = try MusicRenderer.render(tokens: shortTune, configuration: configuration, format: format, to: path)
            let expectedFrames = Int((16 * 0.1 * Double(sampleRate)).rounded()) + Int(0.06 * Double(sampleRate))
            #expect(report.frames == expectedFrames)
            let contents = try SoundFile.read(path)
            #expect(contents.format == libsndfileFormat, "\(path)")
            #expect(contents.audio.frames == expectedFrames, "\(path)")
            #expect(contents.audio.sampleRate == sampleRate)
            #expect(contents.audio.channels == channels)
            #expect(contents.audio.peak < 1)
            #expect(contents.audio.peak > 0.5)
        }
        // Only the finished files are there: no temporaries left behind.
        #expect(listing(directory).allSatisfy { !$0.hasPrefix(".") })
        #expect(listing(directory).count == Self.formats.count)
    }

    @Test func losslessFormatsKeepTheSamples() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let melody = try NoteEncoding.standard.decode(shortTune).melody
        let audio = try Synthesizer.render(melody, configuration: RenderConfiguration(instrument: .square, channels: 2))
        for (format, sampleFormat, tolerance) in [
            (OutputFormat.wav, SampleFormat.float, Float(0)), (.wav, .pcm24, 1e-6),
            (.flac, .pcm16, 4e-5), (.wav, .pcm16, 4e-5),
        ] {
            let path = "\(directory)/x-\(sampleFormat.rawValue).\(format.fileExtension)"
            try SoundFile.write(audio, to: path, format: format, sampleFormat: sampleFormat)
            let back = try SoundFile.read(path).audio
            #expect(back.samples.count == audio.samples.count)
            let error = zip(back.samples, audio.samples).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            #expect(error <= tolerance, "\(format) \(sampleFormat): \(error)")
        }
        // Stereo is the same signal in both channels.
        #expect(audio.channel(0) == audio.channel(1))
    }

    @Test func anExistingFileIsReplacedWhole() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.wav"
        try Data(repeating: 7, count: 10_000_000).write(to: URL(fileURLWithPath: path))
        _ = try MusicRenderer.render(tokens: shortTune, configuration: RenderConfiguration(), format: .wav, to: path)
        #expect(try SoundFile.read(path).audio.frames > 0)
        #expect(listing(directory) == ["out.wav"])
    }

    @Test func aMissingDirectoryIsNamed() throws {
        let path = "/nonexistent-\(UUID().uuidString)/out.flac"
        do {
            _ = try MusicRenderer.render(tokens: shortTune, configuration: RenderConfiguration(), format: .flac, to: path)
            Issue.record("wrote \(path)")
        } catch let error as SoundFileError {
            #expect(error.path == path)
            #expect(error.description.contains(path))
            #expect(error.description.contains("does not exist"))
        }
    }

    @Test func anUnwritablePathGivesTheSystemsReason() throws {
        for format in [OutputFormat.wav, .ogg] {
            let path = unwritableDirectory + "/recur-test.\(format.fileExtension)"
            do {
                _ = try MusicRenderer.render(tokens: shortTune, configuration: RenderConfiguration(), format: format, to: path)
                Issue.record("wrote \(path)")
            } catch let error as SoundFileError {
                #expect(error.description == "cannot write audio file \(path): open: Permission denied")
            }
        }
        // A directory where the file should go.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/out.wav", withIntermediateDirectories: false)
        #expect(throws: SoundFileError.self) {
            try MusicRenderer.render(
                tokens: shortTune, configuration: RenderConfiguration(), format: .wav, to: directory + "/out.wav")
        }
        #expect(listing(directory) == ["out.wav"])
    }

    @Test func libsndfileErrorsCarryThePathAndItsMessage() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let junk = directory + "/junk.wav"
        try Data("this is not audio".utf8).write(to: URL(fileURLWithPath: junk))
        do {
            _ = try SoundFile.read(junk)
            Issue.record("read junk")
        } catch {
            #expect(error.path == junk)
            #expect(error.reason.hasPrefix("sf_open: "))
            #expect(error.reason.count > "sf_open: ".count)
        }
        let audio = AudioBuffer(samples: [0, 0.5, -0.5], channels: 1, sampleRate: 44100)
        #expect(throws: SoundFileError.self) {
            try SoundFile.write(audio, to: directory + "/x.flac", format: .flac, sampleFormat: .float)
        }
        #expect(throws: SoundFileError.self) { try SoundFile.write(audio, to: directory + "/x.mid", format: .midi) }
        #expect(listing(directory) == ["junk.wav"])
    }

    @Test func formatsFollowTheExtension() {
        #expect(OutputFormat(path: "a/b.WAV") == .wav)
        #expect(OutputFormat(path: "tune.flac") == .flac)
        #expect(OutputFormat(path: "tune.oga") == .ogg)
        #expect(OutputFormat(path: "tune.mid") == .midi)
        #expect(OutputFormat(path: "tune.midi") == .midi)
        #expect(OutputFormat(path: "tune.mp3") == .mp3)
        #expect(OutputFormat(path: "tune.abc") == .abc)
        #expect(OutputFormat(path: "tune.svg") == .svg)
        #expect(OutputFormat(path: "tune.aiff") == nil)
        #expect(OutputFormat(path: "dir.wav/tune") == nil)
        #expect(OutputFormat(path: "tune") == nil)
    }
}
