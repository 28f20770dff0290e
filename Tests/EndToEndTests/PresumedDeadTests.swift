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
        // the dead daemon's directory removed. Here the directory goes first, in one rename:
        // requeued while it still stood, the job could be claimed into it again, and removing
        // it then would take the job with it (a recovery's rmdir fails instead, and leaves
        // the job for the next one).
        let directory = try #require(daemonDirectory(fixture))
        let taken = fixture.root + "/taken-from-the-daemon"
        #expect(rename(directory, taken) == 0)
        #expect(rename(taken + "/long.json", fixture.spool + "/incoming/long~2.json") == 0)
        try FileManager.default.removeItem(atPath: taken)
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

    /// A daemon presumed dead recovers nothing: its claim directory is gone, so a job on
    /// its last attempt could not be taken into it, and the dead daemon's work directory
    /// holding that job must not be removed either. The next daemon fails the job, once.
    @Test func aDaemonPresumedDeadRecoversNothingAndLosesNothing() throws {
        let fixture = try SpoolFixture()
        let daemon = try fixture.startDaemon(["--rescan-interval", "0.25"])
        #expect(fixture.waitUntilServing(daemon))
        let own = try #require(daemonDirectory(fixture))
        // A dead daemon that had moved a job on its third attempt into its work directory
        // (its lock is held here, so that the running daemon sees it only once presumed dead).
        let dead = fixture.spool + "/active/deadhost-1-x"
        let work = fixture.spool + "/tmp/.work-deadhost-1-x-1"
        try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dead + "/.lock", contents: nil)
        let held = open(dead + "/.lock", O_RDWR)
        #expect(flock(held, LOCK_EX) == 0)
        try #"{"model": "lstm-l2-emb5", "length": 20, "seed": 1}"#.write(
            toFile: work + "/job.json", atomically: false, encoding: .utf8)
        try "last~2.json".write(toFile: work + "/.name", atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: own)
        close(held)  // dead now, seen so by a daemon that is itself presumed dead
        #expect(fixture.waitUntil(20) { !daemon.isRunning }, "an idle daemon presumed dead exits at its next rescan")
        if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 3, "\(fixture.log(of: daemon))")
        #expect(!fixture.log(of: daemon).contains("of dead daemons"), "\(fixture.log(of: daemon))")
        #expect(FileManager.default.fileExists(atPath: work + "/job.json"), "the job is still where the dead daemon left it")
        let next = try fixture.startDaemon(["--once"])
        next.waitUntilExit()
        #expect(fixture.list("failed") == ["last"], "\(fixture.log(of: next))")
        #expect(fixture.list("done").isEmpty && fixture.list("incoming").isEmpty)
        let error = fixture.json("failed/last/error.json")["error"] as? String ?? ""
        #expect(error.contains("died 3 times"), "\(error)")
    }
}
