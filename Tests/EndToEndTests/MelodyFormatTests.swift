import Foundation
import Testing

/// A musician's melody as ABC, MusicXML or MIDI, harmonised with `recur generate
/// --harmonize FILE` and through a daemon's job field: the same soprano as the note-token
/// file of the same tune, the key read from the file, and refusals named.
@Suite(.serialized)
struct MelodyFormatTests {
    /// "Old Hundredth"'s first line in G major, an octave low: the note tokens
    /// `HarmonizeTests.melodyInG` as a musician would write it in ABC.
    static let abc = """
        X:1
        T:Old Hundredth
        M:4/4
        L:1/4
        K:G
        G,2 | G, F, E, D, | G, A, B,2 |]
        """

    /// The same line on the white keys (C major), for `recur render --key G`.
    static let inC = "n60 - - - - - - - | n60 - - - n59 - - - n57 - - - n55 - - - | n60 - - - n62 - - - n64 - - - - - - - |"

    func harmonise(_ model: String, _ file: String, _ extra: [String] = []) throws -> String {
        let result = try RecurBinary.run(
            ["generate", "--model", model, "--harmonize", file, "--seed", "3", "--temperature", "1", "--json"] + extra)
        #expect(result.status == 0, "\(file): \(result.stderr)")
        let sample = try #require((try RecurBinary.json(result)["samples"] as? [[String: Any]])?.first)
        #expect(sample["key"] as? String == "G", "\(file): the key is the file's")
        return try #require(sample["text"] as? String)
    }

    @Test func abcMusicXMLAndMIDIGiveTheSopranoOfTheTokenFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try HarmonizeTests.choraleModel(in: directory)
        let tokens = directory + "/hymn.txt", abc = directory + "/hymn.abc", inC = directory + "/c.txt"
        try HarmonizeTests.melodyInG.write(toFile: tokens, atomically: true, encoding: .utf8)
        try Self.abc.write(toFile: abc, atomically: true, encoding: .utf8)
        try Self.inC.write(toFile: inC, atomically: true, encoding: .utf8)
        for format in ["musicxml", "midi"] {
            let render = try RecurBinary.run([
                "render", inC, "--key", "G", "--format", format, "--out",
                directory + "/hymn." + (format == "midi" ? "mid" : format),
            ])
            #expect(render.status == 0, "\(render.stderr)")
        }
        let reference = try harmonise(model, tokens, ["--key", "G"])
        // ABC and MusicXML keep the pickup bar: the whole chorale is the token file's.
        #expect(try harmonise(model, abc) == reference)
        #expect(try harmonise(model, directory + "/hymn.musicxml") == reference)
        // Recur's MIDI writer records no pickup, so the bars fall elsewhere: the soprano is the same.
        let midi = try harmonise(model, directory + "/hymn.mid")
        #expect(HarmonizeTests.soprano(of: midi) == HarmonizeTests.soprano(of: reference))
        // An option still wins over the file: --key A moves the same melody.
        let inA = try RecurBinary.json(
            try RecurBinary.run(["generate", "--model", model, "--harmonize", abc, "--key", "A", "--json"]))
        #expect((inA["samples"] as? [[String: Any]])?.first?["key"] as? String == "A")
    }

    @Test func whatIsNotOneVoiceOnTheGridIsRefusedWithItsBarAndBeat() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try HarmonizeTests.choraleModel(in: directory)
        let cases: [(String, String)] = [
            ("X:1\nM:4/4\nL:1/4\nK:G\nG,2 | [G,B,] F, E, D, |]", "bar 2, beat 1"),
            ("X:1\nM:4/4\nL:1/4\nK:G\nG,2 | G, (3F,E,D, D, |]", "bar 2, beat 2"),
            ("X:1\nM:4/4\nL:1/16\nK:G\nG,8 | G,/ F,15 |]", "bar 2"),
            ("MThd\u{0}\u{0}\u{0}\u{6}\u{0}", "MIDI"),
        ]
        for (index, (text, place)) in cases.enumerated() {
            let file = directory + "/bad-\(index)"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try RecurBinary.run(["generate", "--model", model, "--harmonize", file])
            #expect(result.status == 1, "\(text)")
            #expect(result.stderr.contains(place), "\(result.stderr)")
            #expect(!result.stderr.contains("Fatal") && !result.stderr.contains("Usage"))
        }
    }

    @Test func aDaemonReadsABCAndBase64MIDIAndRefusesAChordByField() throws {
        let fixture = try SpoolFixture()
        _ = try HarmonizeTests.choraleModel(in: fixture.models)
        func job(_ melody: String, id: String) throws {
            let object: [String: Any] = ["model": "tiny-chorales", "seed": 3, "temperature": 1, "harmonize": melody]
            let data = try JSONSerialization.data(withJSONObject: object)
            try fixture.submit(String(decoding: data, as: UTF8.self), id: id)
        }
        let directory = fixture.root
        try Self.inC.write(toFile: directory + "/c.txt", atomically: true, encoding: .utf8)
        let render = try RecurBinary.run([
            "render", directory + "/c.txt", "--key", "G", "--format", "midi", "--out", directory + "/h.mid",
        ])
        #expect(render.status == 0, "\(render.stderr)")
        let midi = try Data(contentsOf: URL(fileURLWithPath: directory + "/h.mid")).base64EncodedString()
        try job(Self.abc, id: "abc")
        try job(midi, id: "midi")
        try job("X:1\nM:4/4\nL:1/4\nK:G\nG,2 | [G,B,] F, E, D, |]", id: "chord")
        try job("TVRoZAAAAAYAAQ==", id: "truncated")
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(fixture.list("done") == ["abc", "midi"])
        #expect(fixture.list("failed") == ["chord", "truncated"])
        let result = fixture.json("done/abc/result.json")
        #expect((result["samples"] as? [[String: Any]])?.first?["key"] as? String == "G")
        for id in ["chord", "truncated"] {
            let error = fixture.json("failed/\(id)/error.json")
            #expect(error["field"] as? String == "harmonize", "\(id): \(error)")
        }
        #expect((fixture.json("failed/chord/error.json")["error"] as? String ?? "").contains("bar 2, beat 1"))
    }
}

/// `recur render` of a chorale's text: its voices are read from its bars.
struct RenderVoicesTests {
    @Test func aChoraleSampleRendersAsFourVoices() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try HarmonizeTests.choraleModel(in: directory)
        let melody = directory + "/hymn.txt"
        try HarmonizeTests.melodyInG.write(toFile: melody, atomically: true, encoding: .utf8)
        let generated = try RecurBinary.run([
            "generate", "--model", model, "--harmonize", melody, "--key", "G", "--seed", "1", "--out", directory + "/s",
        ])
        #expect(generated.status == 0, "\(generated.stderr)")
        let sample = directory + "/s/sample-001.txt"
        let read = try RecurBinary.run(["render", sample, "--out", directory + "/a.mid", "--json"])
        #expect(read.status == 0, "\(read.stderr)")
        let object = try RecurBinary.json(read)
        #expect(object["voices"] as? Int == 4 && object["steps"] as? Int == 40, "\(object)")
        let plain = try RecurBinary.run(["render", sample, "--out", directory + "/b.mid"])
        #expect(plain.stderr.contains("reading 4 voices"), "\(plain.stderr)")
        // --voices still decides; a melody without headers stays one voice.
        let forced = try RecurBinary.json(
            try RecurBinary.run(["render", sample, "--voices", "1", "--out", directory + "/c.mid", "--json"]))
        #expect(forced["voices"] as? Int == 1)
        let tune = try RecurBinary.json(try RecurBinary.run(["render", melody, "--out", directory + "/d.mid", "--json"]))
        #expect(tune["voices"] as? Int == 1)
    }
}
