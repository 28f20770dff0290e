/// A strict RFC 8259 parser for job files that refuses, with a `JobError`, anything a
/// person could have meant differently: duplicate keys, comments, trailing commas,
/// `NaN`, single quotes, lone surrogates.
///
/// Nesting is checked before each descent, so a file of 100,000 `[` costs
/// `maximumDepth` steps and never exhausts the stack. The input must already be
/// valid UTF-8 (`JobFile.parse` checks that first).
struct JSONParser {
    /// A step on the way from the top-level object to a value: `render` then `tempo`.
    enum PathComponent: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// The deepest nesting any configuration may ask for; deeper would only risk the
    /// stack, and a job needs three levels.
    static let depthCeiling = 256

    let bytes: [UInt8]
    private let maximumDepth: Int
    private(set) var offset = 0
    private(set) var path: [PathComponent] = []

    /// A parser over `bytes`, allowing `maximumDepth` levels of objects and arrays.
    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = min(max(maximumDepth, 1), Self.depthCeiling)
    }

    /// Parses the whole input as one top-level object.
    mutating func parseTopLevelObject() throws(JobError) -> [JSONMember] {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }  // a UTF-8 byte order mark
        skipWhitespace()
        guard offset < bytes.count else {
            throw JobError(
                error: "The job file holds only whitespace.",
                hint: "Write a JSON object, at least {\"model\": \"NAME\"}.")
        }
        let kind: String? =
            switch bytes[offset] {
            case UInt8(ascii: "{"): nil
            case UInt8(ascii: "["): "an array"
            case UInt8(ascii: "\""): "a string"
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): "a number"
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                // Only the whole literal: `nope` is not null, it is not JSON.
                switch word(at: offset) {
                case "true", "false": "a boolean"
                case "null": "null"
                default: throw syntaxError(expecting: .value)
                }
            default: throw syntaxError(expecting: .value)
            }
        if let kind {
            throw JobError(
                error: "The job file holds \(kind) at the top level; a job is a JSON object.",
                value: snippet(at: offset),
                hint: "Put the settings in one object: {\"model\": \"NAME\", \"count\": 1}.")
        }
        guard case .object(let members) = try parseValue(depth: 1) else { return [] }
        skipWhitespace()
        guard offset == bytes.count else { throw syntaxError(expecting: .endOfFile) }
        return members
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(JobError) -> JSONValue {
        skipWhitespace()
        guard offset < bytes.count else { throw syntaxError(expecting: .value) }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            try checkDepth(depth)
            return try parseObject(depth: depth)
        case UInt8(ascii: "["):
            try checkDepth(depth)
            return try parseArray(depth: depth)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            return try parseLiteral()
        }
    }

    private func checkDepth(_ depth: Int) throws(JobError) {
        guard depth > maximumDepth else { return }
        let field = Self.format(path.prefix(1))
        let within = field.map { " in \"\($0)\"" } ?? ""
        throw JobError(
            error: "The job file nests objects or arrays more than \(maximumDepth) levels deep\(within).",
            field: field, value: snippet(at: offset),
            hint: "A job needs at most 3 levels (the job, \"render\", a list); remove the extra brackets.")
    }

    private mutating func parseObject(depth: Int) throws(JobError) -> JSONValue {
        offset += 1
        var members: [JSONMember] = []
        var seen: Set<String> = []
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw syntaxError(expecting: .key) }
            let key = try parseString()
            path.append(.key(key))
            guard seen.insert(key).inserted else {
                throw JobError(
                    error: "The field \"\(key)\" appears twice in the same object.",
                    field: Self.format(path[...]), value: JSONValue.quoted(key),
                    hint: "Keep one \"\(key)\"; JSON readers disagree on which of two copies wins.")
            }
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw syntaxError(expecting: .colon) }
            offset += 1
            members.append(JSONMember(key: key, value: try parseValue(depth: depth + 1)))
            path.removeLast()
            skipWhitespace()
            guard offset < bytes.count else { throw syntaxError(expecting: .commaOrEnd("}")) }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
            } else if bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            } else {
                throw syntaxError(expecting: .commaOrEnd("}"))
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JobError) -> JSONValue {
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            path.append(.index(elements.count))
            elements.append(try parseValue(depth: depth + 1))
            path.removeLast()
            skipWhitespace()
            guard offset < bytes.count else { throw syntaxError(expecting: .commaOrEnd("]")) }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
            } else if bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .array(elements)
            } else {
                throw syntaxError(expecting: .commaOrEnd("]"))
            }
        }
    }

    private mutating func parseLiteral() throws(JobError) -> JSONValue {
        switch word(at: offset) {
        case "true":
            offset += 4
            return .bool(true)
        case "false":
            offset += 5
            return .bool(false)
        case "null":
            offset += 4
            return .null
        default: throw syntaxError(expecting: .value)
        }
    }

    private mutating func parseNumber() throws(JobError) -> JSONNumber {
        let start = offset
        var isInteger = true
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < bytes.count, isDigit(bytes[offset]) else { throw syntaxError(expecting: .value, at: start) }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            if offset < bytes.count, isDigit(bytes[offset]) {
                throw syntaxError(
                    expecting: .value, at: start, detail: "a number with a leading zero",
                    hint: "JSON numbers have no leading zeros: write 7, not 07.")
            }
        } else {
            skipDigits()
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw syntaxError(
                    expecting: .value, at: start, detail: "a number with no digits after its point",
                    hint: "Write digits after the decimal point: 1.0, not 1.")
            }
            skipDigits()
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard offset < bytes.count, isDigit(bytes[offset]) else {
                throw syntaxError(
                    expecting: .value, at: start, detail: "a number with an incomplete exponent",
                    hint: "Write the exponent's digits: 1e6, not 1e.")
            }
            skipDigits()
        }
        return JSONNumber(text: String(decoding: bytes[start..<offset], as: UTF8.self), isInteger: isInteger)
    }

    private mutating func parseString() throws(JobError) -> String {
        let start = offset
        offset += 1
        var text: [UInt8] = []
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &text)
            case 0..<0x20:
                throw syntaxError(
                    expecting: .value, detail: "a control character inside a string",
                    hint: "Write line breaks and tabs in strings as \\n and \\t.")
            default:
                text.append(byte)
                offset += 1
            }
        }
        throw syntaxError(
            expecting: .value, at: start, detail: "a string that is never closed",
            hint: "Close the string with a double quote \"; the file may be cut off.")
    }

    private mutating func parseEscape(into text: inout [UInt8]) throws(JobError) {
        let start = offset
        offset += 1
        guard offset < bytes.count else { throw syntaxError(expecting: .value, at: start) }
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
            UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let byte = simple[bytes[offset]] {
            text.append(byte)
            offset += 1
            return
        }
        guard bytes[offset] == UInt8(ascii: "u") else {
            throw syntaxError(
                expecting: .value, at: start, detail: "an unknown escape \\\(character(at: offset))",
                hint: "JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write a backslash as \\\\.")
        }
        var value = try hexQuad(at: start)
        if (0xD800...0xDBFF).contains(value),
            offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
        {
            offset += 1
            let low = try hexQuad(at: start)
            if (0xDC00...0xDFFF).contains(low) {
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else {
                value = 0xD800  // an unpaired high surrogate, refused below
            }
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw syntaxError(
                expecting: .value, at: start, detail: "an unpaired surrogate escape",
                hint: "A \\uD800–\\uDFFF escape must be one half of a pair; write the character itself instead.")
        }
        text.append(contentsOf: Array(String(scalar).utf8))
    }

    /// Reads the four hex digits after `u` (offset is at the `u`).
    private mutating func hexQuad(at start: Int) throws(JobError) -> UInt32 {
        offset += 1
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard offset < bytes.count, let digit = hexValue(bytes[offset]) else {
                throw syntaxError(
                    expecting: .value, at: start, detail: "a \\u escape without four hex digits",
                    hint: "Write \\u followed by exactly four hex digits, like \\u00e9.")
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }

    // MARK: Bytes

    private mutating func skipWhitespace() {
        while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
    }

    private mutating func skipDigits() {
        while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The run of letters (and a leading `-`) at `index`: `NaN`, `True`, `-Infinity`.
    func word(at index: Int) -> String {
        var end = index
        if end < bytes.count, bytes[end] == UInt8(ascii: "-") { end += 1 }
        while end < bytes.count, end - index < 20,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[end] | 0x20)
        { end += 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    /// Formats a path the way errors name fields: `render.tempo`, `stop[2]`.
    static func format(_ path: ArraySlice<PathComponent>) -> String? {
        guard !path.isEmpty else { return nil }
        var text = ""
        for component in path {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
