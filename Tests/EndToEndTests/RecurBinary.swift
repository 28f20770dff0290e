import Foundation

/// Runs the built `recur` executable, as a user would, and captures what it prints.
struct RecurBinary {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The executable next to the test bundle (`swift test` builds it).
    static let url = Bundle.main.bundleURL.appendingPathComponent("recur")

    /// Runs `recur arguments…` to completion.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env["RECUR_MODELS"] = nil
        for (key, value) in environment { env[key] = value }
        return try runProcess(url, arguments, environment: env, directory: directory)
    }

    /// Runs any executable to completion with exactly `environment`.
    static func runProcess(
        _ executable: URL, _ arguments: [String], environment: [String: String],
        directory: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Output goes to files, not pipes, so that nothing can block on a full pipe.
        let base = NSTemporaryDirectory() + "recur-run-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// Parses stdout as one JSON object.
    static func json(_ result: Result) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        return object
    }
}

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The parity fixtures directory (tiny PyTorch-made models).
let parityModels = repositoryRoot.appendingPathComponent("Tests/RecurCoreTests/Fixtures/parity").path

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "recur-e2e-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
