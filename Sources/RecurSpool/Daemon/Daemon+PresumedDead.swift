import Foundation
import Logging

extension Daemon {
    /// This daemon's claim directory is gone: another daemon presumed it dead (its host
    /// froze past the shared filesystem's lease) and requeued what it held. It must not claim
    /// or publish under this identity again, so it drops what it holds, says so truthfully,
    /// and exits non-zero, for systemd to restart it with a new identity and lock.
    func exitPresumedDead() {
        dispatchPrecondition(condition: .onQueue(control))
        guard !shutDown, let claims else { return }
        for run in runs.values { _ = run.abandon() }
        logger.critical(
            "this daemon's claim directory \(claims.directory) is gone: another daemon presumed it dead and requeued its jobs; dropping \(runs.count) running job(s) unpublished and exiting (status 3) to restart with a new identity"
        )
        runs.removeAll()
        exitCode = 3
        shutdownNow()
    }
}
