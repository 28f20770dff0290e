// How the job-file parser words a syntax error: where (line, column, field), what it
// found, and a hint chosen by what it expected there.

extension JSONParser {
    /// What the parser was looking for when the input went wrong; it picks the hint.
    enum Expectation {
        case value, key, colon, commaOrEnd(Character), endOfFile
    }

    /// The character at `index` as text; control and invisible characters as U+XXXX.
    func character(at index: Int) -> String {
        let scalar = String(decoding: bytes[index..<min(index + 4, bytes.count)], as: UTF8.self).unicodeScalars.first
        guard let scalar else { return "end of file" }
        if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F || !scalar.properties.isGraphemeBase {
            return "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        }
        return String(scalar)
    }

    /// Up to 20 characters of the input's line at `index`, to show where the problem is.
    func snippet(at index: Int) -> String? {
        guard index < bytes.count else { return nil }
        let text = String(decoding: bytes[index..<min(index + 80, bytes.count)], as: UTF8.self)
        let whole = text.prefix { $0 != "\n" && $0 != "\r" }
        let line = String(whole.prefix(20))
        // A cut snippet says so, so that nobody reads it as the whole value.
        return line.isEmpty
            ? nil : line.count < whole.count || (whole.count == text.count && index + 80 < bytes.count) ? line + "…" : line
    }

    /// 1-based line and column (in characters) of a byte offset.
    func lineAndColumn(of index: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    /// A syntax error at `index` (default: the current offset) with its line and column.
    func syntaxError(
        expecting expectation: Expectation, at index: Int? = nil,
        detail: String? = nil, hint: String? = nil
    ) -> JobError {
        let index = index ?? offset
        let (line, column) = lineAndColumn(of: index)
        let place = "line \(line), column \(column)"
        let field = Self.format(path[...])
        let within = field.map { " in \"\($0)\"" } ?? ""
        guard index < bytes.count else {
            return JobError(
                error: "The job file is not valid JSON\(within): it ends at \(place) before the JSON is complete.",
                field: field,
                hint: hint
                    ?? "A closing }, ] or \" is missing, or the file was cut off; write the whole job in tmp/ and rename it into incoming/."
            )
        }
        if let detail, let hint {
            return JobError(
                error: "The job file is not valid JSON\(within): \(detail) at \(place).", field: field,
                value: snippet(at: index), hint: hint)
        }
        let found = character(at: index)
        let literal = word(at: index).lowercased()
        let shown =
            switch found {
            case "'": "a single quote"
            case _ where found.count == 1: "'\(found)'"
            default: found
            }
        let error = "The job file is not valid JSON\(within): unexpected \(shown) at \(place)."
        let hint: String
        switch (expectation, found) {
        case (_, "/"), (_, "#"):
            hint = "JSON allows no comments; remove them."
        case (_, "'"):
            hint = "JSON strings and field names use double quotes: \"text\", not 'text'."
        case (.value, _) where ["nan", "infinity", "-infinity", "inf", "-inf"].contains(literal):
            hint = "JSON has no NaN or Infinity; write a finite number such as 0.8."
        case (.value, _) where ["true", "false", "null", "none", "nil", "undefined"].contains(literal):
            hint = "JSON's only literals are lowercase: true, false and null."
        case (.value, "]"), (.value, "}"), (.key, "}"):
            hint = "Remove the comma before the closing bracket; JSON allows no trailing comma."
        case (.value, _):
            hint = "A value is a number, a string in double quotes, true, false, an object {…} or an array […]."
        case (.key, _):
            hint = "Field names are strings in double quotes: {\"model\": \"NAME\"}."
        case (.colon, _):
            hint = "Put a colon between a field's name and its value: \"count\": 4."
        case (.commaOrEnd(let close), _):
            hint = "Separate the \(close == "}" ? "fields" : "elements") with commas, and close with \(close)."
        case (.endOfFile, _):
            hint = "A job file holds one JSON object; remove what follows its closing }."
        }
        return JobError(error: error, field: field, value: snippet(at: index), hint: hint)
    }
}

extension String {
    /// The string padded with leading zeros to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
