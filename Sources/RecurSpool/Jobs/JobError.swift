import Foundation

/// Why a job was refused, in the shape of `failed/ID/error.json` (DESIGN.md §6):
/// the person who wrote the job file reads it, so it names the field, repeats what
/// they wrote and says how to fix it.
public struct JobError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One sentence: what is wrong.
    public var error: String
    /// The field as a path in the job file (`render.tempo`, `stop[2]`); nil for
    /// problems of the file as a whole (not JSON, too large, a symlink …).
    public var field: String?
    /// The offending value as written in the file (JSON text, so `"3"` and `3` differ),
    /// cut to at most `maximumValueLength` characters.
    public var value: String?
    /// How to fix it.
    public var hint: String

    /// The longest `value` kept; a 1 MB prime would otherwise be copied into error.json.
    public static let maximumValueLength = 80

    /// An error; `value` is shortened to `maximumValueLength` characters.
    public init(error: String, field: String? = nil, value: String? = nil, hint: String) {
        self.error = error
        self.field = field
        self.value = value.map(Self.shortened)
        self.hint = hint
    }

    public var description: String {
        var text = field.map { "\($0): " } ?? ""
        text += error
        if let value { text += " (value: \(value))" }
        return text + " " + hint
    }

    /// The contents of `error.json`: `{"error", "field", "hint", "value"}`, pretty-printed
    /// with sorted keys so files diff cleanly; `field` and `value` are `null` when absent,
    /// so every error.json has the same four keys. Ends with a newline.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(Body(error: error, field: field, value: value, hint: hint))) ?? Data("{}".utf8)
        return body + Data("\n".utf8)
    }

    /// Encodes nil as `null` rather than leaving the key out.
    private struct Body: Encodable {
        var error: String
        var field: String?
        var value: String?
        var hint: String

        enum CodingKeys: String, CodingKey { case error, field, value, hint }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(error, forKey: .error)
            try container.encode(field, forKey: .field)
            try container.encode(value, forKey: .value)
            try container.encode(hint, forKey: .hint)
        }
    }

    static func shortened(_ text: String) -> String {
        guard text.count > maximumValueLength else { return text }
        return String(text.prefix(maximumValueLength - 1)) + "…"
    }
}
