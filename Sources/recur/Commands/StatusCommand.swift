import ArgumentParser
import Foundation
import RecurSpool

/// `recur status`: a readable summary of the spool and its daemon.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Summarise the spool: queue, running jobs, totals, models.")

    @OptionGroup var spool: SpoolOption
    @Flag(help: "Print status.json as it is.") var json = false
    @Flag(
        help: ArgumentHelp(
            "A probe: exit 0 when a daemon of this host holds its claim on the spool and made progress within --within seconds, else 1 (for Kubernetes probes and scripts)."
        ))
    var alive = false
    @Option(help: ArgumentHelp("With --alive: the oldest heartbeat accepted, in seconds.", valueName: "seconds"))
    var within: Double = 30

    func validate() throws {
        guard within > 0 && within <= 86_400 else {
            throw ValidationError("--within must be more than 0 and at most 86400 seconds, got \(within)")
        }
    }

    func run() throws {
        let layout = SpoolLayout(root: spool.path)
        guard SpoolIO.isDirectory(layout.root) else {
            if alive { print("not alive: no spool at \(layout.root)") }
            throw alive
                ? ExitCode(1)
                : InputError(
                    description: "no spool at \(layout.root): the directory does not exist; give the spool's path with --spool")
        }
        if alive { return try probe(layout) }
        let incoming = layout.waitingJobCount()
        let done = SpoolIO.list(layout.done).count, failed = SpoolIO.list(layout.failed).count
        guard let (data, status) = DaemonStatus.read(from: layout) else {
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

    /// `--alive`: a daemon of this host holds its claim directory's lock (it is not dead,
    /// nor presumed dead) and its heartbeat — the lock file's time, set while the
    /// watchdog's progress rule holds — is recent.
    private func probe(_ layout: SpoolLayout) throws {
        let host = ClaimStore.hostName
        let daemons = ClaimStore.liveDaemons(of: host, in: layout)
        guard !daemons.isEmpty else {
            print("not alive: no daemon of host \(host) holds a claim directory in \(layout.active)")
            throw ExitCode(1)
        }
        if let fresh = daemons.first(where: { ($0.heartbeatAge ?? .infinity) <= within }) {
            print("alive: \(fresh.id) holds its claim; progress \(String(format: "%.1f", max(0, fresh.heartbeatAge ?? 0))) s ago")
            return
        }
        // A heartbeat at the epoch: the daemon is starting (loading its models).
        let ages = daemons.map { daemon in
            let age = daemon.heartbeatAge.flatMap { $0 < 1e9 ? String(format: "%.0f s ago", $0) : nil }
            return "\(daemon.id): " + (age ?? "starting, no progress yet")
        }
        print(
            "not alive: the daemons of \(host) made no progress within \(String(format: "%g", within)) s (\(ages.joined(separator: ", ")))"
        )
        throw ExitCode(1)
    }
}
