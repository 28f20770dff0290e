import Foundation

/// Pretty JSON text with keys sorted by code point, for the files the daemon writes
/// (`status.json`, `result.json`).
///
/// `JSONSerialization` with `.sortedKeys` compares keys through a locale, which loads
/// ICU's data into the daemon (measured: 4 MB of resident memory for a process that
/// otherwise needs none of it). The values the daemon writes are plain: dictionaries
/// with string keys, arrays, strings, integers, doubles, booleans and `NSNull`.
public enum JSONText {
    /// The value as indented JSON; non-finite doubles and unknown types become `null`.
    public static func pretty(_ value: Any) -> String {
        var out = ""
        write(value, indent: 0, to: &out)
        return out + "\n"
    }

    private static func write(_ value: Any, indent: Int, to out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch value {
        case let dictionary as [String: Any]:
            guard !dictionary.isEmpty else {
                out += "{}"
                return
            }
            out += "{\n"
            for (i, key) in dictionary.keys.sorted(by: { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
                .enumerated()
            {
                out += pad + quoted(key) + " : "
                write(dictionary[key]!, indent: indent + 1, to: &out)
                out += i == dictionary.count - 1 ? "\n" : ",\n"
            }
            out += end + "}"
        case let array as [Any]:
            guard !array.isEmpty else {
                out += "[]"
                return
            }
            out += "[\n"
            for (i, element) in array.enumerated() {
                out += pad
                write(element, indent: indent + 1, to: &out)
                out += i == array.count - 1 ? "\n" : ",\n"
            }
            out += end + "]"
        case let text as String: out += quoted(text)
        case let flag as Bool: out += flag ? "true" : "false"
        case let number as Int: out += String(number)
        case let number as UInt64: out += String(number)
        case let number as Double: out += number.isFinite ? "\(number)" : "null"
        case let number as Float: out += number.isFinite ? "\(Double(number))" : "null"
        default: out += "null"
        }
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
