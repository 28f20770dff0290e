import Foundation
import RecurCore
import Testing

@testable import RecurSpool

/// `JSONParser` against Foundation's `JSONSerialization` on thousands of mutated job
/// files: whatever the job parser accepts, Foundation reads as the same value; whatever
/// Foundation refuses, the job parser refuses too. The job parser is stricter on purpose
/// (a repeated key, a top level that is not an object, nesting past the job depth, a lone
/// surrogate escape), so it may refuse what Foundation reads, never the other way round.
struct JSONParserFuzzTests {
    static let seeds = [
        #"{"model": "folk", "count": 8, "meter": "6/8", "format": ["abc", "mp3"], "seed": 7}"#,
        #"{"model": "x", "temperature": 0.75, "top_p": 1e-1, "stop": ["\n\n", "é\u00e9"], "render": {"bits": 24}}"#,
        #"{"model": "shakespeare", "prime": "ROMEO:\t\"hi\"", "free_bars": true, "key": null, "count": -0}"#,
        #"{"a": [1, 2.5, -3e+2, {"b": [true, false, null, "\\u00fc"]}], "c": {}}"#,
    ]

    /// Foundation reads `true` as a boolean NSNumber (its type encoding is `c`), `1` as an
    /// integer one.
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    /// Foundation's reading of a value, as the job parser's `JSONValue` would have it.
    func same(_ value: JSONValue, _ any: Any) -> Bool {
        switch value {
        case .object(let members):
            guard let dictionary = any as? [String: Any], dictionary.count == members.count else { return false }
            return members.allSatisfy { member in dictionary[member.key].map { same(member.value, $0) } ?? false }
        case .array(let elements):
            guard let array = any as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { same($0, $1) }
        case .string(let text): return (any as? String) == text
        case .number(let number):
            guard let foundation = any as? NSNumber, !Self.isBoolean(foundation) else { return false }
            return abs(foundation.doubleValue - number.double) <= 1e-9 * max(1, abs(number.double))
        case .bool(let flag):
            guard let foundation = any as? NSNumber, Self.isBoolean(foundation) else { return false }
            return foundation.boolValue == flag
        case .null: return any is NSNull
        }
    }

    @Test("10,000 mutated job files: accepted by the job parser means read alike by Foundation")
    func mutatedFilesAgreeWithFoundation() {
        var random = SplitMix64(state: 2026)
        let alphabet = Array(#"{}[]:,"\ 0123456789.eE+-truefalsn/uXé"#.utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        var accepted = 0, refusedByBoth = 0, stricter = 0
        for round in 0..<10_000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let position = Int(random.next() % UInt64(bytes.count + 1))
                switch random.next() % 3 {
                case 0 where position < bytes.count: bytes.remove(at: position)
                case 1: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                default:
                    if position < bytes.count { bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))] }
                }
            }
            // The job file's own path: text checks (UTF-8, no binary), then the parser.
            var parser = JSONParser(bytes: bytes, maximumDepth: 16)
            let ours = (try? JobFile.checkText(bytes)).flatMap { try? parser.parseTopLevelObject() }
            let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [])
            if let ours {
                accepted += 1
                #expect(
                    theirs != nil, "the job parser accepted what Foundation refuses: \(String(decoding: bytes, as: UTF8.self))")
                if let theirs {
                    #expect(
                        same(.object(ours), theirs), "read differently: \(String(decoding: bytes, as: UTF8.self))")
                }
            } else if theirs == nil {
                refusedByBoth += 1
            } else {
                stricter += 1
            }
        }
        // The mutations reach all three outcomes, so the comparison means something.
        #expect(accepted > 500 && refusedByBoth > 500 && stricter > 0, "\(accepted) / \(refusedByBoth) / \(stricter)")
    }
}
