import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Scores from the command line: `recur render` and `recur generate` write MusicXML (and ABC)
/// with a part (a voice) for every voice of the tune.
struct ScoreFormatTests {
    /// Whether `path` holds well-formed XML.
    func isWellFormed(_ path: String) throws -> Bool {
        XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path))).parse()
    }

    @Test func renderWritesAPartForEveryVoice() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tune = "M:3/4 K:minor n76 n72 n69 n45 | n76 n71 n68 n52 - - - - - - - - n74 n71 n64 n52 - - - - |\n"
        try tune.write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        let result = try RecurBinary.run(
            ["render", "notes.txt", "--voices", "4", "--out", "chorale.musicxml", "--key", "D", "--json"], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try RecurBinary.json(result)["format"] as? String == "musicxml")
        let path = directory + "/chorale.musicxml"
        #expect(try isWellFormed(path))
        let score = try String(contentsOfFile: path, encoding: .utf8)
        #expect(score.components(separatedBy: "<score-part ").count - 1 == 4)
        for name in ["Soprano", "Alto", "Tenor", "Bass"] { #expect(score.contains("<part-name>\(name)</part-name>")) }
        #expect(score.contains("<clef-octave-change>-1</clef-octave-change>"))
        #expect(score.contains(#"<measure number="0" implicit="yes">"#))
        #expect(score.contains("<fifths>-1</fifths>") && score.contains("<mode>minor</mode>"))  // D minor
        #expect(score.contains("<alter>1</alter>") && !score.contains("<alter>-1</alter>"), "the leading note is C sharp")
        // `xml` names the format too, as a flag and as an extension; ABC gets a V: line per voice.
        for arguments in [["--out", "score", "--format", "xml"], ["--out", "score.xml"]] {
            let named = try RecurBinary.run(["render", "notes.txt", "--voices", "4"] + arguments, directory: directory)
            #expect(named.status == 0, "\(arguments): \(named.stderr)")
            #expect(try isWellFormed(directory + "/" + arguments[1]))
        }
        let abc = try RecurBinary.run(["render", "notes.txt", "--voices", "4", "--out", "chorale.abc"], directory: directory)
        #expect(abc.status == 0, "\(abc.stderr)")
        let text = try String(contentsOfFile: directory + "/chorale.abc", encoding: .utf8)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("V:") }.count == 4)
    }

    @Test func generateWritesAScoreForEverySample() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try GenerateMusicTests.notesModel(in: directory)
        let out = directory + "/out"
        let result = try RecurBinary.run([
            "generate", "--model", model, "--count", "2", "--length", "40", "--seed", "3", "--prime", "n60 -",
            "--format", "xml,abc", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        #expect(files.isSuperset(of: ["sample-001.musicxml", "sample-002.musicxml", "sample-001.abc"]), "\(files)")
        let score = try String(contentsOfFile: out + "/sample-001.musicxml", encoding: .utf8)
        #expect(try isWellFormed(out + "/sample-001.musicxml"))
        #expect(score.contains("<part-name>Melody</part-name>"))
    }
}
