import Foundation
import Testing

/// A daemon whose claim directory is removed — as a daemon on another host does when it
/// takes the lock of one it presumes dead, on a shared filesystem whose lease expired
/// while this host was frozen — claims and publishes nothing more, says so, and exits 3
/// for its service manager to restart it; the jobs it held run again elsewhere, once.
@Suite(.serialized)
struct PresumedDeadTests {
    func daemonDirectory(_ fixture: SpoolFixture) -> String? {
        fixture.list("active").first.map { fixture.spool + "/active/" + $0 }
    }

    @Test func aDaemonPresumedDeadStopsClaimingAndExits() throws {
        let fixture = try SpoolFixture()
        let daemon = try fixture.startDaemon()
        #expect(fixture.waitUntilServing(daemon))
        let directory = try #require(daemonDirectory(fixture))
        try FileManager.default.removeItem(atPath: directory)
        try fixture.submit(#"{"model": "lstm-l2-emb5", "length": 20, "seed": 1}"#, id: "after")
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 3, "\(fixture.log(of: daemon))")
        #expect(fixture.log(of: daemon).contains("presumed it dead"), "\(fixture.log(of: daemon))")
        #expect(fixture.list("incoming") == ["after.json"], "not claimed by the daemon presumed dead")
        let next = try fixture.startDaemon(["--once"])
        next.waitUntilExit()
        #expect(fixture.list("done") == ["after"])
    }

    @Test func itsRunningJobIsDroppedNotPublishedAndRunsOnceElsewhere() throws {
        let fixture = try SpoolFixture()
        try fixture.submit(#"{"model": "lstm-l2-emb5", "count": 8, "length": 12000, "seed": 2}"#, id: "long")
        let daemon = try fixture.startDaemon()
        #expect(
            fixture.waitUntil(30) {
                daemonDirectory(fixture).map {
                    ((try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? []).contains("long.json")
                } ?? false
            })
        // What a recovering daemon does: the job back in incoming/ with its attempt counted,
        // the dead daemon's directory removed.
        let directory = try #require(daemonDirectory(fixture))
        #expect(rename(directory + "/long.json", fixture.spool + "/incoming/long~2.json") == 0)
        try FileManager.default.removeItem(atPath: directory)
        daemon.waitUntilExit()
        let log = fixture.log(of: daemon)
        #expect(daemon.terminationStatus == 3, "\(log)")
        #expect(log.contains("its results are dropped, not published") || log.contains("dropping 1 running job"), "\(log)")
        #expect(!log.contains("requeued at shutdown") && !log.contains("); requeued"), "it requeued nothing: \(log)")
        #expect(fixture.list("done").isEmpty && fixture.list("failed").isEmpty)
        let next = try fixture.startDaemon(["--once"])
        next.waitUntilExit()
        #expect(fixture.list("done") == ["long"])
        #expect(fixture.list("failed").isEmpty)
    }
}
