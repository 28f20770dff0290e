import Foundation
import Testing

/// sd_notify messages from `recur serve`, received on a test socket as systemd would.
@Suite(.serialized)
struct SystemdNotifyTests {
    @Test func readyWatchdogStatusAndStoppingArrive() throws {
        let fixture = try SpoolFixture()
        let socketPath = fixture.root + "/notify.sock"
        let socket = try NotifySocket(path: socketPath)
        let daemon = try fixture.startDaemon(environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"])
        var messages = socket.receive(for: 20) { m in
            m.contains { $0.contains("READY=1") } && m.filter { $0 == "WATCHDOG=1" }.count >= 3
                && m.contains { $0.hasPrefix("STATUS=") }
        }
        #expect(messages.contains { $0.contains("READY=1") }, "\(messages)")
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 3, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("STATUS=") }, "\(messages)")
        daemon.terminate()
        messages += socket.receive(for: 10) { m in m.contains("STOPPING=1") }
        daemon.waitUntilExit()
        #expect(messages.contains("STOPPING=1"), "\(messages)")
        #expect(daemon.terminationStatus == 0)
    }
}
