import ArgumentParser
import Foundation
import RecurSpool

/// `recur status`: a readable summary of the spool and its daemon.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Summarise the spool: queue, running jobs, totals, models.")

    @OptionGroup var spool: SpoolOption
    @Flag(help: "Print status.json as it is.") var json = false

    func run() throws {
        let layout = SpoolLayout(root: spool.path)
        guard SpoolIO.isDirectory(layout.root) else {
            throw InputError(
                description: "no spool at \(layout.root): the directory does not exist; give the spool's path with --spool")
        }
        let incoming = SpoolIO.list(layout.incoming).filter(SpoolLayout.isJobName).count
        let done = SpoolIO.list(layout.done).count, failed = SpoolIO.list(layout.failed).count
        guard let data = FileManager.default.contents(atPath: layout.status), let status = DaemonStatus(data: data) else {
            if json {
                print("{}")
                return
            }
            print(
                "\(layout.root): no status.json (no daemon has run here yet). \(incoming) queued, \(done) done, \(failed) failed."
            )
            return
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let modified = (try? FileManager.default.attributesOfItem(atPath: layout.status)[.modificationDate] as? Date) ?? nil
        let age = modified.map { Date().timeIntervalSince($0) } ?? 0
        print("spool     \(layout.root)")
        // A daemon that stopped cleanly has given up its claim directory at once; one
        // that died is seen by its status file ageing.
        let stopped = !status.daemon.isEmpty && !SpoolIO.isDirectory(layout.active + "/" + status.daemon)
        let stale =
            stopped
            ? " — stopped" : age > 5 ? String(format: " — last update %.0f s ago: not running?", age) : ""
        print("daemon    \(status.daemon) (pid \(status.pid)), up \(ProgressBar.clock(status.uptimeSeconds))\(stale)")
        // status.json is at most a second old: a job it lists as running may have
        // published since, and the spool says so.
        let running = status.running.filter { job in
            !SpoolIO.isDirectory(layout.done + "/" + job.id) && !SpoolIO.isDirectory(layout.failed + "/" + job.id)
        }
        print("queue     \(incoming) waiting, \(running.count) running")
        if let full = status.spoolFull {
            print(
                "FULL      the spool's filesystem is full since \(full.since): \(full.freeBytes / 1_000_000) MB free, reserve \(full.reserveBytes / 1_000_000) MB; no job is claimed until there is room (jobs wait in incoming/)"
            )
        }
        for job in running {
            print("          \(job.id)  \(job.model)  \(job.samples) sample(s)")
        }
        let totals = status.totals
        print(
            "finished  \(done) in done/, \(failed) in failed/ (this daemon: \(totals.done) done, \(totals.failed) failed, \(totals.tokens) tokens)"
        )
        print("speed     \(Int(status.tokensPerSecond)) tokens/s")
        let models = status.models.map(\.name)
        print("models    \(models.isEmpty ? "none" : models.joined(separator: ", "))")
    }
}
