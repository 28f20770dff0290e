import Foundation
import Testing

@testable import RecurCore

struct JSONTextTests {
    @Test func prettyJSONParsesBackWithSortedKeysAndEscapes() throws {
        let value: [String: Any] = [
            "zeta": 1, "alpha": [1.5, -2, true, false, NSNull()], "Émile": "quote \" backslash \\ tab \t bell \u{07}",
            "nested": ["b": [:] as [String: Any], "a": [] as [Any]], "seed": UInt64.max, "nan": Double.nan,
        ]
        let text = JSONText.pretty(value)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["zeta"] as? Int == 1)
        #expect(parsed["Émile"] as? String == "quote \" backslash \\ tab \t bell \u{07}")
        #expect((parsed["alpha"] as? [Any])?.count == 5)
        #expect(parsed["nan"] is NSNull)
        #expect((parsed["seed"] as? NSNumber)?.uint64Value == UInt64.max)
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == ["alpha", "nan", "nested", "seed", "zeta", "Émile"])
    }
}
