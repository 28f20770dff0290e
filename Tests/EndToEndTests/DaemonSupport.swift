import Foundation

/// A spool and a models directory in a temporary directory, and daemons running on them.
final class SpoolFixture {
    let root: String
    let spool: String
    let models: String
    private var daemons: [Process] = []

    init() throws {
        root = try temporaryDirectory()
        spool = root + "/spool"
        models = root + "/models"
        try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
        for name in ["lstm-l2-emb5", "gru-l1-emb5"] {
            try FileManager.default.copyItem(atPath: parityModels + "/\(name).safetensors", toPath: models + "/\(name).safetensors")
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
        return process
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
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }
}
