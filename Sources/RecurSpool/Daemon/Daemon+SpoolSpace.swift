import Foundation
import Logging

// A full spool is the spool's condition, not a job's fault (as Postfix defers on a full
// disk): a job whose results found the filesystem full goes back to incoming/ unharmed,
// the daemon stops claiming, says so (log, status.json, `recur status`, metrics), and
// claims again by itself once space returns. Control queue throughout.
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
            guard free >= max(reserve, spoolFullFloor &+ Self.resumeMargin) else {
                full.freeBytes = free
                statistics.spoolFull = full
                return false
            }
            statistics.spoolFull = nil
            logger.info("the spool has room again (\(Self.megabytes(free)) free): claiming jobs")
            return true
        }
        guard free < reserve else { return true }
        startShortage(free: free, why: "below the reserve of \(Self.megabytes(reserve)) (--min-free)")
        return false
    }

    /// A job's results found the filesystem full: claiming stops first, then the job goes
    /// back to incoming/ as it came, so that it is not claimed again at once.
    func deferToSpace(_ run: JobRun) {
        dispatchPrecondition(condition: .onQueue(control))
        let free = SpoolSpace.freeBytes(at: layout.root) ?? 0
        if statistics.spoolFull == nil {
            startShortage(free: free, why: "a job's results did not fit")
        } else {
            spoolFullFloor = min(spoolFullFloor, free)
        }
        let name = (run.claimed as NSString).lastPathComponent
        do {
            try claims?.requeue(run.claimed)
            logger.info("job \(run.id): put back in incoming/ until there is room")
        } catch {
            claims?.abandon(work: nil, claimed: run.claimed)
            logger.warning("job \(run.id): putting \(name) back in incoming/: \(error)")
        }
    }

    /// `recur serve --once` with the spool full: the jobs left wait in incoming/ for the
    /// next run, and the exit status says so (75, EX_TEMPFAIL: try again later).
    func giveUpFullSpool() {
        dispatchPrecondition(condition: .onQueue(control))
        logger.error(
            "the spool is full (\(Self.megabytes(statistics.spoolFull?.freeBytes ?? 0)) free): \(queuedCount()) job(s) left in incoming/ for the next run (--once)"
        )
        exitCode = 75
        shutdownNow()
    }

    private func startShortage(free: UInt64, why: String) {
        spoolFullFloor = free
        statistics.spoolFull = DaemonStatus.SpoolFull(
            freeBytes: free, reserveBytes: options.minimumFreeBytes, since: JobOutputs.iso8601(Date()))
        let needed = max(options.minimumFreeBytes, free &+ Self.resumeMargin)
        logger.warning(
            "the spool's filesystem is full (\(Self.megabytes(free)) free, \(why)): no job is claimed until \(Self.megabytes(needed)) are free; jobs wait in incoming/"
        )
        writeStatus(tick: false)
    }

    static func megabytes(_ bytes: UInt64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}
