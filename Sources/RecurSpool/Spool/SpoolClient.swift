import Dispatch
import Foundation

/// The client side of the spool protocol (DESIGN.md §6): how `recur submit`, and any
/// Swift program, hands a job to the daemons and follows it to its end.
///
/// A job is written whole under a hidden name in `tmp/` and renamed into `incoming/`,
/// so a daemon never sees half a file; its ID sorts by submission time and never repeats.
public struct SpoolClient: Sendable {
    /// The spool.
    public let layout: SpoolLayout

    /// A client of the spool at `root` (its directories are created when missing).
    public init(root: String) throws(SpoolError) {
        layout = SpoolLayout(root: root)
        try layout.create()
    }

    /// Puts the job file's bytes into `incoming/` and returns the job's ID; a job already
    /// waiting under that ID is never replaced (EEXIST).
    public func submit(_ job: Data, id: String = SpoolClient.newID()) throws(SpoolError) -> String {
        let temporary = layout.temporary + "/.\(id).json"
        try SpoolIO.writeNew(job, to: temporary)
        do {
            try SpoolFilesystem.renameNoReplace(temporary, layout.incoming + "/\(id).json")
        } catch {
            unlink(temporary)
            throw error
        }
        try? SpoolIO.sync(layout.incoming, directory: true)
        return id
    }

    /// How a job ended.
    public enum Outcome: Sendable, Equatable {
        /// `done/ID/` exists: the directory of its results.
        case done(directory: String)
        /// `failed/ID/error.json` exists: its text.
        case failed(errorJSON: String)
        /// Neither appeared in time.
        case timedOut
    }

    /// Waits until job `id` is in `done/` or `failed/`, following both with inotify (and a
    /// one-second rescan as a safety net), for at most `timeout` seconds.
    public func wait(for id: String, timeout: Double) throws(SpoolError) -> Outcome {
        let changed = DispatchSemaphore(value: 0)
        let queue = DispatchQueue(label: "recur.spool-client.wait")
        var watchers: [DirectoryWatcher] = []
        for directory in [layout.done, layout.failed] {
            watchers.append(try DirectoryWatcher(directory: directory, rescanInterval: 1, queue: queue) { _ in changed.signal() })
        }
        defer { watchers.forEach { $0.cancel() } }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: layout.done + "/" + id, isDirectory: &isDirectory) {
                return .done(directory: layout.done + "/" + id)
            }
            let error = layout.failed + "/" + id + "/error.json"
            if FileManager.default.fileExists(atPath: error) {
                return .failed(errorJSON: (try? String(contentsOfFile: error, encoding: .utf8)) ?? "{}")
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return .timedOut }
            _ = changed.wait(timeout: .now() + min(left, 1))
        }
    }

    /// A job ID that sorts by time and never repeats: UTC time plus eight random letters
    /// and digits (`20261201T091500-k3x9q2ab`).
    public static func newID() -> String {
        var seconds = time_t(Date().timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let stamp =
            "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return stamp + "-" + String((0..<8).map { _ in letters[Int.random(in: 0..<letters.count)] })
    }
}
