/// Builds an XML document one element at a time, indented two spaces a level, with every
/// text and attribute value escaped — so a title like `Jigs & <reels>` cannot break it.
struct XMLWriter {
    private var lines: [String] = []
    private var open: [String] = []

    /// An empty document; `prolog` lines (the XML declaration, a DOCTYPE) come first.
    init(prolog: [String] = []) { lines = prolog }

    /// Opens `<name …>`; `close()` ends it.
    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        lines.append(indent + "<" + name + Self.attributes(attributes) + ">")
        open.append(name)
    }

    /// Closes the element opened last.
    mutating func close() {
        guard let name = open.popLast() else { return }
        lines.append(indent + "</" + name + ">")
    }

    /// `<name …>text</name>`.
    mutating func element(_ name: String, _ text: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        lines.append(indent + "<" + name + Self.attributes(attributes) + ">" + Self.escaped(text) + "</" + name + ">")
    }

    /// `<name …/>`.
    mutating func empty(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        lines.append(indent + "<" + name + Self.attributes(attributes) + "/>")
    }

    /// The document, every element closed.
    var document: String {
        var finished = self
        while !finished.open.isEmpty { finished.close() }
        return finished.lines.joined(separator: "\n") + "\n"
    }

    private var indent: String { String(repeating: "  ", count: open.count) }

    private static func attributes(_ attributes: KeyValuePairs<String, String>) -> String {
        attributes.map { " \($0.key)=\"\(escaped($0.value))\"" }.joined()
    }

    /// `text` with `&`, `<`, `>` and `"` escaped, for element text and attribute values,
    /// and without the characters XML 1.0 cannot hold (controls but tab, line feed and
    /// carriage return; U+FFFE and U+FFFF).
    static func escaped(_ text: String) -> String {
        var allowed = String.UnicodeScalarView()
        allowed.append(contentsOf: text.unicodeScalars.filter(isAllowed))
        return String(allowed).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0..<0x20, 0xFFFE, 0xFFFF: false
        default: true
        }
    }
}
