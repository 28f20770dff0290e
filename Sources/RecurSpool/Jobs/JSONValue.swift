import RecurCore

/// A JSON value exactly as written, so that validation can tell `2` from `2.0`,
/// `true` from `1`, and report the value back in the user's own spelling.
///
/// Foundation's `JSONSerialization` merges these (every number is an `NSNumber`,
/// booleans included) and keeps only the last of two equal keys, which is why job
/// files go through `JSONParser` instead.
indirect enum JSONValue: Sendable, Equatable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case number(JSONNumber)
    case bool(Bool)
    case null

    /// The kind's name for messages: "a string", "an array" …
    var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number(let number): number.isInteger ? "a whole number" : "a number with a fraction or exponent"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// Compact JSON text of the value, for the `value` of an error (long values are
    /// cut later by `JobError`).
    var jsonText: String {
        switch self {
        case .object(let members):
            "{" + members.map { JSONValue.quoted($0.key) + ":" + $0.value.jsonText }.joined(separator: ",") + "}"
        case .array(let elements): "[" + elements.map(\.jsonText).joined(separator: ",") + "]"
        case .string(let text): JSONValue.quoted(text)
        case .number(let number): number.text
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}

/// One `"key": value` pair of an object, in file order.
struct JSONMember: Sendable, Equatable {
    var key: String
    var value: JSONValue
}

/// A number as written: its text, and whether it is an integer literal (no fraction,
/// no exponent).
struct JSONNumber: Sendable, Equatable {
    var text: String
    var isInteger: Bool

    /// The value as a `Double` (may be ±infinity for huge exponents).
    var double: Double { Double(text) ?? .nan }
}
