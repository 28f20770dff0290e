import Foundation
import Testing

/// `recur render`, run as a user runs it.
struct RenderCommandTests {
    /// A directory with NOTES.txt holding a short tune (16 steps, one note per beat or so).
    func tuneDirectory(_ tune: String = "n60 - - - n64 - n67 - r - n72 - - - n72 - <eos>\n") throws -> String {
        let directory = try temporaryDirectory()
        try tune.write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        return directory
    }

    /// The fmt fields and frame count of a canonical WAV file, read from its bytes.
    func wavHeader(_ path: String) throws -> (format: Int, channels: Int, rate: Int, bits: Int, frames: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func little(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        #expect(Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[8..<12]) == Array("WAVE".utf8))
        var offset = 12
        var fmt: (Int, Int, Int, Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = little(offset + 4, 4)
            if id == "fmt " {
                fmt = (little(offset + 8, 2), little(offset + 10, 2), little(offset + 12, 4), little(offset + 22, 2))
            }
            if id == "data", let (format, channels, rate, bits) = fmt {
                return (format, channels, rate, bits, size / (channels * bits / 8))
            }
            offset += 8 + size + size % 2
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    @Test func aWAVFileAndItsReport() throws {
        let directory = try tuneDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try RecurBinary.run(
            [
                "render", "notes.txt", "--out", "tune.wav", "--tempo", "150", "--instrument", "organ", "--channels", "2",
                "--synth", "builtin", "--json",
            ], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try RecurBinary.json(result)
        // 16 steps of 0.1 s at 150 BPM, plus the organ's 60 ms release.
        let frames = 70_560 + 2646
        #expect(report["frames"] as? Int == frames)
        #expect(abs((report["seconds"] as? Double ?? 0) - Double(frames) / 44100) < 1e-9)
        #expect(report["notes"] as? Int == 5)
        #expect(report["format"] as? String == "wav")
        let renderSeconds = try #require(report["render_seconds"] as? Double)
        let factor = try #require(report["realtime_factor"] as? Double)
        #expect(renderSeconds > 0)
        #expect(abs(factor - Double(frames) / 44100 / renderSeconds) < 1e-6 * factor)
        let header = try wavHeader(directory + "/tune.wav")
        #expect(header.format == 1 && header.channels == 2 && header.rate == 44100 && header.bits == 16)
        #expect(header.frames == frames)
        #expect(report["synth"] as? String == "builtin" && report["soundfont"] is NSNull)
    }

    @Test func fluidSynthPlaysTheSoundFontAndSaysSo() throws {
        let directory = try tuneDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try RecurBinary.run(
            ["render", "notes.txt", "--out", "tune.flac", "--tempo", "150", "--instrument", "flute", "--json"],
            directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try RecurBinary.json(result)
        #expect(report["synth"] as? String == "fluidsynth")
        let soundFont = try #require(report["soundfont"] as? String)
        #expect(FileManager.default.fileExists(atPath: soundFont) && soundFont.hasSuffix(".sf2"))
        let instruments = try #require(report["instruments"] as? [[String: Any]])
        #expect(instruments.count == 1 && instruments[0]["instrument"] as? String == "flute")
        #expect(instruments[0]["program"] as? Int == 74 && instruments[0]["program_name"] as? String == "Flute")
        // The MIDI file's 1.6 s, then the flute's release and the reverb, at most 3 s more.
        let frames = try #require(report["frames"] as? Int)
        #expect(frames >= 70_560 && frames <= 70_560 + 3 * 44100 + 512, "\(frames)")
        let plain = try RecurBinary.run(["render", "notes.txt", "--out", "tune.wav"], directory: directory)
        #expect(plain.stdout.contains("fiddle, FluidSynth (") && plain.stdout.contains(".sf2)"), "\(plain.stdout)")
        // A sound font named that is not there, or is not one, fails and writes nothing.
        try Data("not a sound font".utf8).write(to: URL(fileURLWithPath: directory + "/fake.sf2"))
        for (font, message) in [("missing.sf2", "does not exist"), ("fake.sf2", "not a SoundFont FluidSynth can load")] {
            let bad = try RecurBinary.run(
                ["render", "notes.txt", "--out", "bad.wav", "--soundfont", directory + "/" + font], directory: directory)
            #expect(bad.status != 0 && bad.stderr.contains(message), "\(bad.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/bad.wav"))
        }
        let environment = ["RECUR_SOUNDFONT": directory + "/fake.sf2"]
        let fromEnvironment = try RecurBinary.run(
            ["render", "notes.txt", "--out", "bad.wav"], environment: environment, directory: directory)
        #expect(fromEnvironment.status != 0 && fromEnvironment.stderr.contains("fake.sf2"), "\(fromEnvironment.stderr)")
    }

    @Test func fourVoicesRenderWithVoices() throws {
        let directory = try tuneDirectory("M:4/4 K:major n72 n67 n64 n48 - - - - n74 - - - - r - - |\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try RecurBinary.run(
            ["render", "notes.txt", "--voices", "4", "--out", "chorale.mid", "--json"], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try RecurBinary.json(result)
        #expect(json["voices"] as? Int == 4 && json["steps"] as? Int == 4 && json["notes"] as? Int == 5)
        let midi = try Data(contentsOf: URL(fileURLWithPath: directory + "/chorale.mid"))
        #expect(midi[9] == 1 && midi[11] == 5, "a type 1 file of a conductor track and four voices")
        // Read as one voice, the same tokens are a melody of 16 steps.
        let melody = try RecurBinary.run(["render", "notes.txt", "--out", "melody.mid", "--json"], directory: directory)
        #expect(try RecurBinary.json(melody)["steps"] as? Int == 16)
        let bad = try RecurBinary.run(["render", "notes.txt", "--voices", "0", "--out", "x.mid"], directory: directory)
        #expect(bad.status != 0 && bad.stderr.contains("--voices"))
    }

    @Test func everyFormatFromTheExtensionOrTheFlag() throws {
        let directory = try tuneDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [([String], String, [UInt8])] = [
            (["--out", "a.flac"], "a.flac", Array("fLaC".utf8)),
            (["--out", "a.ogg", "--sample-rate", "48000"], "a.ogg", Array("OggS".utf8)),
            (["--out", "a.mid", "--instrument", "square"], "a.mid", Array("MThd".utf8)),
            (["--out", "noext", "--format", "midi"], "noext", Array("MThd".utf8)),
            (
                ["--out", "b.wav", "--bits", "24", "--sample-rate", "22050", "--synth", "builtin", "--instrument", "pluck"],
                "b.wav", Array("RIFF".utf8)
            ),
            (["--out", "c.wav", "--bits", "float"], "c.wav", Array("RIFF".utf8)),
        ]
        for (arguments, file, magic) in cases {
            let result = try RecurBinary.run(["render", "notes.txt"] + arguments, directory: directory)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains(file))
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            #expect(Array(bytes.prefix(4)) == magic, "\(file)")
        }
        let b = try wavHeader(directory + "/b.wav")
        #expect(b.bits == 24 && b.rate == 22050 && b.frames == 44100 + 661)
        let c = try wavHeader(directory + "/c.wav")
        #expect(c.format == 3 && c.bits == 32)
        // MIDI: tempo 120 → 500 000 µs a quarter; program 80 for the square.
        let midi = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/a.mid")))
        #expect(midi.starts(with: Array("MThd".utf8) + [0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xE0]))
        #expect(midi.firstRange(of: [0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20]) != nil)
        #expect(midi.firstRange(of: [0xC0, 80]) != nil)
        #expect(midi.suffix(3) == [0xFF, 0x2F, 0x00])
        #expect(FileManager.default.subpaths(atPath: directory)?.allSatisfy { !$0.hasPrefix(".") } == true)
    }

    @Test func badSettingsNameTheOption() throws {
        let directory = try tuneDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [([String], String)] = [
            (["--tempo", "0"], "--tempo 0 is not allowed; use 20…400"),
            (["--sample-rate", "7"], "--sample-rate 7 is not allowed; use 22050, 44100 or 48000"),
            (["--channels", "3"], "--channels 3 is not allowed"),
            (["--velocity", "200"], "--velocity 200 is not allowed; use 1…127"),
            (["--instrument", "kazoo"], "--instrument: 'kazoo' is not an instrument; use a General MIDI name"),
            (["--instrument", "descant=flute"], "'descant' is not a voice"),
            (["--synth", "timidity"], "--synth must be auto, fluidsynth or builtin, got 'timidity'"),
            (["--reverb", "1.5"], "--reverb 1.5 is not allowed; use 0 (dry) … 1"),
            (["--chorus", "2"], "--chorus 2 is not allowed; use 0 (none) … 1"),
            (["--bits", "8"], "--bits must be 16, 24 or float"),
            (["--format", "aiff"], "--format must be one of wav, flac, ogg, mp3, midi, abc, svg"),
            (["--key", "H"], "--key H: is not a key's tonic"),
            (["--format", "ogg", "--bits", "24"], "--bits applies to WAV and FLAC, not ogg"),
            (["--format", "flac", "--bits", "float"], "--bits float is for WAV only"),
        ]
        for (arguments, message) in cases {
            let result = try RecurBinary.run(["render", "notes.txt", "--out", "x.wav"] + arguments, directory: directory)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let noFormat = try RecurBinary.run(["render", "notes.txt", "--out", "x.aiff"], directory: directory)
        #expect(noFormat.status != 0)
        #expect(noFormat.stderr.contains("cannot tell the format from --out x.aiff"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["notes.txt"])
    }

    @Test func badNotesFilesAndPathsAreExplained() throws {
        let directory = try tuneDirectory("n60 - x62 r\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unknown = try RecurBinary.run(["render", "notes.txt", "--out", "x.wav"], directory: directory)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("notes.txt: unknown note token \"x62\" (token 3 of 4)"), "\(unknown.stderr)")
        try "<eos>\n".write(toFile: directory + "/empty.txt", atomically: true, encoding: .utf8)
        let empty = try RecurBinary.run(["render", "empty.txt", "--out", "x.wav"], directory: directory)
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("the tune is empty"))
        let missing = try RecurBinary.run(["render", "none.txt", "--out", "x.wav"], directory: directory)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read notes file none.txt"))
        try "n60 - -".write(toFile: directory + "/ok.txt", atomically: true, encoding: .utf8)
        let noDirectory = try RecurBinary.run(["render", "ok.txt", "--out", "nowhere/x.flac"], directory: directory)
        #expect(noDirectory.status != 0)
        #expect(noDirectory.stderr.contains("cannot write audio file nowhere/x.flac: the directory nowhere does not exist"))
        let unwritable = try RecurBinary.run(["render", "ok.txt", "--out", "/sys/x.wav"], directory: directory)
        #expect(unwritable.status != 0)
        #expect(unwritable.stderr.contains("/sys/x.wav"))
        #expect(unwritable.stderr.contains("Permission denied"))
        let midi = try RecurBinary.run(["render", "ok.txt", "--out", "nowhere/x.mid"], directory: directory)
        #expect(midi.status != 0)
        #expect(midi.stderr.contains("nowhere/x.mid"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["empty.txt", "notes.txt", "ok.txt"])
    }

    @Test func aTuneWithRepairsSaysSo() throws {
        let directory = try tuneDirectory("- n10 - r r n60 <eos> n61 n62\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try RecurBinary.run(["render", "notes.txt", "--out", "x.wav", "--json"], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try RecurBinary.json(result)
        #expect(report["moved_pitches"] as? Int == 1)
        #expect(report["ignored_tokens"] as? Int == 2)
        #expect(report["steps"] as? Int == 6)
        let text = try RecurBinary.run(["render", "notes.txt", "--out", "y.wav"], directory: directory)
        #expect(text.stdout.contains("2 tokens after <eos> were ignored"))
        #expect(text.stdout.contains("1 note was outside the pitch range"))
    }
}
