import Foundation
import Testing

/// sd_notify messages from `recur serve`, received on a test socket as systemd would.
@Suite(.serialized)
struct SystemdNotifyTests {
    @Test func readyWatchdogStatusAndStoppingArrive() throws {
        let fixture = try SpoolFixture()
        let socketPath = fixture.root + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (i, byte) in socketPath.utf8.enumerated() { path[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let daemon = try fixture.startDaemon(environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"])
        var messages: [String] = []
        func receive(until deadline: Date, _ done: ([String]) -> Bool) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline && !done(messages) {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { messages.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
            }
        }
        receive(until: Date().addingTimeInterval(20)) { m in
            m.contains { $0.contains("READY=1") } && m.filter { $0 == "WATCHDOG=1" }.count >= 3 && m.contains { $0.hasPrefix("STATUS=") }
        }
        #expect(messages.contains { $0.contains("READY=1") }, "\(messages)")
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 3, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("STATUS=") }, "\(messages)")
        daemon.terminate()
        receive(until: Date().addingTimeInterval(10)) { m in m.contains("STOPPING=1") }
        daemon.waitUntilExit()
        #expect(messages.contains("STOPPING=1"), "\(messages)")
        #expect(daemon.terminationStatus == 0)
    }
}
