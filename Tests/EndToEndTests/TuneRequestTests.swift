import Foundation
import RecurCore
import Testing

/// Asking for a meter, a mode and a key — `recur generate` and a daemon job — with a
/// small random `recur.notes/2` model, and every format that reads the structure.
@Suite(.serialized)
struct TuneRequestTests {
    static let meters = ["2/4", "3/4", "4/4", "6/8"]
    static let modes = ["major", "minor", "dorian", "mixolydian"]

    /// A small random notes model with headers and bar lines, saved as `NAME.safetensors`.
    static func structuredModel(in directory: String, name: String = "tiny-tunes") throws -> String {
        let metersJSON = meters.map { "\"\($0)\"" }.joined(separator: ",")
        let modesJSON = modes.map { "\"\($0)\"" }.joined(separator: ",")
        return try GenerateMusicTests.notesModel(
            in: directory, name: name, extraTokens: ["|"] + meters.map { "M:" + $0 } + modes.map { "K:" + $0 },
            notesJSON: """
                {"format":"recur.notes/2","steps_per_quarter":4,"lowest_pitch":21,"highest_pitch":108,"meters":[\(metersJSON)],"modes":[\(modesJSON)]}
                """)
    }

    @Test func generateWritesJigsInEMinorInEveryFormat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.structuredModel(in: directory)
        let out = directory + "/out"
        let result = try RecurBinary.run([
            "generate", "--model", model, "--count", "4", "--length", "60", "--seed", "3", "--temperature", "1",
            "--meter", "6/8", "--mode", "minor", "--key", "E", "--format", "text,abc,svg,mp3,midi", "--out", out, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try RecurBinary.json(result)
        let samples = try #require(json["samples"] as? [[String: Any]])
        #expect(samples.count == 4)
        for sample in samples {
            #expect(sample["meter"] as? String == "6/8")
            #expect(sample["mode"] as? String == "minor")
            #expect(sample["key"] as? String == "E")
            #expect((sample["bars"] as? Int ?? 0) >= 1)
            // Who played the MP3: the same entry result.json has.
            let audio = sample["audio"] as? [[String: Any]] ?? []
            let file = audio.first?["file"] as? String ?? ""
            #expect(audio.count == 1 && file.hasSuffix(".mp3") && audio.first?["synth"] as? String == "fluidsynth", "\(sample)")
        }
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        for ext in ["txt", "abc", "svg", "mp3", "mid"] { #expect(files.contains("sample-001.\(ext)"), "\(files)") }
        let text = try String(contentsOfFile: out + "/sample-001.txt", encoding: .utf8)
        #expect(text.hasPrefix("M:6/8 K:minor"))
        let abc = try String(contentsOfFile: out + "/sample-001.abc", encoding: .utf8)
        #expect(abc.contains("\nM:6/8\n") && abc.contains("\nK:Em\n"), "\(abc)")
        let svg = try String(contentsOfFile: out + "/sample-001.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("E minor, 6/8"))
        // The same sample rendered from its text with --key gives the same MIDI file.
        let again = directory + "/again.mid"
        let render = try RecurBinary.run(["render", out + "/sample-001.txt", "--out", again, "--key", "E", "--json"])
        #expect(render.status == 0, "\(render.stderr)")
        #expect(try RecurBinary.json(render)["key"] as? String == "E")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: out + "/sample-001.mid")))
    }

    @Test func barsFollowTheMeterUnlessFreed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.structuredModel(in: directory)
        /// The lengths in steps of the interior bars of every sample (first and last left out).
        func interiorBars(_ extra: [String]) throws -> [Int] {
            let out = directory + "/out-\(extra.count)"
            let result = try RecurBinary.run(
                [
                    "generate", "--model", model, "--count", "8", "--length", "200", "--seed", "4", "--temperature", "1",
                    "--meter", "3/4", "--format", "text", "--out", out,
                ] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            var lengths: [Int] = []
            for file in try FileManager.default.contentsOfDirectory(atPath: out) {
                let tokens = try String(contentsOfFile: out + "/" + file, encoding: .utf8).split(separator: " ")
                var bars: [Int] = [], steps = 0
                for token in tokens where !token.hasPrefix("M:") && !token.hasPrefix("K:") {
                    if token == "|" {
                        bars.append(steps)
                        steps = 0
                    } else if token != "<eos>" {
                        steps += 1
                    }
                }
                lengths += bars.dropFirst().dropLast()
            }
            return lengths
        }
        let strict = try interiorBars([])
        #expect(strict.count > 20)
        #expect(strict.allSatisfy { $0 == 12 }, "\(strict)")
        // A random model left to itself puts bar lines anywhere.
        let free = try interiorBars(["--free-bars"])
        #expect(free.contains { $0 != 12 }, "\(free)")
    }

    @Test func leftOutTheModelChoosesAndEveryTuneStillHasHeaders() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.structuredModel(in: directory)
        let result = try RecurBinary.run([
            "generate", "--model", model, "--count", "12", "--length", "30", "--seed", "11", "--temperature", "1", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let samples = try #require(try RecurBinary.json(result)["samples"] as? [[String: Any]])
        for sample in samples {
            let text = try #require(sample["text"] as? String)
            let words = text.split(separator: " ").map(String.init)
            #expect(words.count >= 2 && words[0].hasPrefix("M:") && words[1].hasPrefix("K:"), "\(text)")
            #expect(Self.meters.contains(sample["meter"] as? String ?? ""))
            #expect(Self.modes.contains(sample["mode"] as? String ?? ""))
        }
        // A sample is the same alone as in a batch of twelve: the guide keeps batch invariance.
        let alone = try RecurBinary.run([
            "generate", "--model", model, "--count", "1", "--length", "30", "--seed", "11", "--temperature", "1", "--json",
        ])
        let first = try #require(try RecurBinary.json(alone)["samples"] as? [[String: Any]]).first
        #expect(first?["text"] as? String == samples.first { $0["index"] as? Int == 1 }?["text"] as? String)
    }

    @Test func unknownMetersModesAndKeysAreRefusedBeforeAnyWork() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.structuredModel(in: directory)
        for (flags, mentions) in [
            (["--meter", "5/4"], "--meter 5/4: is not a meter the model 'tiny-tunes' knows; it knows 2/4, 3/4, 4/4, 6/8"),
            (["--mode", "phrygian"], "it knows major, minor, dorian, mixolydian"),
            (["--key", "H"], "--key H: is not a key's tonic"),
            (["--meter", "6/8", "--prime", "n60 -"], "cannot be combined with a prime"),
        ] {
            let out = directory + "/never"
            let result = try RecurBinary.run(["generate", "--model", model, "--format", "abc", "--out", out] + flags)
            #expect(result.status != 0)
            #expect(result.stderr.contains(mentions), "\(flags): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        // A model without headers knows no meter.
        let plain = try GenerateMusicTests.notesModel(in: directory)
        let old = try RecurBinary.run(["generate", "--model", plain, "--meter", "6/8"])
        #expect(old.status != 0)
        #expect(old.stderr.contains("knows no meters"), "\(old.stderr)")
    }

    @Test func aDaemonJobGetsItsMeterModeAndKeyAndRefusesWhatTheModelLacks() throws {
        let fixture = try SpoolFixture()
        _ = try Self.structuredModel(in: fixture.models)
        try fixture.submit(
            #"{"model": "tiny-tunes", "count": 2, "length": 50, "seed": 4, "meter": "3/4", "mode": "dorian", "key": "Bb", "format": ["text", "abc", "mp3"]}"#,
            id: "waltz")
        try fixture.submit(#"{"model": "tiny-tunes", "meter": "7/8"}"#, id: "odd")
        try fixture.submit(#"{"model": "tiny-tunes", "key": "Q#"}"#, id: "badkey")
        try fixture.submit(#"{"model": "lstm-l2-emb5", "mode": "minor"}"#, id: "textmodel")
        try fixture.submit(
            #"{"model": "tiny-tunes", "format": ["mp3"], "render": {"soundfont": "/nonexistent/gm.sf2"}}"#, id: "nofont")
        try fixture.submit(#"{"model": "tiny-tunes", "render": {"instrument": "bass=tuba"}}"#, id: "novoice")
        let log = fixture.root + "/waltz.log"
        let daemon = try fixture.startDaemon(["--once"], log: log)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(fixture.list("done") == ["waltz"])
        #expect(fixture.list("failed") == ["badkey", "nofont", "novoice", "odd", "textmodel"])
        // The daemon says once what plays audio; each audio file says who played it.
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logged.components(separatedBy: "audio: FluidSynth with /").count == 2, "\(logged)")
        #expect(fixture.list("done/waltz").contains("sample-002.mp3"))
        let result = fixture.json("done/waltz/result.json")
        let samples = result["samples"] as? [[String: Any]] ?? []
        #expect(samples.count == 2)
        for sample in samples {
            #expect(sample["meter"] as? String == "3/4")
            #expect(sample["mode"] as? String == "dorian")
            #expect(sample["key"] as? String == "Bb")
            let audio = sample["audio"] as? [[String: Any]] ?? []
            let file = audio.first?["file"] as? String ?? ""
            let soundFont = audio.first?["soundfont"] as? String ?? ""
            #expect(audio.count == 1 && file.hasSuffix(".mp3"), "\(sample)")
            #expect(audio.first?["synth"] as? String == "fluidsynth")
            #expect(soundFont.hasSuffix(".sf2"))
            let instruments = audio.first?["instruments"] as? [[String: Any]] ?? []
            #expect(instruments.first?["instrument"] as? String == "fiddle" && instruments.first?["program"] as? Int == 41)
        }
        let nofont = fixture.json("failed/nofont/error.json")
        #expect(nofont["field"] as? String == "render.soundfont", "\(nofont)")
        #expect((nofont["error"] as? String ?? "").contains("/nonexistent/gm.sf2"), "\(nofont)")
        let novoice = fixture.json("failed/novoice/error.json")
        #expect(novoice["field"] as? String == "render.instrument", "\(novoice)")
        #expect((novoice["error"] as? String ?? "").contains("one voice"), "\(novoice)")
        let abc = try String(contentsOfFile: fixture.spool + "/done/waltz/sample-001.abc", encoding: .utf8)
        #expect(abc.contains("\nK:Bbdor\n"), "\(abc)")
        let odd = fixture.json("failed/odd/error.json")
        #expect(odd["field"] as? String == "meter")
        #expect((odd["error"] as? String ?? "").contains("2/4, 3/4, 4/4, 6/8"), "\(odd)")
        #expect(fixture.json("failed/badkey/error.json")["field"] as? String == "key")
        #expect(fixture.json("failed/textmodel/error.json")["field"] as? String == "mode")
    }
}
