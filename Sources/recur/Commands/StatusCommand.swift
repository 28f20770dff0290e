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
        let incoming = SpoolIO.list(layout.incoming).filter(SpoolLayout.isJobName).count
        let done = SpoolIO.list(layout.done).count, failed = SpoolIO.list(layout.failed).count
        guard let data = FileManager.default.contents(atPath: layout.status),
            let status = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
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
        let running = status["running"] as? [[String: Any]] ?? []
        let totals = status["totals"] as? [String: Any] ?? [:]
        let models = (status["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        print("spool     \(layout.root)")
        print(
            "daemon    \(status["daemon"] as? String ?? "?") (pid \(status["pid"] as? Int ?? 0)), up \(ProgressBar.clock(status["uptime_seconds"] as? Double ?? 0))\(age > 5 ? String(format: " — last update %.0f s ago: not running?", age) : "")"
        )
        print("queue     \(incoming) waiting, \(running.count) running")
        for job in running {
            print(
                "          \(job["id"] as? String ?? "?")  \(job["model"] as? String ?? "?")  \(job["samples"] as? Int ?? 0) sample(s)"
            )
        }
        print(
            "finished  \(done) in done/, \(failed) in failed/ (this daemon: \(totals["done"] as? Int ?? 0) done, \(totals["failed"] as? Int ?? 0) failed, \(totals["tokens"] as? Int ?? 0) tokens)"
        )
        print("speed     \(Int(status["tokens_per_second"] as? Double ?? 0)) tokens/s")
        print("models    \(models.isEmpty ? "none" : models.joined(separator: ", "))")
    }
}
