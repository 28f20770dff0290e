import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One daemon's claims on a spool, and the recovery of claims left by dead daemons.
///
/// Each daemon owns `active/ID/` and holds an exclusive `flock` on `active/ID/.lock`
/// for its whole life. A job is claimed by renaming it from `incoming/` into that
/// directory — atomic, so two daemons (even on two hosts sharing the filesystem)
/// never both get it. A daemon that can take another's lock knows that one is dead,
/// and puts its jobs back in `incoming/` with the requeue counter in the name
/// (`ID~2.json`); a job that has been held by three dead daemons goes to `failed/`.
///
/// Results are built in `tmp/.work-DAEMON-N/`; the job file moves in as `job.json`
/// and the whole directory is renamed to `done/ID/` (or `failed/ID/`) in one step.
/// At every instant the job file is in exactly one of incoming/, active/, a work
/// directory, done/ or failed/ — which is what "exactly once" rests on.
public final class ClaimStore: @unchecked Sendable {
    /// The spool.
    public let layout: SpoolLayout
    /// This daemon's name: host, pid and a random suffix.
    public let daemonID: String
    /// How many dead daemons may hold a job before it fails.
    public let maximumAttempts: Int
    private let lockDescriptor: Int32
    private let lock = NSLock()
    private var workCounter = 0
    private var released = false

    /// Creates `active/ID/` and takes its lock.
    ///
    /// The directory is made and locked in `tmp/` and then renamed into `active/`, so that
    /// it never appears there unlocked: another daemon's recovery, which takes every lock
    /// it can in `active/`, would otherwise take a starting daemon for a dead one (seen on
    /// JuiceFS with three daemons starting at once).
    public init(layout: SpoolLayout, maximumAttempts: Int = 3) throws(SpoolError) {
        self.layout = layout
        self.maximumAttempts = maximumAttempts
        daemonID = "\(Self.hostName)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        let directory = layout.active + "/" + daemonID
        let making = layout.temporary + "/" + Self.claimPrefix + daemonID
        try SpoolIO.makeDirectory(making)
        guard let descriptor = SpoolIO.lock(making + "/.lock") else {
            throw SpoolError(operation: "lock", path: making + "/.lock", code: EWOULDBLOCK)
        }
        // The ID is this daemon's alone, so a plain rename cannot take another's directory.
        guard rename(making, directory) == 0 else {
            let code = errno
            close(descriptor)
            SpoolIO.remove(making)
            throw SpoolError(operation: "rename to \(directory)", path: making, code: code)
        }
        lockDescriptor = descriptor
        // No heartbeat until the daemon serves and makes progress (`heartbeat()`): a probe
        // must not call a daemon that is still loading its models alive.
        var never = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
        _ = futimens(descriptor, &never)
    }

    /// `active/ID/`.
    public var directory: String { layout.active + "/" + daemonID }

    /// A claim directory being made in `tmp/` (`tmp/.claim-ID/`) before it moves to `active/`.
    static let claimPrefix = ".claim-"

    /// Whether `active/ID/` is gone: another daemon took this one's lock (on a shared
    /// filesystem, after this host froze past its lease) and requeued what it held. Such a
    /// daemon holds nothing and must not claim or publish under this identity again.
    public var isPresumedDead: Bool { !SpoolIO.isDirectory(directory) }

    /// Sets the lock file's time to now: the daemon made progress (`ProgressWatchdog`).
    /// `recur status --alive` reads it, so a probe on this host can tell a daemon that
    /// works from one that only holds its lock.
    public func heartbeat() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        _ = futimens(lockDescriptor, nil)
    }

    /// The live daemons of host `host` in `layout`: those whose claim directory's lock is
    /// held, with the seconds since their last heartbeat.
    public static func liveDaemons(of host: String, in layout: SpoolLayout) -> [(id: String, heartbeatAge: Double?)] {
        // An ID is HOST-PID-RANDOM, and a host name may itself hold dashes.
        SpoolIO.list(layout.active).filter { $0.split(separator: "-").dropLast(2).joined(separator: "-") == host }.sorted()
            .compactMap { id in
                let path = layout.active + "/" + id + "/.lock"
                let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                guard descriptor >= 0 else { return nil }
                defer { close(descriptor) }
                guard flock(descriptor, LOCK_EX | LOCK_NB) != 0 else { return nil }  // not held: dead
                let age = SpoolIO.modificationTime(path).map { Date().timeIntervalSince1970 - $0 }
                return (id, age)
            }
    }

    /// The host name a daemon's ID starts with.
    public static var hostName: String {
        ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
    }

    /// Claims `incoming/NAME`; returns its new path, or nil when another daemon won.
    public func claim(_ name: String) -> String? {
        let target = directory + "/" + name
        do {
            try SpoolFilesystem.renameNoReplace(layout.incoming + "/" + name, target)
            return target
        } catch {
            return nil
        }
    }

    /// Puts a claimed job back in incoming/ (graceful shutdown: no attempt counted).
    public func requeue(_ claimed: String) throws(SpoolError) {
        try moveToIncoming(claimed, name: (claimed as NSString).lastPathComponent)
    }

    /// Renames a job file into incoming/ as `name` without replacing a file there (a job of
    /// the same ID submitted meanwhile): when the name is taken, as `ID~N+1.json`, `ID~N+2.json` ….
    func moveToIncoming(_ path: String, name: String) throws(SpoolError) {
        let id = SpoolLayout.jobID(fileName: name)
        let attempts = SpoolLayout.attempts(fileName: name)
        var candidate = name
        for extra in 1...16 {
            do {
                try SpoolFilesystem.renameNoReplace(path, layout.incoming + "/" + candidate)
                return
            } catch  where error.code == EEXIST && extra < 16 {
                candidate = "\(id)~\(attempts + extra).json"
            }
        }
    }

    /// Gives up on a work directory after a failed write: the job file goes back to
    /// incoming/ from wherever it is (still claimed, or already moved into `work`), and
    /// the work directory is removed. Nothing is lost; the job runs again.
    public func abandon(work: String?, claimed: String) {
        let name = (claimed as NSString).lastPathComponent
        if let work, (try? moveToIncoming(work + "/job.json", name: name)) != nil {
            SpoolIO.remove(work)
            return
        }
        try? moveToIncoming(claimed, name: name)
        if let work { SpoolIO.remove(work) }
    }

    /// Discards a work directory whose writing failed, keeping the claim: the job file
    /// goes back to `claimed` if it had already been moved in. Used to fail the job in a
    /// fresh work directory without letting go of it (through incoming/ another claimer
    /// could run it again, and again).
    public func discardWork(_ work: String, claimed: String) {
        _ = Glibc.rename(work + "/job.json", claimed)
        SpoolIO.remove(work)
    }

    /// A fresh work directory under tmp/ for the claimed job file `claimed`. It records
    /// the job file's name (`.name`) so that recovery can requeue the job under its own
    /// ID if this daemon dies after moving the job file in.
    public func makeWorkDirectory(for claimed: String) throws(SpoolError) -> String {
        lock.lock()
        workCounter += 1
        let n = workCounter
        lock.unlock()
        let path = layout.temporary + "/.work-\(daemonID)-\(n)"
        try SpoolIO.makeDirectory(path)
        do {
            try SpoolIO.writeNew(Data((claimed as NSString).lastPathComponent.utf8), to: path + "/.name")
        } catch {
            SpoolIO.remove(path)
            throw error
        }
        return path
    }

    /// Moves the claimed job file into `work` as job.json and renames `work` to
    /// `done/ID` or `failed/ID` (ID, then ID+2, ID+3 … if that name is taken in either
    /// directory: an earlier job's results are never replaced, and an ID names one job).
    /// Returns the final directory.
    ///
    /// All of it happens under one lock of the spool's daemons (`SPOOL/.publish.lock`):
    /// two jobs of the same name finishing at once, one done and one failed, cannot both
    /// take a name, and the recovery of a dead daemon's jobs takes the same lock. Under it
    /// the claim is checked first (**fencing**): a daemon that was frozen past its lease on
    /// a shared filesystem, whose jobs were requeued by another, finds its claim gone and
    /// publishes nothing — `SpoolError` with `ESTALE`. (Without the lock, when the spool
    /// root cannot be written, the name is still checked in both directories first.)
    @discardableResult
    public func publish(work: String, claimed: String, jobID: String, succeeded: Bool) throws(SpoolError) -> String {
        try SpoolIO.sync(work, directory: true)
        let lock = SpoolIO.waitForLock(layout.publishLock)
        defer { if let lock { close(lock) } }
        var claim = stat()
        guard !isPresumedDead, lstat(claimed, &claim) == 0 else {
            throw SpoolError(operation: "publish (the claim was taken back by another daemon)", path: claimed, code: ESTALE)
        }
        if let refused = Self.nonRegularFileDescription(claimed) {
            // A link, FIFO or directory is never published as itself: whatever reads results
            // would follow the link out of the spool or block on the FIFO. A regular file
            // says what was submitted instead, and the object leaves the spool.
            try SpoolIO.writeNew(refused, to: work + "/job.json")
            SpoolIO.remove(claimed)
        } else {
            try SpoolFilesystem.renameNoReplace(claimed, work + "/job.json")
        }
        try SpoolIO.sync(work, directory: true)
        let base = succeeded ? layout.done : layout.failed
        let other = succeeded ? layout.failed : layout.done
        var attempt = 1
        while true {
            let name = attempt == 1 ? jobID : "\(jobID)+\(attempt)"
            let target = base + "/" + name
            var info = stat()
            var code = EEXIST
            if lstat(other + "/" + name, &info) != 0 {
                do {
                    try SpoolFilesystem.renameNoReplace(work, target)
                    unlink(target + "/.name")
                    try? SpoolIO.sync(base, directory: true)
                    try? SpoolIO.sync(directory, directory: true)
                    return target
                } catch {
                    code = error.code
                }
            }
            guard code == EEXIST || code == ENOTEMPTY, attempt < 10_000 else {
                throw SpoolError(operation: "rename to \(target)", path: work, code: code)
            }
            attempt += 1
        }
    }

    /// For a claimed job that is not a regular file, the JSON that stands in for it in
    /// failed/: what it was and, for a link, where it pointed; nil for a regular file.
    static func nonRegularFileDescription(_ path: String) -> Data? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let kind: String
        var object: [String: Any] = [:]
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFLNK:
            kind = "a symbolic link"
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(path, &buffer, Int(PATH_MAX))
            if length >= 0 {
                object["target"] = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFDIR: kind = "a directory"
        case S_IFSOCK: kind = "a socket"
        default: kind = "a device"
        }
        object["refused"] = kind
        object["note"] =
            "A job must be a regular file; this stands in for what was dropped into incoming/, which was not read or followed and is gone from the spool."
        return try? JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// Requeues (or fails, after too many attempts) the jobs of every dead daemon.
    /// Returns how many jobs were recovered. Safe to run from several daemons at once.
    ///
    /// A daemon is dead when its lock can be taken. Its jobs are moved under the publish
    /// lock, which a daemon holds while it checks its claim and publishes: a daemon that
    /// only froze, and wakes, either published before the recovery began or finds its
    /// claim gone (`publish`'s fencing) — never both its result and a requeued copy.
    @discardableResult
    public func recoverDeadDaemons(fail: (_ jobFile: String, _ jobID: String, _ message: String) -> Void) -> Int {
        var recovered = 0
        guard !isPresumedDead else { return 0 }
        for other in SpoolIO.list(layout.active) where other != daemonID {
            let directory = layout.active + "/" + other
            guard let descriptor = SpoolIO.lock(directory + "/.lock") else { continue }
            defer { close(descriptor) }
            let publishing = SpoolIO.waitForLock(layout.publishLock)
            defer { if let publishing { close(publishing) } }
            var orphans = SpoolIO.list(directory).filter { $0 != ".lock" }.map { (directory + "/" + $0, $0) }
            let prefix = ".work-\(other)-"
            for work in SpoolIO.list(layout.temporary) where work.hasPrefix(prefix) {
                let job = layout.temporary + "/" + work + "/job.json"
                var info = stat()
                if lstat(job, &info) == 0 {
                    // Moved into its work directory but not yet published.
                    let name =
                        (try? String(contentsOfFile: layout.temporary + "/" + work + "/.name", encoding: .utf8))
                        ?? "recovered.json"
                    orphans.append((job, name))
                }
            }
            for (path, name) in orphans {
                let jobID = SpoolLayout.jobID(fileName: name)
                let attempts = SpoolLayout.attempts(fileName: name) + 1
                if attempts >= maximumAttempts {
                    // Take the job over first: `fail` publishes asynchronously, and the dead
                    // daemon's directories are removed below.
                    let mine = self.directory + "/\(jobID)~\(attempts).json"
                    if (try? SpoolFilesystem.renameNoReplace(path, mine)) != nil {
                        fail(mine, jobID, "the daemon died \(attempts) times while holding this job")
                    }
                } else {
                    if (try? moveToIncoming(path, name: "\(jobID)~\(attempts).json")) != nil { recovered += 1 }
                }
            }
            // A work directory goes only once its job file is out of it, and the dead
            // daemon's directory only once it is empty: a job that could not be moved stays
            // where it is, for the next recovery.
            var keep = false
            for work in SpoolIO.list(layout.temporary) where work.hasPrefix(prefix) {
                var info = stat()
                if lstat(layout.temporary + "/" + work + "/job.json", &info) == 0 {
                    keep = true
                } else {
                    SpoolIO.remove(layout.temporary + "/" + work)
                }
            }
            if keep || SpoolIO.list(directory).contains(where: { $0 != ".lock" }) { continue }
            unlink(directory + "/.lock")
            rmdir(directory)
        }
        removeAbandonedClaimDirectories()
        return recovered
    }

    /// Claim directories a daemon died making (`tmp/.claim-ID/`, never renamed into
    /// `active/`): their daemon held no job. One goes once it is unlocked and either its
    /// daemon was of this host and its process is gone, or it is a minute old (another
    /// host's, whose process cannot be asked; a daemon takes the lock microseconds after
    /// making the directory).
    private func removeAbandonedClaimDirectories() {
        let now = Date().timeIntervalSince1970
        for name in SpoolIO.list(layout.temporary) where name.hasPrefix(Self.claimPrefix) {
            let path = layout.temporary + "/" + name
            let old = SpoolIO.modificationTime(path).map { now - $0 > 60 } ?? false
            guard old || Self.isDeadProcessOfThisHost(daemonID: String(name.dropFirst(Self.claimPrefix.count))),
                let descriptor = SpoolIO.lock(path + "/.lock")
            else { continue }
            unlink(path + "/.lock")
            close(descriptor)
            rmdir(path)
        }
    }

    /// Whether `daemonID` (`HOST-PID-SUFFIX`) names this host and a process that no longer exists.
    static func isDeadProcessOfThisHost(daemonID: String) -> Bool {
        let parts = daemonID.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = pid_t(parts[parts.count - 2]), pid > 0,
            parts.dropLast(2).joined(separator: "-") == hostName
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Gives up the claim directory (all jobs must be published or requeued first).
    /// Only the first call does anything: the lock's descriptor number may belong to
    /// another file once closed, and closing it again would close that one.
    public func release() {
        lock.lock()
        let first = !released
        released = true
        lock.unlock()
        guard first else { return }
        unlink(directory + "/.lock")
        rmdir(directory)
        close(lockDescriptor)
    }
}
