import Foundation

/// A spool and a models directory in a temporary directory, and daemons running on them.
final class SpoolFixture {
    let root: String
    let spool: String
    let models: String
    private var daemons: [Process] = []
    private var logs: [Int32: String] = [:]

    init() throws {
        root = try temporaryDirectory()
        spool = root + "/spool"
        models = root + "/models"
        try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
        for name in ["lstm-l2-emb5", "gru-l1-emb5"] {
            try FileManager.default.copyItem(
                atPath: parityModels + "/\(name).safetensors", toPath: models + "/\(name).safetensors")
        }
        for sub in ["tmp", "incoming", "done", "failed", "active"] {
            try FileManager.default.createDirectory(atPath: spool + "/" + sub, withIntermediateDirectories: true)
        }
    }

    deinit {
        for daemon in daemons where daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Starts `recur serve` on the spool; its stderr goes to `log`.
    @discardableResult
    func startDaemon(_ extra: [String] = [], environment: [String: String] = [:], log: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = RecurBinary.url
        process.arguments = ["serve", "--spool", spool, "--models", models, "--rescan-interval", "0.5", "--workers", "1"] + extra
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let logPath = log ?? root + "/daemon-\(daemons.count).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        daemons.append(process)
        logs[process.processIdentifier] = logPath
        return process
    }

    /// Waits until `daemon` has logged that it serves the spool (its signal handlers are in
    /// long before), up to `seconds`.
    @discardableResult
    func waitUntilServing(_ daemon: Process, _ seconds: Double = 30) -> Bool {
        guard let log = logs[daemon.processIdentifier] else { return false }
        return waitUntil(seconds) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(" serving ") }
    }

    /// What `daemon` has logged so far.
    func log(of daemon: Process) -> String {
        guard let path = logs[daemon.processIdentifier] else { return "" }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Drops a job file into incoming/ the way clients must: write in tmp/, rename.
    func submit(_ json: String, id: String) throws {
        let temporary = spool + "/tmp/.\(id).json"
        try json.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, spool + "/incoming/\(id).json") == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    func list(_ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool + "/" + sub)) ?? []).sorted()
    }

    /// Waits until `condition` holds (polling), up to `seconds`.
    @discardableResult
    func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }

    func json(_ path: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: spool + "/" + path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }
}

/// A datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (i, byte) in path.utf8.enumerated() { bytes[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard descriptor >= 0, bound == 0 else { throw CocoaError(.fileWriteUnknown) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// The messages received until `done` holds for them, or `seconds` have passed.
    func receive(for seconds: Double, until done: ([String]) -> Bool) -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !done(messages) {
            let n = recv(descriptor, &buffer, buffer.count, 0)
            if n > 0 { messages.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
        }
        return messages
    }
}
