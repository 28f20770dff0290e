import Foundation
import RecurSpool
import Testing

/// The client side of the spool: a job appears whole in incoming/, and waiting follows
/// done/ and failed/ with real inotify.
struct SpoolClientTests {
    func spool() throws -> String {
        let path = NSTemporaryDirectory() + "recur-client-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSubmittedJobAppearsWholeInIncomingUnderItsID() throws {
        let root = try spool()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let client = try SpoolClient(root: root)
        let job = Data(#"{"model": "folk"}"#.utf8)
        let id = try client.submit(job)
        #expect(id.range(of: #"^[0-9]{8}T[0-9]{6}-[a-z0-9]{8}$"#, options: .regularExpression) != nil, "\(id)")
        #expect(FileManager.default.contents(atPath: root + "/incoming/\(id).json") == job)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
        #expect(SpoolClient.newID() != SpoolClient.newID())
    }

    @Test func waitingSeesDoneFailedAndTimeOut() throws {
        let root = try spool()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let client = try SpoolClient(root: root)
        #expect(try client.wait(for: "nothing", timeout: 0.2) == .timedOut)
        // Published while the client waits: inotify wakes it.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            try? FileManager.default.createDirectory(atPath: root + "/done/a", withIntermediateDirectories: false)
        }
        #expect(try client.wait(for: "a", timeout: 10) == .done(directory: root + "/done/a"))
        try FileManager.default.createDirectory(atPath: root + "/failed/b", withIntermediateDirectories: false)
        try Data(#"{"error": "no"}"#.utf8).write(to: URL(fileURLWithPath: root + "/failed/b/error.json"))
        #expect(try client.wait(for: "b", timeout: 10) == .failed(errorJSON: #"{"error": "no"}"#))
    }
}

/// status.json is one Codable document: what the daemon writes, `recur status` reads.
struct DaemonStatusTests {
    @Test func theDocumentRoundTripsWithItsFieldNames() throws {
        let status = DaemonStatus(
            data: Data(
                #"""
                {"daemon": "host-1", "pid": 42, "updated": "2026-12-01T10:00:00Z", "uptime_seconds": 12,
                 "queue": {"incoming": 3, "active": 1}, "running": [{"id": "a", "model": "folk", "samples": 8}],
                 "totals": {"claimed": 5, "done": 4, "failed": 1, "tokens": 900}, "tokens_per_second": 1500.0,
                 "models": [{"name": "folk", "cell": "lstm", "kind": "notes", "data_sha256": "ab"}]}
                """#.utf8))
        let read = try #require(status)
        #expect(read.running.first?.model == "folk" && read.totals.tokens == 900 && read.models.first?.dataSHA256 == "ab")
        let written = String(decoding: read.json(), as: UTF8.self)
        #expect(written.contains(#""tokens_per_second" : 1500"#) || written.contains(#""tokens_per_second":1500"#), "\(written)")
        #expect(written.contains("data_sha256") && written.hasSuffix("\n"))
        #expect(DaemonStatus(data: read.json()) == read)
        #expect(DaemonStatus(data: Data("{}".utf8)) == nil)
    }
}
