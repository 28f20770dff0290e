import Foundation
import Testing

/// `recur status --alive`, the probe a container orchestrator runs beside the daemon: 0
/// while a daemon of this host holds its claim and makes progress, 1 when it is stopped
/// (frozen), killed or never started.
struct AliveProbeTests {
    func probe(_ fixture: SpoolFixture, _ extra: [String] = []) throws -> RecurBinary.Result {
        try RecurBinary.run(["status", "--spool", fixture.spool, "--alive"] + extra)
    }

    @Test func theProbeFollowsTheDaemon() throws {
        let fixture = try SpoolFixture()
        #expect(try probe(fixture).status == 1, "no daemon yet")
        let daemon = try fixture.startDaemon()
        #expect(fixture.waitUntilServing(daemon))
        #expect(fixture.waitUntil(10) { (try? probe(fixture).status) == 0 })
        #expect(try probe(fixture).stdout.hasPrefix("alive: "))
        // Frozen: it still holds its lock, but its heartbeat ages.
        kill(daemon.processIdentifier, SIGSTOP)
        Thread.sleep(forTimeInterval: 6.5)
        let frozen = try probe(fixture, ["--within", "6"])
        #expect(frozen.status == 1 && frozen.stdout.contains("made no progress"), "\(frozen.stdout)")
        kill(daemon.processIdentifier, SIGCONT)
        #expect(fixture.waitUntil(10) { (try? probe(fixture, ["--within", "6"]).status) == 0 })
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        let killed = try probe(fixture)
        #expect(killed.status == 1 && killed.stdout.contains("no daemon of host"), "\(killed.stdout)")
        #expect(try RecurBinary.run(["status", "--spool", fixture.root + "/nowhere", "--alive"]).status == 1)
    }
}
