/// One value of a job file and where it sits, with the type checks every field
/// shares, so that all fields answer a wrong type with the same kind of message.
struct JobField {
    /// The field's path as errors name it: `count`, `render.tempo`, `stop[2]`.
    let path: String
    /// The value as written.
    let value: JSONValue

    /// An error about this field, quoting its value.
    func error(_ sentence: String, hint: String) -> JobError {
        JobError(error: sentence, field: path, value: value.jsonText, hint: hint)
    }

    /// Refuses `null`: a client that writes null may believe it means "no limit" or
    /// "the daemon's choice", and a job should say what it means.
    func checkNotNull() throws(JobError) {
        guard case .null = value else { return }
        let hint =
            if path == "model" {
                "\"model\" is required: give the model's name, such as \"model\": \"shakespeare\"."
            } else if isListEntry {
                "Remove the null from the list, or give a value."
            } else {
                "Leave the field out to get its default, or give a value."
            }
        throw error("\"\(path)\" is null; null is not allowed in a job file.", hint: hint)
    }

    /// The value as a string.
    func string() throws(JobError) -> String {
        try checkNotNull()
        guard case .string(let text) = value else {
            let hint =
                if isListEntry {
                    "Write each entry as text in double quotes, such as "
                        + (path.hasPrefix("format") ? "[\"midi\", \"wav\"]." : "[\"\\n\\n\", \"THE END\"].")
                } else if path == "model" {
                    "Put the model's name in double quotes: \"model\": \"shakespeare\"."
                } else {
                    "Put the text in double quotes: \"\(path)\": \"…\"."
                }
            throw error("\"\(path)\" must be a string, not \(value.kindDescription).", hint: hint)
        }
        return text
    }

    /// The value as a boolean: `true` or `false`, not `"true"` or `1`.
    func boolean() throws(JobError) -> Bool {
        try checkNotNull()
        guard case .bool(let flag) = value else {
            throw error(
                "\"\(path)\" must be true or false, not \(value.kindDescription).",
                hint: "Write \"\(path)\": true or leave it out (false).")
        }
        return flag
    }

    /// The value as an integer literal: `2` — not `2.0`, `2e0`, `"2"` or `true`.
    /// Returns nil for an integer too large for `Int`, so the caller can say which
    /// range it wanted.
    func integerLiteral() throws(JobError) -> Int? {
        try checkNotNull()
        switch value {
        case .number(let number) where number.isInteger:
            return Int(number.text)
        case .number:
            throw error(
                "\"\(path)\" must be a whole number, not \(value.jsonText).",
                hint: "Write a whole number without a decimal point or exponent, such as \(example).")
        default:
            throw numberTypeError(expected: "a whole number")
        }
    }

    /// The integer, which must lie in `range`; `sentence` and `hint` explain the range.
    func integer(in range: ClosedRange<Int>, sentence: String, hint: String) throws(JobError) -> Int {
        guard let integer = try integerLiteral(), range.contains(integer) else {
            throw error(sentence, hint: hint)
        }
        return integer
    }

    /// The value as a number; `2`, `2.5` and `1e-3` all count.
    func number() throws(JobError) -> Double {
        try checkNotNull()
        guard case .number(let number) = value else { throw numberTypeError(expected: "a number") }
        return number.double
    }

    private func numberTypeError(expected: String) -> JobError {
        switch value {
        case .string(let text):
            let hint =
                JSONNumberText.isNumber(text)
                ? "Write the number without quotes: \"\(path)\": \(text.trimmingSpaces)."
                : "Write a number such as \(example), without quotes."
            return error("\"\(path)\" must be \(expected), not a string.", hint: hint)
        case .bool:
            return error(
                "\"\(path)\" must be \(expected), not a boolean.",
                hint: "true and false are not numbers in a job file; write a number such as \(example).")
        default:
            return error(
                "\"\(path)\" must be \(expected), not \(value.kindDescription).",
                hint: "Write a number such as \(example).")
        }
    }

    /// Whether this is an element of an array (`stop[2]`) rather than a named field.
    private var isListEntry: Bool { path.hasSuffix("]") }

    /// A sensible value of this field, for hints.
    private var example: String {
        switch path {
        case "temperature": "0.8"
        case "top_p": "0.9"
        case "top_k": "40"
        case "length": "400"
        case "seed": "7"
        case "render.tempo": "120"
        case "render.sample_rate": "44100"
        case "render.channels": "1"
        case "render.velocity": "100"
        case "render.swing": "0.5"
        default: "4"
        }
    }
}

/// Recognises a string that holds a number, to suggest dropping the quotes.
enum JSONNumberText {
    static func isNumber(_ text: String) -> Bool {
        let trimmed = text.trimmingSpaces
        return !trimmed.isEmpty && Double(trimmed) != nil && trimmed.allSatisfy { "0123456789+-.eE".contains($0) }
    }
}

extension String {
    /// The string without leading and trailing spaces.
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
