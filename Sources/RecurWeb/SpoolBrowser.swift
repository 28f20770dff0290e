import Foundation
import RecurSpool

/// What the web front end knows of a job: where it is in the spool, read from the
/// spool's own directories, so it is right whichever daemon, on whichever host, holds it.
public struct JobState: Sendable, Equatable {
    /// `queued`, `running`, `done` or `failed`: the job's directory in the spool.
    public enum Phase: String, Sendable {
        case queued, running, done, failed
    }

    public var id: String
    public var phase: Phase
    /// The job's directory (done/ID, failed/ID) or file (incoming/…, active/D/…).
    public var path: String
}

/// Reads job states and files out of a spool without trusting the names it is asked for.
///
/// Only an ID that `isValidID` accepts is ever joined to a spool path, and a file is
/// served only when its name is one the job's own result.json (or error.json) lists:
/// no path from a request reaches the filesystem otherwise.
public struct SpoolBrowser: Sendable {
    public let layout: SpoolLayout

    public init(layout: SpoolLayout) { self.layout = layout }

    /// Whether `id` can name a job: not empty, at most 200 bytes, no `/`, no NUL, no
    /// control character, and not `.` or `..` or hidden.
    public static func isValidID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 200, !id.hasPrefix(".") else { return false }
        return !id.unicodeScalars.contains { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// Where job `id` is now, or nil when the spool has no such job.
    ///
    /// A job moves forward only (incoming → active → a work directory in tmp/ → done or
    /// failed), and the last step is a rename of a directory whose contents are already
    /// written; a job seen nowhere may be in that step, so the lookup is tried again for
    /// a moment before it says there is no such job.
    public func state(of id: String) async -> JobState? {
        guard Self.isValidID(id) else { return nil }
        for attempt in 0..<8 {
            if let found = lookUp(id) { return found }
            if attempt == 0 && !mayExist(id) { return lookUp(id) }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }

    /// Looks in the order a job moves (incoming, active, done or failed), so a job that
    /// moves on while it is looked for is found in a later place, not missed in both.
    private func lookUp(_ id: String) -> JobState? {
        let names = [id + ".json"] + (1...3).map { "\(id)~\($0).json" }
        for name in names where exists(layout.incoming + "/" + name) {
            return JobState(id: id, phase: .queued, path: layout.incoming + "/" + name)
        }
        for daemon in SpoolIO.list(layout.active) where !daemon.hasPrefix(".") {
            for name in names where exists(layout.active + "/" + daemon + "/" + name) {
                return JobState(id: id, phase: .running, path: layout.active + "/" + daemon + "/" + name)
            }
        }
        let done = layout.done + "/" + id
        if SpoolIO.isDirectory(done) { return JobState(id: id, phase: .done, path: done) }
        let failed = layout.failed + "/" + id
        if SpoolIO.isDirectory(failed) { return JobState(id: id, phase: .failed, path: failed) }
        return nil
    }

    /// Whether a job may be between directories: some daemon has a work directory.
    private func mayExist(_ id: String) -> Bool {
        SpoolIO.list(layout.temporary).contains { $0.hasPrefix(".work-") }
    }

    private func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Every job in the spool, newest ID first, at most `limit`: IDs that `recur submit`
    /// and the web page make sort by their time of submission.
    public func list(limit: Int) -> [JobState] {
        var states: [String: JobState] = [:]
        func add(_ name: String, in directory: String, phase: JobState.Phase, isFile: Bool) {
            if isFile && !SpoolLayout.isJobName(name) { return }
            let id = isFile ? SpoolLayout.jobID(fileName: name) : name
            guard Self.isValidID(id) else { return }
            states[id] = JobState(id: id, phase: phase, path: directory + "/" + name)
        }
        for name in SpoolIO.list(layout.incoming) { add(name, in: layout.incoming, phase: .queued, isFile: true) }
        for daemon in SpoolIO.list(layout.active) where !daemon.hasPrefix(".") {
            let directory = layout.active + "/" + daemon
            for name in SpoolIO.list(directory) { add(name, in: directory, phase: .running, isFile: true) }
        }
        for name in SpoolIO.list(layout.failed) { add(name, in: layout.failed, phase: .failed, isFile: false) }
        for name in SpoolIO.list(layout.done) { add(name, in: layout.done, phase: .done, isFile: false) }
        return Array(states.values.sorted { $0.id > $1.id }.prefix(limit))
    }

    /// How many entries `directory` holds (done/ or failed/ totals for the metrics).
    public func count(in directory: String) -> Int {
        SpoolIO.list(directory).filter { !$0.hasPrefix(".") }.count
    }

    /// The largest result.json (or other JSON file of the spool) read: a job of the most
    /// samples a daemon allows, with all their figures, is far smaller.
    public static let resultLimit = 16 << 20

    /// Reads a small JSON file of the spool as an object; nil when it is missing, not a
    /// regular file, larger than `limit` or not a JSON object.
    public static func readObject(_ path: String, limit: Int = resultLimit) -> [String: Any]? {
        guard let data = readRegularFile(path, limit: limit) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A regular file's bytes, opened without following a symbolic link and without
    /// blocking on a FIFO; nil otherwise or past `limit` bytes.
    public static func readRegularFile(_ path: String, limit: Int) -> Data? {
        guard let size = regularFileSize(path), size <= limit else { return nil }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        return try? handle.read(upToCount: limit + 1).flatMap { $0.count <= limit ? $0 : nil } ?? Data()
    }

    /// The size of a regular file at `path` (not following a symbolic link); nil for
    /// anything else.
    public static func regularFileSize(_ path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// The names of the files a finished job may serve: those its result.json lists plus
    /// result.json and job.json (done), or error.json and job.json (failed).
    public static func servableNames(of state: JobState, result: [String: Any]?) -> [String] {
        switch state.phase {
        case .done: ["result.json", "job.json"] + ((result?["files"] as? [String]) ?? [])
        case .failed: ["error.json", "job.json"]
        case .queued, .running: []
        }
    }
}
