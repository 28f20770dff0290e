import Foundation
import Logging

// How the daemon learns of new jobs: inotify on incoming/, and a full listing every
// rescan interval — often on a filesystem other hosts share, whose jobs inotify never sees.
extension Daemon {
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
        do {
            watcher = try DirectoryWatcher(directory: layout.incoming, rescanInterval: rescan, queue: control) {
                [weak self] change in
                guard let self else { return }
                if change == .everything { self.recover() }
                self.scan(change)
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
