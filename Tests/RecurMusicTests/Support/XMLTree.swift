import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of a parsed XML document: enough of a tree to check what a writer wrote.
final class ParsedElement {
    let name: String
    let attributes: [String: String]
    fileprivate(set) var children: [ParsedElement] = []
    /// The text directly inside the element, trimmed.
    fileprivate(set) var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// The first child named `name`.
    func child(_ name: String) -> ParsedElement? { children.first { $0.name == name } }

    /// The children named `name`, in order.
    func children(_ name: String) -> [ParsedElement] { children.filter { $0.name == name } }

    /// Every element named `name` below this one, in document order.
    func descendants(_ name: String) -> [ParsedElement] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.descendants(name) }
    }

    /// The text of the child at `path` (`["pitch", "step"]`).
    func text(at path: String...) -> String? {
        var element: ParsedElement? = self
        for name in path { element = element?.child(name) }
        return element?.text
    }

    /// Parses `text` with Foundation's `XMLParser`; fails when it is not well-formed.
    static func parse(_ text: String) throws -> ParsedElement {
        let parser = XMLParser(data: Data(text.utf8))
        let builder = TreeBuilder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw ABCReader.Failure(description: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "no root")")
        }
        return root
    }
}

/// Builds `ParsedElement`s from `XMLParser`'s events.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: ParsedElement?
    private var stack: [ParsedElement] = []

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let element = ParsedElement(name: name, attributes: attributes)
        stack.last?.children.append(element)
        if root == nil { root = element }
        stack.append(element)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if let element = stack.popLast() { element.text = element.text.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
