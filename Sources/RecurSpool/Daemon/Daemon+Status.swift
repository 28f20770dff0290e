import Dispatch
import Foundation
import Logging
import RecurCore

// What the daemon reports as it runs: status.json, the metrics file and systemd's STATUS=.
// Everything here runs on the control queue.
extension Daemon {
    /// Job files in incoming/, held ones included: what an operator sees queued.
    ///
    /// A listing costs in proportion to the backlog, so only the once-a-second status
    /// (`listing`) lists incoming/, and only on a local spool. Otherwise the count is this
    /// daemon's own queue (its last listing and the names inotify reported since, less
    /// what it claimed) and the jobs it holds: listing after every finished job made a
    /// backlog of 10,000 drain at half the rate of 1,000, and on a shared spool a listing
    /// each second is already most of a second of the client's time (JuiceFS, 20,000 jobs).
    func queuedCount(listing: Bool) -> Int {
        guard listing && !spoolIsShared else {
            return waiting.count + heldCount
        }
        return layout.waitingJobCount()
    }

    func statusLine(queued: Int) -> String {
        dispatchPrecondition(condition: .onQueue(control))
        return
            "\(runs.count) running, \(queued) queued, \(statistics.done) done, \(statistics.failed) failed, \(Int(statistics.tokensPerSecond)) tokens/s"
    }

    /// Writes status.json (and the metrics file, and systemd's STATUS=); `tick` also
    /// takes the tokens generated since the last tick into the rate, once a second.
    func writeStatus(tick: Bool = true) {
        dispatchPrecondition(condition: .onQueue(control))
        if tick {
            let generated = (Array(modelWorkers.values) + retiredWorkers).reduce(0) { $0 + $1.takeGeneratedCount() }
            retiredWorkers.removeAll { $0.isIdle }
            statistics.tick(generated: generated)
        }
        // One count serves status.json and systemd's STATUS= alike.
        let queued = queuedCount(listing: tick)
        let snapshot = statistics.snapshot(
            daemon: claims?.daemonID ?? "", spool: layout, incoming: queued,
            running: runs.values.map { ($0.id, $0.model.name, $0.prepared.request.count, $0.completedCount) },
            models: models.values.sorted { $0.name < $1.name }.map {
                ($0.name, $0.network.cell.rawValue, $0.vocabulary.kind.rawValue, $0.dataSHA256)
            }, limits: options.limits)
        writeReportingFailures(of: "status.json") { try AtomicFile.write(snapshot, to: layout.status) }
        if let metrics = options.metricsFile {
            writeReportingFailures(of: "the metrics file") {
                try AtomicFile.write(Data(statistics.prometheus().utf8), to: metrics)
            }
        }
        notifier.notify("STATUS=\(statusLine(queued: queued))")
    }

    /// Runs a once-a-second status write; logs when it starts failing and when it works
    /// again (the daemon goes on either way: jobs do not depend on it).
    func writeReportingFailures(of what: String, _ write: () throws -> Void) {
        dispatchPrecondition(condition: .onQueue(control))
        do {
            try write()
            if failingWrites.remove(what) != nil { logger.info("\(what) is written again") }
        } catch {
            if failingWrites.insert(what).inserted {
                logger.warning("cannot write \(what): \(error); jobs go on, and this is logged again when it is written")
            }
        }
    }
}
