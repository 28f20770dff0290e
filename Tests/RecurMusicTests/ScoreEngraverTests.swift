import Foundation
import FoundationXML
import Testing

@testable import RecurMusic

/// Engraved scores: the SVG abcm2ps writes is read back as XML and its drawing counted —
/// note heads, clefs (one per staff per system), the title — against the tune.
struct ScoreEngraverTests {
    /// What an abcm2ps SVG draws: the symbols it places (`<use xlink:href="#hd">` …) and its texts.
    struct Drawing {
        var uses: [String: Int] = [:]
        var texts: [String] = []
        var svgElements = 0

        /// Filled, half and whole note heads, less the one of the tempo mark.
        var noteHeads: Int { (uses["hd"] ?? 0) + (uses["Hd"] ?? 0) + (uses["HD"] ?? 0) - 1 }
        var clefs: Int { (uses["tclef"] ?? 0) + (uses["bclef"] ?? 0) }
    }

    final class DrawingReader: NSObject, XMLParserDelegate {
        var drawing = Drawing()
        private var text: String?

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if name == "svg" { drawing.svgElements += 1 }
            if name == "use", let target = attributes["xlink:href"], target.hasPrefix("#") {
                drawing.uses[String(target.dropFirst()), default: 0] += 1
            }
            if name == "text" { text = "" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text", let text { drawing.texts.append(text) }
            text = nil
        }
    }

    static func read(_ svg: Data) throws -> Drawing {
        let parser = XMLParser(data: svg)
        let reader = DrawingReader()
        parser.delegate = reader
        #expect(parser.parse(), "the SVG is not well-formed XML: \(String(describing: parser.parserError))")
        return reader.drawing
    }

    /// The notes a reader sees: every written note, a tied continuation counted again.
    static func writtenNotes(_ tune: Tune) -> Int {
        tune.voices.reduce(0) { $0 + $1.written(in: tune.bars).joined().filter { $0.pitch != nil }.count }
    }

    static func tune(_ text: String, voices: Int = 1) throws -> Tune {
        let encoding = voices > 1 ? NoteEncoding(meters: [], modes: [], voices: voices) : .standard
        return try encoding.decode(text.split(separator: " ").map(String.init)).tune(in: nil)
    }

    static let jig =
        "M:6/8 K:minor n64 - | n69 - n69 - n72 - n71 - n69 - n67 - | n69 - - - - - n72 - - - - - | n76 - n74 - n72 - n71 - n72 - n74 - | n72 - - - n71 - n69 - - - - - |"
    static let waltz =
        "M:3/4 K:major n67 - - - | n72 - - - - - n72 - n74 - n74 - | n76 - - - - - - - - - - - | n74 - n72 - n71 - - - n69 - - - | n67 - - - - - - - |"
    static let chorale =
        "M:4/4 K:major n76 n72 n67 n48 - - - - - - - - - - - - | n74 n71 n67 n55 - - - - - - - - - - - - n72 - n64 n57 - - - - - - - - - - - - - n69 n65 n53 - - - - - - - - - - - - | n72 n67 n64 n48 - - - - - - - - - - - - - - - - - - - - - - - - - - - - |"

    @Test(arguments: [("jig", 1), ("waltz", 1), ("chorale, 2 staves", 4), ("chorale, 4 staves", 4)])
    func theScoreDrawsEveryNoteOnItsStaves(name: String, voices: Int) throws {
        let text = name == "jig" ? Self.jig : name == "waltz" ? Self.waltz : Self.chorale
        let tune = try Self.tune(text, voices: voices)
        let staves: ScoreStaves = name.hasSuffix("4 staves") ? .perVoice : .paired
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let svg = try ScoreEngraver.engrave(
            tune, title: "A \(name)", tempo: 100, staves: staves, format: .score, scratch: scratch)
        let drawing = try Self.read(svg)
        #expect(drawing.svgElements == 1)
        #expect(drawing.texts.contains("A \(name)"), "\(drawing.texts)")
        #expect(drawing.noteHeads == Self.writtenNotes(tune), "\(name): \(drawing.uses)")
        // One system for these short tunes: a clef on each of its staves.
        let staffCount = voices == 1 ? 1 : staves.rawValue
        #expect(drawing.clefs == staffCount, "\(name): \(drawing.uses)")
        if voices == 4 { #expect(drawing.uses["bclef"] == 1, "the bass staff (paired: tenor and bass)") }
        // The scratch directory holds only what the tools wrote there.
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: scratch)).isSubset(of: [
                "tune.abc", "score001.svg", "abcm2ps.log",
            ]))
    }

    @Test func aLongTuneIsOneTallPageAndThePDFIsAPDF() throws {
        var tokens = ["M:4/4", "K:major"]
        for bar in 0..<120 {
            for beat in 0..<4 { tokens += ["n\(60 + (bar * 7 + beat * 5) % 20)", "-", "-", "-"] }
            tokens.append("|")
        }
        let tune = try NoteEncoding.standard.decode(tokens).tune(in: nil)
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let svg = try ScoreEngraver.engrave(tune, title: "long", tempo: 120, staves: .paired, format: .score, scratch: scratch)
        // abcm2ps dates the SVG by the clock, to the minute; the date is taken out.
        let head = String(decoding: svg.prefix(1024), as: UTF8.self)
        #expect(head.contains("<!-- Creator: abcm2ps") && !head.contains("CreationDate"), "\(head)")
        let drawing = try Self.read(svg)
        #expect(drawing.svgElements == 1 && drawing.noteHeads == 480)
        // abcm2ps fills the systems: 120 bars of quarter notes take 15 to 40 of them.
        #expect((15...40).contains(drawing.clefs), "\(drawing.clefs) systems for 120 bars")
        let pdf = try ScoreEngraver.engrave(tune, title: "long", tempo: 120, staves: .paired, format: .pdf, scratch: scratch)
        #expect(pdf.starts(with: Data("%PDF-".utf8)))
        let text = String(decoding: pdf, as: UTF8.self)
        #expect(text.components(separatedBy: "/Type /Page\n").count + text.components(separatedBy: "/Type /Page ").count - 2 <= 1)
        #expect(String(decoding: pdf.suffix(32), as: UTF8.self).contains("%%EOF"))
        // Dated by SOURCE_DATE_EPOCH (0 unless the environment sets one), not by the clock:
        // the same tune engraved again is the same bytes.
        let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"]
        if epoch == nil { #expect(text.contains("/CreationDate (19700101000000"), "the PDF carries the clock's date") }
    }

    @Test func theClockDateIsTakenOutOfTheSVGAndNothingElse() {
        let header = "<title>t</title>\n<!-- Creator: abcm2ps-8.14.14 -->\n<!-- CreationDate: Dec  6, 2026 10:08 -->\n"
        let svg = Data((header + "<!-- CommandLine: -q -->\n<g/>\n").utf8)
        let cleaned = String(decoding: ScoreEngraver.withoutCreationDate(svg), as: UTF8.self)
        #expect(cleaned == "<title>t</title>\n<!-- Creator: abcm2ps-8.14.14 -->\n<!-- CommandLine: -q -->\n<g/>\n")
        // No date, or a date comment unterminated: the bytes are left as they are.
        for other in ["<g/>\n<!-- Creator: x -->\n", "<g/>\n<!-- CreationDate: Dec"] {
            #expect(ScoreEngraver.withoutCreationDate(Data(other.utf8)) == Data(other.utf8))
        }
    }

    @Test func theFormatsAreNamedAndWrittenThroughTheRenderer() throws {
        #expect(OutputFormat(rawValue: "score") == .score && OutputFormat(rawValue: "pdf") == .pdf)
        #expect(OutputFormat(path: "x.score.svg") == .score && OutputFormat(path: "x.svg") == .svg)
        #expect(OutputFormat(path: "X.PDF") == .pdf)
        #expect(OutputFormat.score.fileExtension == "score.svg")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokens = Self.waltz.split(separator: " ").map(String.init)
        for format in [OutputFormat.score, .pdf] {
            let path = directory + "/waltz." + format.fileExtension
            _ = try MusicRenderer.render(
                tokens: tokens, configuration: RenderConfiguration(), format: format, title: "waltz", to: path)
            #expect(FileManager.default.fileExists(atPath: path))
        }
        // Nothing is left behind but the two files.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == ["waltz.score.svg", "waltz.pdf"])
    }
}
