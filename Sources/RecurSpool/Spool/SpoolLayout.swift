import Foundation

/// The directories of a spool (DESIGN.md §6) and the names inside them.
///
///     SPOOL/tmp/            clients write here, then rename into incoming/
///     SPOOL/incoming/       *.json jobs waiting; names starting with "." are ignored
///     SPOOL/active/DAEMON/  jobs claimed by one daemon, plus its lock file `.lock`
///     SPOOL/done/ID/        job.json, result.json, sample-001.txt …
///     SPOOL/failed/ID/      job.json (the object received, whatever it was), error.json
///     SPOOL/status.json     the last daemon snapshot
///     SPOOL/.publish.lock   held while a daemon takes an ID in done/ or failed/
public struct SpoolLayout: Sendable {
    /// The spool's root.
    public let root: String

    /// A layout over `root`.
    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public var temporary: String { root + "/tmp" }
    public var incoming: String { root + "/incoming" }
    public var active: String { root + "/active" }
    public var done: String { root + "/done" }
    public var failed: String { root + "/failed" }
    public var status: String { root + "/status.json" }
    /// The lock the daemons hold while they choose a job's ID in done/ and failed/.
    public var publishLock: String { root + "/.publish.lock" }

    /// Creates any missing directory (mode 2775 style permissions are the installer's job).
    public func create() throws(SpoolError) {
        for directory in [root, temporary, incoming, active, done, failed] {
            try Self.makeDirectories(directory, for: directory)
        }
    }

    /// `mkdir -p` with the system's own reason; a file where a directory should be is
    /// named (`target` itself, or an ancestor in its way).
    private static func makeDirectories(_ path: String, for target: String) throws(SpoolError) {
        if SpoolIO.isDirectory(path) { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectories(parent, for: target) }
        guard mkdir(path, 0o777) != 0 else { return }
        let code = errno
        guard code == EEXIST else { throw SpoolError(operation: "create directory", path: path, code: code) }
        guard !SpoolIO.isDirectory(path) else { return }  // made by another process meanwhile
        throw path == target
            ? SpoolError(operation: "use as a spool directory", path: path, code: ENOTDIR)
            : SpoolError(operation: "create directory \(target) inside", path: path, code: ENOTDIR)
    }

    /// How many job files wait in incoming/ (held ones included): one listing.
    public func waitingJobCount() -> Int {
        SpoolIO.list(incoming).filter(Self.isJobName).count
    }

    /// The job ID of a job file name: its stem without the `~N` requeue counter.
    public static func jobID(fileName: String) -> String {
        var stem = fileName.hasSuffix(".json") ? String(fileName.dropLast(5)) : fileName
        if let tilde = stem.lastIndex(of: "~"), Int(stem[stem.index(after: tilde)...]) != nil {
            stem = String(stem[..<tilde])
        }
        return stem
    }

    /// How many times a job file has been requeued after a daemon died holding it.
    public static func attempts(fileName: String) -> Int {
        let stem = fileName.hasSuffix(".json") ? String(fileName.dropLast(5)) : fileName
        guard let tilde = stem.lastIndex(of: "~"), let n = Int(stem[stem.index(after: tilde)...]) else { return 0 }
        return n
    }

    /// Whether a name in incoming/ is a job to consider.
    public static func isJobName(_ name: String) -> Bool {
        name.hasSuffix(".json") && !name.hasPrefix(".") && name.count > 5
    }
}

/// A system call on the spool that failed.
public struct SpoolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done ("rename", "fsync", …).
    public let operation: String
    /// The path it was done to.
    public let path: String
    /// errno.
    public let code: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
