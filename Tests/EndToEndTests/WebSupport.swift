import Foundation

/// `recur web` started on a fixture's spool, and requests to it made by curl: real HTTP
/// over loopback, with the headers exactly as written.
final class WebFixture {
    let fixture: SpoolFixture
    let process: Process
    let base: String
    private let output: String

    /// Starts `recur web` on `fixture`'s spool and models on a free port.
    init(_ fixture: SpoolFixture, _ extra: [String] = []) throws {
        self.fixture = fixture
        output = fixture.root + "/web-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        process = Process()
        process.executableURL = RecurBinary.url
        process.arguments =
            ["web", "--spool", fixture.spool, "--models", fixture.models, "--listen", "127.0.0.1:0"] + extra
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var found: String?
        let output = self.output
        fixture.waitUntil(30) {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            found = text.split(separator: "\n").first { $0.hasPrefix("recur web: serving") }
                .flatMap { $0.split(separator: " ").last }.map { String($0.dropLast()) }
            return found != nil
        }
        guard let found else {
            throw WebFixtureError.notServing(log: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
        }
        base = found
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var log: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    }

    /// One request; `path` is sent as written (curl does not normalise it).
    func request(_ method: String = "GET", _ path: String, headers: [String: String] = [:], body: Data? = nil) throws -> Reply {
        let stem = fixture.root + "/curl-\(UUID().uuidString)"
        var arguments = ["-s", "--path-as-is", "-X", method, "-D", stem + ".head", "-o", stem + ".body", base + path]
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if let body {
            try body.write(to: URL(fileURLWithPath: stem + ".send"))
            arguments += ["--data-binary", "@" + stem + ".send", "-H", "Content-Type: application/json"]
        }
        let result = try RecurBinary.runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"), arguments, environment: ProcessInfo.processInfo.environment)
        defer { for suffix in [".head", ".body", ".send"] { try? FileManager.default.removeItem(atPath: stem + suffix) } }
        guard result.status == 0 else { throw WebFixtureError.curl(result.stderr) }
        let head = (try? String(contentsOfFile: stem + ".head", encoding: .utf8)) ?? ""
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        // The last response's head (curl writes each, such as a 100 Continue, in turn).
        if let last = lines.lastIndex(where: { $0.hasPrefix("HTTP/") }) { lines = Array(lines[last...]) }
        let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Reply(status: status, headers: fields, body: FileManager.default.contents(atPath: stem + ".body") ?? Data())
    }

    func post(_ json: String, headers: [String: String] = [:]) throws -> Reply {
        try request("POST", "/api/jobs", headers: headers, body: Data(json.utf8))
    }

    /// Polls `GET /api/jobs/ID` until the job is done or failed.
    func waitForEnd(of id: String, seconds: Double = 60) throws -> [String: Any] {
        var last: [String: Any] = [:]
        fixture.waitUntil(seconds) {
            last = (try? request("GET", "/api/jobs/" + id).json) ?? [:]
            if ["done", "failed"].contains(last["state"] as? String ?? "") { return true }
            Thread.sleep(forTimeInterval: 0.2)
            return false
        }
        return last
    }
}

enum WebFixtureError: Error {
    case notServing(log: String)
    case curl(String)
}
