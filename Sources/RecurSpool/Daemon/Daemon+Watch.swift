import Foundation
import Logging

// How the daemon learns of new jobs: inotify on incoming/, and a full listing every
// rescan interval — often on a filesystem other hosts share, whose jobs inotify never sees.
extension Daemon {
    /// Whether a periodic listing of a shared spool's incoming/ can wait: this daemon still
    /// knows of jobs to claim, and listed the directory less than `localRescanInterval` ago,
    /// or less than 20 times as long ago as that listing took. The frequent listing is for
    /// noticing other hosts' jobs when idle. With a backlog, a listing (and a stat of every
    /// name) costs in proportion to the backlog — over a second for 20,000 jobs on JuiceFS —
    /// and a job that arrives meanwhile waits behind the backlog anyway; so listings take at
    /// most a twentieth of the daemon's time.
    func canPostponeListing() -> Bool {
        dispatchPrecondition(condition: .onQueue(control))
        let wait = max(DaemonOptions.localRescanInterval, 20 * lastListingSeconds)
        return spoolIsShared && !waiting.isEmpty && ProcessInfo.processInfo.systemUptime - lastListing < wait
    }

    /// Starts watching incoming/; false (the daemon shutting down) when it cannot.
    func watchIncoming() -> Bool {
        dispatchPrecondition(condition: .onQueue(control))
        let filesystem = SpoolFilesystem.kind(of: layout.incoming)
        let rescan = options.rescanInterval(on: filesystem.kind)
        if filesystem.kind == .network {
            logger.info(
                "the spool is on \(filesystem.name), which other hosts may share and inotify does not watch for them: incoming/ is listed every \(rescan) s"
            )
        }
        spoolIsShared = filesystem.kind == .network && options.rescanInterval == nil
        do {
            watcher = try DirectoryWatcher(directory: layout.incoming, rescanInterval: rescan, queue: control) {
                [weak self] change in
                guard let self else { return }
                if change == .everything { self.recover() }
                self.scan(change == .everything && self.canPostponeListing() ? nil : change)
            }
            return true
        } catch {
            logger.critical("cannot watch \(layout.incoming): \(error)")
            exitCode = 1
            shutdownNow()
            return false
        }
    }
}
