import Foundation
import RecurCore
import Testing

/// `recur serve` under faults: models replaced under it, parts of it stuck, signals
/// while it writes. Real binary, real signals, tiny models.
@Suite(.serialized)
struct DaemonFaultTests {
    private static let model = "lstm-l2-emb5"

    /// The model's file re-saved by this build, and a copy with other weights of the
    /// same architecture (what retraining produces): the same size to the byte.
    private func sameSizeReplacement(in fixture: SpoolFixture) throws -> (path: String, staged: String, old: String, new: String)
    {
        let path = fixture.models + "/\(Self.model).safetensors"
        var model = try RecurModel(contentsOf: path)
        let old = try model.save(to: path)
        for i in model.network.headBias.indices { model.network.headBias[i] += Float(i % 3) * 0.5 }
        // Staged on the same filesystem, outside the models directory, to be renamed in.
        let staged = fixture.root + "/staged.safetensors"
        let new = try model.save(to: staged)
        return (path, staged, old, new)
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
    }

    private func dataSHA256(_ fixture: SpoolFixture, job: String) -> String? {
        (fixture.json("done/\(job)/result.json")["model"] as? [String: Any])?["data_sha256"] as? String
    }

    @Test func sighupServesASameSizeReplacementAndRunningJobsKeepTheirWeights() throws {
        let fixture = try SpoolFixture()
        let files = try sameSizeReplacement(in: fixture)
        #expect(fileSize(files.staged) == fileSize(files.path) && files.old != files.new)
        let daemon = try fixture.startDaemon()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        #expect(fixture.waitUntilServing(daemon))
        try fixture.submit(#"{"model": "\#(Self.model)", "length": 20, "seed": 1}"#, id: "before")
        try fixture.submit(#"{"model": "\#(Self.model)", "count": 4, "length": 8000, "seed": 2}"#, id: "long")
        #expect(
            fixture.waitUntil(20) { fixture.list("done").contains("before") && !fixture.list("incoming").contains("long.json") })

        #expect(rename(files.staged, files.path) == 0)
        kill(daemon.processIdentifier, SIGHUP)
        #expect(
            fixture.waitUntil(10) { fixture.log(of: daemon).contains("replaced: \(Self.model)") }, "\(fixture.log(of: daemon))")
        try fixture.submit(#"{"model": "\#(Self.model)", "length": 20, "seed": 1}"#, id: "after")
        #expect(fixture.waitUntil(60) { Set(fixture.list("done")).isSuperset(of: ["after", "long"]) })

        #expect(dataSHA256(fixture, job: "before") == files.old)
        #expect(dataSHA256(fixture, job: "after") == files.new)
        // Claimed before the reload: finished on the weights it started with.
        #expect(dataSHA256(fixture, job: "long") == files.old)
        // The same request on other weights gives other text: the new weights really ran.
        let before = try String(contentsOfFile: fixture.spool + "/done/before/sample-001.txt", encoding: .utf8)
        let after = try String(contentsOfFile: fixture.spool + "/done/after/sample-001.txt", encoding: .utf8)
        #expect(before != after)
    }

    @Test func aBrokenModelAtReloadLeavesThePreviousWeightsServing() throws {
        let fixture = try SpoolFixture()
        let files = try sameSizeReplacement(in: fixture)
        let daemon = try fixture.startDaemon()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        #expect(fixture.waitUntilServing(daemon))
        // Same size again, but a flipped tensor byte: its checksum no longer matches.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: files.staged))
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: files.staged))
        #expect(rename(files.staged, files.path) == 0)
        kill(daemon.processIdentifier, SIGHUP)
        #expect(fixture.waitUntil(10) { fixture.log(of: daemon).contains("kept after a load error: \(Self.model)") })
        #expect(fixture.log(of: daemon).contains("still serving the previous weights (data_sha256 \(files.old))"))
        #expect(fixture.log(of: daemon).contains("checksum"), "\(fixture.log(of: daemon))")
        try fixture.submit(#"{"model": "\#(Self.model)", "length": 20}"#, id: "after")
        #expect(fixture.waitUntil(20) { fixture.list("done").contains("after") })
        #expect(dataSHA256(fixture, job: "after") == files.old)
    }

    /// Runs a daemon with `failpoint` and systemd's watchdog at 0.4 s, checks that it
    /// pings while healthy, then submits a job that hits the failpoint and returns the
    /// longest silence seen afterwards, with the daemon's log.
    private func silenceAfterStall(failpoint: String) throws -> (pingsBefore: Int, silence: Double, log: String) {
        let fixture = try SpoolFixture()
        let socket = try NotifySocket(path: fixture.root + "/notify.sock")
        let daemon = try fixture.startDaemon(environment: [
            "NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000", "RECUR_FAILPOINT": failpoint,
        ])
        defer {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        let healthy = socket.receive(for: 10) { m in m.filter { $0 == "WATCHDOG=1" }.count >= 3 }
        try fixture.submit(#"{"model": "\#(Self.model)", "length": 50}"#, id: "stuck")
        // Pings already on their way when the job arrives are drained, then systemd's
        // view: the time since the last ping.
        _ = fixture.waitUntil(10) { fixture.list("incoming").isEmpty }
        var last = Date()
        var silence = 0.0
        let end = Date().addingTimeInterval(2.5)
        while Date() < end {
            let got = socket.receive(for: 0.05) { !$0.isEmpty }
            if got.contains("WATCHDOG=1") { last = Date() }
            silence = max(silence, Date().timeIntervalSince(last))
        }
        #expect(daemon.isRunning)
        return (healthy.filter { $0 == "WATCHDOG=1" }.count, silence, fixture.log(of: daemon))
    }

    @Test func aStalledSamplerStopsTheWatchdogPings() throws {
        let result = try silenceAfterStall(failpoint: "stall-sampler")
        #expect(result.pingsBefore >= 3)
        // Longer than WatchdogSec (0.4 s): systemd would have restarted the daemon.
        #expect(result.silence > 1.5, "\(result.log)")
        #expect(result.log.contains("watchdog: sampler \(Self.model)"), "\(result.log)")
    }

    @Test func aStalledControlQueueStopsTheWatchdogPings() throws {
        let result = try silenceAfterStall(failpoint: "stall-control")
        #expect(result.pingsBefore >= 3)
        #expect(result.silence > 1.5, "\(result.log)")
        #expect(result.log.contains("watchdog: control queue"), "\(result.log)")
    }

    /// SIGTERM with no job running still waits for the error.json being written: cut
    /// off, the job would be recovered later with a death counted against it.
    @Test func sigtermWithNoRunningJobWaitsForAnErrorBeingWritten() throws {
        let fixture = try SpoolFixture()
        let daemon = try fixture.startDaemon(environment: ["RECUR_FAILPOINT": "slow-error-write"])
        #expect(fixture.waitUntilServing(daemon))
        try fixture.submit(#"{"model": "no-such-model"}"#, id: "bad")
        #expect(fixture.waitUntil(10) { fixture.log(of: daemon).contains("job bad: failed") })
        daemon.terminate()
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(fixture.list("failed") == ["bad"])
        #expect((fixture.json("failed/bad/error.json")["error"] as? String ?? "").contains("unknown model"))
        #expect(fixture.list("incoming").isEmpty && fixture.list("tmp").isEmpty && fixture.list("active").isEmpty)
        #expect(fixture.log(of: daemon).components(separatedBy: "stopped").count == 2, "\(fixture.log(of: daemon))")
    }
}
