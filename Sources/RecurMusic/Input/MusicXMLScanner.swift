import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A note of a MusicXML part as written: its elements' texts and flags, read later.
struct MusicXMLNote: Equatable {
    var step: String?
    var alter: String?
    var octave: String?
    var duration: String?
    var isRest = false
    var isChord = false
    var isGrace = false
    var isTuplet = false
    var isUnpitched = false
    /// `<tie type="start"/>` or `<tied type="start"/>`: tied to the next note.
    var tiesToNext = false
}

/// One thing the first part of a MusicXML score says, in document order.
enum MusicXMLItem: Equatable {
    /// A `<measure>` opens, with its `number` attribute.
    case measure(number: String?)
    /// The `<measure>` closes: a bar line.
    case measureEnd
    /// `<divisions>`: its text.
    case divisions(String)
    /// `<key>`: the texts of `<fifths>` and `<mode>`.
    case key(fifths: String?, mode: String?)
    /// `<time>`: the texts of `<beats>` and `<beat-type>`, or `<senza-misura>`.
    case time(beats: String?, beatType: String?, senzaMisura: Bool)
    /// A `<note>`.
    case note(MusicXMLNote)
    /// `<backup>` or `<forward>` (its name) and the text of its `<duration>`: a move in
    /// time for another voice.
    case move(String, duration: String?)
}

/// Reads the first `<part>` of a `score-partwise` document into `MusicXMLItem`s with
/// Foundation's `XMLParser`, and stops there.
///
/// It refuses what no score needs — elements nested more than 64 deep, a root other than
/// `<score-partwise>` — so that deep or broken XML ends in an error, not in work.
final class MusicXMLScanner: NSObject, XMLParserDelegate {
    /// How deep elements may nest; a score nests seven or eight deep.
    static let maximumDepth = 64

    private(set) var items: [MusicXMLItem] = []
    private var failure: MelodyInputError?
    private var parts = 0
    private var finished = false
    private var path: [String] = []
    private var text = ""
    private var note: MusicXMLNote?
    private var key: (fifths: String?, mode: String?)?
    private var time: (beats: String?, beatType: String?, senzaMisura: Bool)?
    private var moveDuration: String?

    /// The items of the first part of the MusicXML document `data`.
    /// - Throws: `MelodyInputError` for XML that is not well-formed, nests too deep, or is
    ///   not a partwise score with a part.
    static func items(in data: Data) throws(MelodyInputError) -> [MusicXMLItem] {
        let parser = XMLParser(data: data)
        let scanner = MusicXMLScanner()
        parser.delegate = scanner
        parser.shouldResolveExternalEntities = false
        let parsed = parser.parse()
        if let failure = scanner.failure { throw failure }
        if !parsed && !scanner.finished {
            throw malformed("the XML is not well-formed at line \(parser.lineNumber); export the score again")
        }
        guard scanner.parts > 0 else {
            throw malformed("the score has no <part>; give a score with the melody in its first part")
        }
        guard scanner.finished else {
            throw malformed("the document stops before its first part ends: it is truncated; export the score again")
        }
        return scanner.items
    }

    /// What an `XMLParser` error code means, in words.
    static func describe(_ code: Int) -> String {
        switch XMLParser.ErrorCode(rawValue: code) {
        case .prematureDocumentEndError?: "the document stops before its elements close: it is truncated"
        case .tagNameMismatchError?: "a closing tag does not match its opening tag"
        case .emptyDocumentError?: "the document is empty"
        case .invalidCharacterError?: "a character XML does not allow"
        case .entityRefLoopError?, .entityBoundaryError?: "an entity defined in terms of itself"
        case .undeclaredEntityError?: "an entity (&name;) that is not defined"
        default: "XML error \(code)"
        }
    }

    /// XML that is not well-formed: Foundation's parser on Linux recovers and goes on, so
    /// the first error stops reading here.
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        guard !finished else { return }
        let code = (parseError as NSError).code
        stop(
            parser,
            Self.malformed(
                "the XML is not well-formed at line \(parser.lineNumber): \(Self.describe(code)); export the score again"))
    }

    private static func malformed(_ message: String) -> MelodyInputError {
        MelodyInputError(format: .musicxml, problem: .malformed(message))
    }

    private func stop(_ parser: XMLParser, _ error: MelodyInputError) {
        failure = failure ?? error
        parser.abortParsing()
    }

    /// Whether the element at the top of `path` lies in the first part.
    private var inFirstPart: Bool { parts == 1 && path.count >= 2 && path[1] == "part" }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        path.append(name)
        text = ""
        guard path.count <= Self.maximumDepth else {
            return stop(parser, Self.malformed("elements nest more than \(Self.maximumDepth) deep; a score nests far less"))
        }
        if path.count == 1 {
            guard name == "score-partwise" else {
                return stop(
                    parser, Self.malformed("the root element is <\(name)>, not <score-partwise>; export partwise MusicXML"))
            }
        }
        if path.count == 2 && name == "part" { parts += 1 }
        guard inFirstPart, path.count >= 3 else { return }
        let parent = path[path.count - 2]
        switch (parent, name) {
        case ("part", "measure"): items.append(.measure(number: attributes["number"]))
        case ("measure", "note"): note = MusicXMLNote()
        case ("measure", "backup"), ("measure", "forward"): moveDuration = nil
        case ("attributes", "key"): key = (nil, nil)
        case ("attributes", "time"): time = (nil, nil, false)
        case ("time", "senza-misura"): time?.senzaMisura = true
        case ("note", "rest"): note?.isRest = true
        case ("note", "chord"): note?.isChord = true
        case ("note", "grace"): note?.isGrace = true
        case ("note", "unpitched"): note?.isUnpitched = true
        case ("note", "time-modification"): note?.isTuplet = true
        case ("note", "tie"), ("notations", "tied"):
            if attributes["type"] == "start" { note?.tiesToNext = true }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if text.utf8.count < 256 { text += string }  // every value read is short
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        defer { text = "" }
        let inPart = inFirstPart
        guard path.popLast() != nil, inPart else { return }
        if path.count == 1 {  // the first part ends: nothing more to read
            finished = true
            return parser.abortParsing()
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch (path.last ?? "", name) {
        case ("part", "measure"): items.append(.measureEnd)
        case ("measure", "note"):
            if let note { items.append(.note(note)) }
            note = nil
        case ("pitch", "step"): note?.step = value
        case ("pitch", "alter"): note?.alter = value
        case ("pitch", "octave"): note?.octave = value
        case ("note", "duration"): note?.duration = value
        case ("backup", "duration"), ("forward", "duration"): moveDuration = value
        case ("measure", "backup"), ("measure", "forward"): items.append(.move(name, duration: moveDuration))
        case ("attributes", "divisions"): items.append(.divisions(value))
        case ("key", "fifths"): key?.fifths = value
        case ("key", "mode"): key?.mode = value
        case ("attributes", "key"):
            if let key { items.append(.key(fifths: key.fifths, mode: key.mode)) }
            key = nil
        case ("time", "beats"): time?.beats = value
        case ("time", "beat-type"): time?.beatType = value
        case ("attributes", "time"):
            if let time { items.append(.time(beats: time.beats, beatType: time.beatType, senzaMisura: time.senzaMisura)) }
            time = nil
        default: break
        }
    }
}
