import Foundation
import Logging

// A full spool is the spool's condition, not a job's fault (as Postfix defers on a full
// disk): a job whose results found the filesystem full goes back to incoming/ unharmed,
// the daemon stops claiming, says so (log, status.json, `recur status`, metrics), and
// claims again by itself once space returns. Control queue throughout.

/// When claiming resumes after the spool was found full. Free space as statvfs reports
/// it is one sign; the other is time, because a write can fail for want of room that
/// statvfs does not show: an inode quota, a directory quota (EDQUOT), or a shared
/// filesystem whose client still counts space another host has freed (JuiceFS refused a
/// mkdir for seconds after statvfs showed a gigabyte free). So while the reserve is
/// met, one more try is made after a pause that doubles with every shortage (5 s to
/// 80 s) and is back to 5 s once a job is done.
struct SpaceShortage {
    /// The free bytes when the spool was found full: claiming resumes 4 MiB above them.
    var floor: UInt64 = 0
    /// When (uptime seconds) claiming is tried again whatever statvfs says.
    var retryAt = 0.0
    /// The pause before the next try.
    var pause = SpaceShortage.shortestPause

    static let shortestPause = 5.0
    static let longestPause = 80.0
}

extension Daemon {
    /// Free bytes above which claiming resumes after the spool was found full: the reserve
    /// (`--min-free`), and 4 MiB more than when it was found full.
    static let resumeMargin: UInt64 = 4 << 20

    /// Whether a job may be claimed now; starts or ends a shortage as the free space says.
    func spaceAllowsClaiming() -> Bool {
        dispatchPrecondition(condition: .onQueue(control))
        let reserve = options.minimumFreeBytes
        guard let free = SpoolSpace.freeBytes(at: layout.root) else { return statistics.spoolFull == nil }
        if var full = statistics.spoolFull {
            let roomAgain = free >= max(reserve, shortage.floor &+ Self.resumeMargin)
            let tryAgain = free >= reserve && ProcessInfo.processInfo.systemUptime >= shortage.retryAt
            guard roomAgain || tryAgain else {
                full.freeBytes = free
                statistics.spoolFull = full
                return false
            }
            statistics.spoolFull = nil
            if roomAgain {
                logger.info("the spool has room again (\(Self.megabytes(free)) free): claiming jobs")
            } else {
                logger.info(
                    "trying to claim again after a pause: statvfs shows \(Self.megabytes(free)) free, but a quota or another host's client may still refuse writes"
                )
            }
            return true
        }
        guard free < reserve else { return true }
        startShortage(free: free, why: "below the reserve of \(Self.megabytes(reserve)) (--min-free)")
        return false
    }

    /// A job found the filesystem full (its results, or its work directory: `why`): claiming
    /// stops first, then the job goes back to incoming/ as it came, so that it is not
    /// claimed again at once.
    func deferToSpace(claimed: String, id: String, why: String) {
        dispatchPrecondition(condition: .onQueue(control))
        logger.warning("job \(id): the spool's filesystem is full (\(why))")
        let free = SpoolSpace.freeBytes(at: layout.root) ?? 0
        if statistics.spoolFull == nil {
            startShortage(free: free, why: "a job did not fit")
        } else {
            shortage.floor = min(shortage.floor, free)
        }
        let name = (claimed as NSString).lastPathComponent
        do {
            try claims?.requeue(claimed)
            logger.info("job \(id): put back in incoming/ until there is room")
        } catch {
            claims?.abandon(work: nil, claimed: claimed)
            logger.warning("job \(id): putting \(name) back in incoming/: \(error)")
        }
    }

    /// `recur serve --once` with the spool full: the jobs left wait in incoming/ for the
    /// next run, and the exit status says so (75, EX_TEMPFAIL: try again later).
    func giveUpFullSpool() {
        dispatchPrecondition(condition: .onQueue(control))
        logger.error(
            "the spool is full (\(Self.megabytes(statistics.spoolFull?.freeBytes ?? 0)) free): \(queuedCount(listing: true)) job(s) left in incoming/ for the next run (--once)"
        )
        exitCode = 75
        shutdownNow()
    }

    private func startShortage(free: UInt64, why: String) {
        shortage.floor = free
        shortage.retryAt = ProcessInfo.processInfo.systemUptime + shortage.pause
        shortage.pause = min(shortage.pause * 2, SpaceShortage.longestPause)
        statistics.spoolFull = DaemonStatus.SpoolFull(
            freeBytes: free, reserveBytes: options.minimumFreeBytes, since: JobOutputs.iso8601(Date()))
        let needed = max(options.minimumFreeBytes, free &+ Self.resumeMargin)
        logger.warning(
            "the spool's filesystem is full (\(Self.megabytes(free)) free, \(why)): no job is claimed until \(Self.megabytes(needed)) are free, or for \(Int(shortage.retryAt - ProcessInfo.processInfo.systemUptime)) s; jobs wait in incoming/"
        )
        writeStatus(tick: false)
    }

    static func megabytes(_ bytes: UInt64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
