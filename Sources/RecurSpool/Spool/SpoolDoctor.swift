import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `recur doctor`: whether a directory can hold a spool, tried with the system calls the
/// spool's promises rest on (DESIGN.md §6) — on files of its own, named with a leading dot
/// so that no daemon takes them for jobs, and removed afterwards.
public struct SpoolDoctor: Sendable {
    /// One finding.
    public struct Check: Sendable, Equatable {
        public enum Verdict: String, Sendable { case ok, warning, fail }
        /// What was tried (`atomic rename`, `flock` …).
        public var name: String
        public var verdict: Verdict
        /// What was seen, and for a warning or failure, what to do.
        public var detail: String
    }

    public let layout: SpoolLayout
    /// The free space below which daemons claim nothing (`recur serve --min-free`).
    public var reserveBytes: UInt64 = 16 << 20

    public init(layout: SpoolLayout) { self.layout = layout }

    /// Runs every check, in order; later checks need the spool's directories.
    public func run() -> [Check] {
        var checks: [Check] = []
        let filesystem = SpoolFilesystem.kind(of: layout.root)
        checks.append(
            Check(
                name: "filesystem", verdict: .ok,
                detail: filesystem.kind == .network
                    ? "\(filesystem.name): shared with other hosts (or may be); daemons list incoming/ every \(DaemonOptions.sharedRescanInterval) s, since inotify does not see other hosts' jobs"
                    : "\(filesystem.name): a filesystem of this host"))
        do {
            try layout.create()
        } catch {
            checks.append(
                Check(
                    name: "directories", verdict: .fail,
                    detail: "\(error); create the spool's directories or fix their permissions"))
            return checks
        }
        let stem = layout.temporary + "/.doctor-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            for suffix in ["a", "b", "c", "d", "lock"] { unlink(stem + "-" + suffix) }
            unlink(layout.incoming + "/" + (stem as NSString).lastPathComponent + "-moved")
        }
        checks.append(exclusiveCreate(stem + "-a"))
        checks.append(atomicRename(stem))
        checks.append(noReplaceRename(stem))
        checks.append(fileLock(stem + "-lock"))
        checks.append(inotify(stem + "-d", filesystem: filesystem.kind))
        checks.append(clock(stem + "-c"))
        checks.append(space())
        return checks
    }

    private func exclusiveCreate(_ path: String) -> Check {
        do {
            try SpoolIO.writeNew(Data("doctor".utf8), to: path)
        } catch {
            return Check(
                name: "create and fsync", verdict: .fail, detail: "\(error); the daemons' user must be able to write tmp/")
        }
        let second = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if second >= 0 {
            close(second)
            return Check(
                name: "O_EXCL", verdict: .fail,
                detail: "creating an existing file with O_EXCL succeeded; this filesystem cannot hold a spool")
        }
        return Check(name: "create, fsync, O_EXCL", verdict: .ok, detail: "a second exclusive create fails with EEXIST")
    }

    private func atomicRename(_ stem: String) -> Check {
        let moved = layout.incoming + "/" + (stem as NSString).lastPathComponent + "-moved"
        do {
            try SpoolIO.rename(stem + "-a", moved)
            try SpoolIO.sync(layout.incoming, directory: true)
            try SpoolIO.rename(moved, stem + "-a")
        } catch {
            return Check(
                name: "atomic rename", verdict: .fail,
                detail: "\(error); tmp/ and incoming/ must be on one filesystem that renames atomically (not object storage)")
        }
        var info = stat()
        guard lstat(moved, &info) != 0, lstat(stem + "-a", &info) == 0 else {
            return Check(name: "atomic rename", verdict: .fail, detail: "a renamed file was seen under both names or neither")
        }
        return Check(name: "atomic rename", verdict: .ok, detail: "tmp/ → incoming/ and back; directories fsync")
    }

    private func noReplaceRename(_ stem: String) -> Check {
        do {
            try SpoolIO.writeNew(Data("b".utf8), to: stem + "-b")
            try SpoolFilesystem.renameNoReplace(stem + "-a", stem + "-b")
            return Check(
                name: "rename without replacing", verdict: .fail, detail: "a rename replaced an existing file it must not replace"
            )
        } catch  where error.code == EEXIST {
            let contents = try? String(contentsOfFile: stem + "-b", encoding: .utf8)
            guard contents == "b" else {
                return Check(name: "rename without replacing", verdict: .fail, detail: "the existing file was changed")
            }
            return Check(
                name: "rename without replacing", verdict: .ok,
                detail: "refused with EEXIST (renameat2 RENAME_NOREPLACE, or link and unlink where the filesystem lacks it)")
        } catch {
            return Check(name: "rename without replacing", verdict: .fail, detail: "\(error)")
        }
    }

    private func fileLock(_ path: String) -> Check {
        guard let first = SpoolIO.lock(path) else {
            return Check(
                name: "flock", verdict: .fail, detail: "flock(LOCK_EX) on \(path) failed; the spool needs flock that works")
        }
        defer { close(first) }
        if let second = SpoolIO.lock(path) {
            close(second)
            return Check(
                name: "flock", verdict: .fail,
                detail: "two exclusive flocks of one file were both granted; on NFS mount without local_lock (local_lock=none)")
        }
        return Check(name: "flock", verdict: .ok, detail: "a second exclusive lock is refused while the first is held")
    }

    private func inotify(_ path: String, filesystem: SpoolFilesystem.Kind) -> Check {
        let seen = DispatchSemaphore(value: 0)
        let name = (path as NSString).lastPathComponent
        let queue = DispatchQueue(label: "recur.doctor.inotify")
        guard
            let watcher = try? DirectoryWatcher(
                directory: layout.temporary, rescanInterval: 3600, queue: queue,
                onChange: { change in
                    if case .names(let names) = change, names.contains(name) { seen.signal() }
                })
        else {
            return Check(
                name: "inotify", verdict: .warning,
                detail: "no inotify watch on tmp/; daemons find jobs only by listing incoming/")
        }
        defer { watcher.cancel() }
        _ = try? SpoolIO.writeNew(Data(), to: path)
        let arrived = seen.wait(timeout: .now() + 2) == .success
        if !arrived {
            return Check(
                name: "inotify", verdict: .warning,
                detail:
                    "this host's own new file was not reported within 2 s; daemons find jobs by listing incoming/ (--rescan-interval)"
            )
        }
        return Check(
            name: "inotify", verdict: .ok,
            detail: filesystem == .network
                ? "sees this host's new files, not other hosts' (the daemons list incoming/ for those)"
                : "sees new files at once")
    }

    private func clock(_ path: String) -> Check {
        let before = Date().timeIntervalSince1970
        guard (try? SpoolIO.writeNew(Data(), to: path)) != nil, let written = SpoolIO.modificationTime(path) else {
            return Check(name: "clock", verdict: .warning, detail: "could not read a new file's time")
        }
        let after = Date().timeIntervalSince1970
        let skew = written < before ? written - before : written > after ? written - after : 0
        let text = String(format: "%+.3f s", skew)
        switch abs(skew) {
        case ..<1: return Check(name: "clock", verdict: .ok, detail: "the filesystem's time and this host's agree (\(text))")
        case ..<30:
            return Check(
                name: "clock", verdict: .warning,
                detail:
                    "the filesystem's time is \(text) from this host's; jobs are taken oldest first by it, so keep clocks in step (NTP)"
            )
        default:
            return Check(
                name: "clock", verdict: .fail,
                detail: "the filesystem's time is \(text) from this host's; synchronise the clocks (NTP) before sharing a spool")
        }
    }

    private func space() -> Check {
        guard let free = SpoolSpace.freeBytes(at: layout.root) else {
            return Check(name: "free space", verdict: .warning, detail: "statvfs failed")
        }
        let text = ByteCountFormatter.string(fromByteCount: Int64(clamping: free), countStyle: .binary)
        if free < reserveBytes {
            return Check(
                name: "free space", verdict: .warning,
                detail: "\(text) free, below the daemons' reserve (--min-free): they claim nothing until there is more")
        }
        return Check(name: "free space", verdict: .ok, detail: "\(text) free")
    }
}
