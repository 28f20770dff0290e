import Foundation
import RecurCore
import Testing

/// Harmonising a melody (`recur generate --harmonize`, the job field `harmonize`) with a
/// small random four-voice model: the top voice is the melody exactly, whatever the
/// batch, and what cannot be honoured is refused by name.
@Suite(.serialized)
struct HarmonizeTests {
    /// A random four-voice `recur.notes/2` model knowing 4/4 and 3/4, major and minor,
    /// whose soprano sang n60…n76 in training.
    static func choraleModel(in directory: String) throws -> String {
        try GenerateMusicTests.notesModel(
            in: directory, name: "tiny-chorales",
            extraTokens: ["|", "M:4/4", "M:3/4", "K:major", "K:minor"] + (73...76).map { "n\($0)" },
            notesJSON: """
                {"format":"recur.notes/2","steps_per_quarter":4,"lowest_pitch":21,"highest_pitch":108,"meters":["3/4","4/4"],"modes":["major","minor"],"voices":4,"voice_ranges":[[60,76],[60,69],[60,67],[60,64]],"warmup":[]}
                """)
    }

    /// "Old Hundredth"'s first line in G major, an octave below where a soprano sings it.
    static let melodyInG = "n55 - - - - - - - | n55 - - - n54 - - - n52 - - - n50 - - - | n55 - - - n57 - - - n59 - - - - - - - |"

    /// The soprano's tokens: every fourth step token after the headers, bar lines dropped.
    static func soprano(of text: String) -> [String] {
        let tokens = text.split(separator: " ").map(String.init).filter { !$0.hasPrefix("M:") && !$0.hasPrefix("K:") }
        let steps = tokens.filter { $0 != "|" && $0 != "<eos>" }
        return stride(from: 0, to: steps.count, by: 4).map { steps[$0] }
    }

    /// Voice `v`'s step tokens (0 soprano … 3 bass).
    static func voice(_ v: Int, of text: String) -> [String] {
        let steps = text.split(separator: " ").map(String.init).filter { $0 == "-" || $0 == "r" || $0.hasPrefix("n") }
        return stride(from: v, to: steps.count, by: 4).map { steps[$0] }
    }

    @Test func theTopVoiceIsTheMelodyInEverySampleAndBatch() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Self.choraleModel(in: directory)
        let melody = directory + "/hymn.txt"
        try Self.melodyInG.write(toFile: melody, atomically: true, encoding: .utf8)
        func run(count: Int, out: String) throws -> [String] {
            let result = try RecurBinary.run([
                "generate", "--model", model, "--harmonize", melody, "--key", "G", "--count", String(count), "--seed", "11",
                "--temperature", "1", "--format", "text,midi,wav", "--out", out, "--json",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let samples = try #require(try RecurBinary.json(result)["samples"] as? [[String: Any]])
            #expect(
                samples.allSatisfy { $0["key"] as? String == "G" && $0["meter"] as? String == "4/4" && $0["bars"] as? Int == 3 })
            return try (1...count).map {
                try String(contentsOfFile: out + String(format: "/sample-%03d.txt", $0), encoding: .utf8)
            }
        }
        let four = try run(count: 4, out: directory + "/four")
        // On the white keys the tune is in C: G → C is up a fourth, and n55…n64 is below the
        // soprano's n60…n76, so the melody also moves up an octave: n55 → n72.
        let expected = Self.melodyInG.split(separator: " ").map(String.init).filter { $0 != "|" }.map { token in
            token.hasPrefix("n") ? "n\(Int(token.dropFirst())! + 5 + 12)" : token
        }
        for text in four {
            #expect(text.hasPrefix("M:4/4 K:major "))
            #expect(Self.soprano(of: text) == expected)
            #expect(text.split(separator: " ").filter { $0 == "|" }.count == 3)
            #expect(text.split(separator: " ").last == "|", "the tune ends with the melody")
            // The last chord, from the melody's last note (8 steps from the end): C in the bass.
            let bass = Self.voice(3, of: text)
            #expect(bass.suffix(8) == ["n60"] + Array(repeating: "-", count: 7), "\(bass.suffix(8))")
        }
        #expect(Set(four).count > 1, "the lower voices are sampled, not fixed")
        // Batch-invariant: the first sample alone is the first sample of four.
        let one = try run(count: 1, out: directory + "/one")
        #expect(one[0] == four[0])
        // The MIDI file has the four voices, the soprano back in G.
        let midi = try Data(contentsOf: URL(fileURLWithPath: directory + "/four/sample-001.mid"))
        #expect(midi.count > 100 && midi[9] == 1, "a type 1 MIDI file")
    }

    @Test func whatCannotBeHarmonisedIsRefusedByName() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let chorales = try Self.choraleModel(in: directory)
        let melodyModel = try TuneRequestTests.structuredModel(in: directory)
        func refusal(_ melody: String, model: String, extra: [String] = []) throws -> String {
            let path = directory + "/melody.txt"
            try melody.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try RecurBinary.run(["generate", "--model", model, "--harmonize", path] + extra)
            #expect(result.status != 0)
            return result.stderr
        }
        #expect(try refusal("n60 - - -", model: melodyModel).contains("needs a model of several voices"))
        let wide = try refusal("n60 - - - n79 - - -", model: chorales)
        #expect(wide.contains("--harmonize") && wide.contains("spans 19 semitones") && wide.contains("n60…n76"), "\(wide)")
        #expect(try refusal("M:4/4 n64 - - -", model: chorales).contains("header"))
        #expect(try refusal("n64 x - -", model: chorales).contains("\"x\""))
        #expect(try refusal("n64 - - -", model: chorales, extra: ["--meter", "6/8"]).contains("--meter"))
        #expect(try refusal("n64 - - -", model: chorales, extra: ["--prime", "n64"]).contains("prime"))
        let missing = try RecurBinary.run(["generate", "--model", chorales, "--harmonize", directory + "/none.txt"])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read") && missing.stderr.contains("does not exist"))
        try "\n".write(toFile: directory + "/empty.txt", atomically: true, encoding: .utf8)
        let empty = try RecurBinary.run(["generate", "--model", chorales, "--harmonize", directory + "/empty.txt"])
        #expect(empty.status != 0 && empty.stderr.contains("empty.txt: the file is empty"), "\(empty.stderr)")
    }

    @Test func aDaemonJobHarmonisesAndRefusesWhatCannotBe() throws {
        let fixture = try SpoolFixture()
        _ = try Self.choraleModel(in: fixture.models)
        _ = try TuneRequestTests.structuredModel(in: fixture.models)
        let melody = Self.melodyInG.replacingOccurrences(of: "\"", with: "")
        try fixture.submit(
            #"{"model": "tiny-chorales", "count": 2, "seed": 5, "key": "G", "format": ["text", "musicxml", "midi", "flac"], "harmonize": ""#
                + melody + #""}"#, id: "hymn")
        try fixture.submit(#"{"model": "tiny-tunes", "harmonize": "n60 - - -"}"#, id: "onevoice")
        try fixture.submit(#"{"model": "tiny-chorales", "harmonize": "n60 - - - n79 - - -"}"#, id: "wide")
        try fixture.submit(#"{"model": "tiny-chorales", "harmonize": "n64 - -", "prime": "n64"}"#, id: "primed")
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(fixture.list("done") == ["hymn"])
        #expect(fixture.list("failed") == ["onevoice", "primed", "wide"])
        let files = fixture.list("done/hymn")
        for name in ["sample-001.txt", "sample-001.musicxml", "sample-002.mid", "sample-002.flac"] {
            #expect(files.contains(name), "\(files)")
        }
        let expected = Self.melodyInG.split(separator: " ").map(String.init).filter { $0 != "|" }.map { token in
            token.hasPrefix("n") ? "n\(Int(token.dropFirst())! + 5 + 12)" : token
        }
        for index in 1...2 {
            let text = try String(contentsOfFile: fixture.spool + "/done/hymn/sample-00\(index).txt", encoding: .utf8)
            #expect(Self.soprano(of: text) == expected)
        }
        for id in ["onevoice", "primed", "wide"] {
            let error = fixture.json("failed/\(id)/error.json")
            #expect(error["field"] as? String == "harmonize", "\(id): \(error)")
        }
        #expect((fixture.json("failed/wide/error.json")["error"] as? String ?? "").contains("spans 19 semitones"))
    }
}
