import Foundation
import Testing

@testable import RecurWeb

/// `--listen` and `--token` as an operator writes them.
struct WebConfigurationTests {
    @Test func listenAddresses() throws {
        #expect(try WebConfiguration.parseListen("127.0.0.1:8080") == ("127.0.0.1", 8080))
        #expect(try WebConfiguration.parseListen("0.0.0.0:0") == ("0.0.0.0", 0))
        #expect(try WebConfiguration.parseListen("[::1]:9000") == ("::1", 9000))
        #expect(try WebConfiguration.parseListen("8081") == ("127.0.0.1", 8081))
        for bad in ["", "host:", ":80", "host:99999", "host:http"] {
            #expect(throws: WebSetupError.self, "\(bad)") { try WebConfiguration.parseListen(bad) }
        }
    }

    @Test func tokensMustBeHardToGuess() throws {
        let path = NSTemporaryDirectory() + "recur-token-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "  abcdefghijklmnop0123  \nsecond line\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try WebConfiguration.readToken(path: path) == "abcdefghijklmnop0123")
        for weak in ["short", "", "has a space in the middle", "semi;colon;semi;colon"] {
            try weak.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: WebSetupError.self, "\(weak)") { try WebConfiguration.readToken(path: path) }
        }
        #expect(throws: WebSetupError.self) { try WebConfiguration.readToken(path: path + "-missing") }
    }

    @Test func tokensCompareWhateverTheirLength() {
        #expect(AccessToken.constantTimeEqual("abc", "abc"))
        #expect(!AccessToken.constantTimeEqual("abc", "abd"))
        #expect(!AccessToken.constantTimeEqual("abc", "abcd"))
        #expect(!AccessToken.constantTimeEqual("", "a"))
    }
}
