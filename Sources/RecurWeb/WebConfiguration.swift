import Foundation

/// How `recur web` serves: where, for whom and how much it takes in.
public struct WebConfiguration: Sendable {
    /// The address to listen on; loopback unless the operator says otherwise.
    public var host = "127.0.0.1"
    /// The port; 0 lets the system choose one (printed when the server is up).
    public var port = 8080
    /// The bearer token every API request must carry; nil leaves the API open (to those
    /// who can reach the address).
    public var token: String?
    /// The largest request body taken, in bytes (a job file, with a melody to harmonise).
    public var maximumBodyBytes = 1 << 20
    /// The most jobs waiting in incoming/ before submissions get 429.
    public var maximumQueued = 1000
    /// How many jobs `GET /api/jobs` lists at most.
    public var maximumListed = 200

    public init() {}

    /// Reads a token file: its first line, without surrounding white space; refused
    /// when empty or shorter than 16 characters, which a person could guess.
    public static func readToken(path: String) throws(WebSetupError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WebSetupError(description: "cannot read the token file \(path); give --token a readable file")
        }
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
        let token = line.trimmingCharacters(in: .whitespaces)
        guard token.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ";" && $0 != "," }) else {
            throw WebSetupError(
                description:
                    "the token in \(path) must be at least 16 printable ASCII characters without spaces, ';' or ','; make one with `head -c 24 /dev/urandom | base64 > \(path)`"
            )
        }
        return token
    }

    /// Splits `HOST:PORT` (`[::1]:8080` for IPv6); a bare port listens on loopback.
    public static func parseListen(_ text: String) throws(WebSetupError) -> (host: String, port: Int) {
        var host = "127.0.0.1"
        var portText = text
        if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            throw WebSetupError(
                description: "--listen takes HOST:PORT (such as 127.0.0.1:8080 or 0.0.0.0:8080), got \"\(text)\"")
        }
        return (host, port)
    }
}

/// A web server that cannot start, and what to change.
public struct WebSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
