import Foundation
import Hummingbird
import RecurSpool

/// `/api/models`, `/api/session` and `/metrics`: what the page offers, the token's cookie,
/// and the figures Prometheus scrapes.
struct ServiceRoutes: Sendable {
    let intake: JobIntake
    let browser: SpoolBrowser
    let configuration: WebConfiguration

    func add(to router: Router<BasicRequestContext>) {
        router.get("/api/models") { _, _ in models() }
        router.post("/api/session") { _, _ in session() }
        router.get("/metrics") { _, _ in metrics() }
    }

    private func models() -> Response {
        let limits = intake.limits
        return WebResponse.json([
            "models": intake.shelf.descriptions(),
            "limits": [
                "max_count": limits.sampling.maximumCount, "max_length": limits.sampling.maximumLength,
                "max_job_bytes": min(limits.maximumFileBytes, configuration.maximumBodyBytes),
            ],
        ])
    }

    /// The page sends the token once in the header; the answer keeps it in a cookie that
    /// scripts cannot read and other sites' pages do not send, so that audio and pictures,
    /// which a page cannot give a header, load too.
    private func session() -> Response {
        var headers: HTTPFields = [:]
        if let token = configuration.token {
            headers[.setCookie] =
                "\(AccessToken.cookieName)=\(token); Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict"
        }
        return Response(status: .noContent, headers: headers)
    }

    private func metrics() -> Response {
        let layout = browser.layout
        var running = 0
        for daemon in SpoolIO.list(layout.active) where !daemon.hasPrefix(".") {
            running += SpoolIO.list(layout.active + "/" + daemon).filter(SpoolLayout.isJobName).count
        }
        var lines = [
            "# HELP recur_spool_jobs Jobs in the spool by state (its directories).", "# TYPE recur_spool_jobs gauge",
            "recur_spool_jobs{state=\"queued\"} \(layout.waitingJobCount())", "recur_spool_jobs{state=\"running\"} \(running)",
            "recur_spool_jobs{state=\"done\"} \(browser.count(in: layout.done))",
            "recur_spool_jobs{state=\"failed\"} \(browser.count(in: layout.failed))",
        ]
        if let status = DaemonStatusSnapshot(layout: layout).status {
            let label = "{daemon=\"\(status.daemon.replacingOccurrences(of: "\"", with: ""))\"}"
            let figures: [(String, String, String, String)] = [
                ("recur_daemon_jobs_claimed", "counter", "Jobs the daemon claimed since it started.", "\(status.totals.claimed)"),
                ("recur_daemon_jobs_done", "counter", "Jobs the daemon finished since it started.", "\(status.totals.done)"),
                ("recur_daemon_jobs_failed", "counter", "Jobs the daemon failed since it started.", "\(status.totals.failed)"),
                ("recur_daemon_tokens", "counter", "Tokens the daemon generated since it started.", "\(status.totals.tokens)"),
                (
                    "recur_daemon_tokens_per_second", "gauge", "The daemon's recent sampling throughput.",
                    "\(status.tokensPerSecond)"
                ),
                (
                    "recur_daemon_spool_full", "gauge", "1 while the daemon finds the spool too full to claim jobs.",
                    status.spoolFull == nil ? "0" : "1"
                ),
                ("recur_daemon_uptime_seconds", "gauge", "Seconds since the daemon started.", "\(status.uptimeSeconds)"),
                (
                    "recur_daemon_status_age_seconds", "gauge", "Seconds since the daemon last wrote status.json.",
                    statusAge(layout.status)
                ),
            ]
            for (name, type, help, value) in figures {
                lines += ["# HELP \(name) \(help)", "# TYPE \(name) \(type)", name + label + " " + value]
            }
        }
        return WebResponse.text(lines.joined(separator: "\n") + "\n", contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    private func statusAge(_ path: String) -> String {
        guard let modified = SpoolIO.modificationTime(path) else { return "NaN" }
        return String(format: "%.1f", max(0, Date().timeIntervalSince1970 - modified))
    }
}
