import Foundation
import RecurCore

/// Counters behind status.json and the Prometheus metrics file. Fixed size: nothing in
/// it grows with the number of jobs served.
struct DaemonStatistics {
    let started = Date()
    var claimed = 0
    var done = 0
    var failed = 0
    /// Seconds from a job's arrival in incoming/ to its publication, done jobs only.
    var latency = LatencyHistogram(bounds: Self.buckets)
    private(set) var tokensPerSecond = 0.0
    private var lastTick = Date()
    private var generatedTotal = 0
    /// Set while the spool is too full to claim jobs (`Daemon+SpoolSpace`).
    var spoolFull: DaemonStatus.SpoolFull?

    /// Latency buckets (seconds) of the histogram.
    static let buckets: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    /// Folds in the tokens generated since the last tick (a smoothed rate).
    mutating func tick(generated: Int) {
        let now = Date()
        let elapsed = max(now.timeIntervalSince(lastTick), 1e-3)
        lastTick = now
        generatedTotal += generated
        tokensPerSecond = 0.5 * tokensPerSecond + 0.5 * Double(generated) / elapsed
    }

    func snapshot(
        daemon: String, spool: SpoolLayout, incoming: Int, running: [(id: String, model: String, samples: Int, done: Int)],
        models: [(name: String, cell: String, kind: String, sha: String)], limits: JobLimits
    ) -> Data {
        let active = SpoolIO.list(spool.active).reduce(0) { total, daemon in
            total + SpoolIO.list(spool.active + "/" + daemon).filter { $0 != ".lock" }.count
        }
        let status = DaemonStatus(
            daemon: daemon, pid: Int(getpid()), updated: JobOutputs.iso8601(Date()),
            uptimeSeconds: Date().timeIntervalSince(started).rounded(),
            queue: DaemonStatus.Queue(incoming: incoming, active: active),
            running: running.map {
                DaemonStatus.RunningJob(id: $0.id, model: $0.model, samples: $0.samples, samplesDone: $0.done)
            },
            totals: DaemonStatus.Totals(claimed: claimed, done: done, failed: failed, tokens: generatedTotal),
            tokensPerSecond: tokensPerSecond.isFinite ? tokensPerSecond.rounded() : 0,
            models: models.map { DaemonStatus.Model(name: $0.name, cell: $0.cell, kind: $0.kind, dataSHA256: $0.sha) },
            limits: DaemonStatus.Limits(limits), spoolFull: spoolFull)
        return status.json()
    }

    /// The Prometheus text exposition format (for node_exporter's textfile collector).
    func prometheus() -> String {
        var lines = [
            "# HELP recur_jobs_total Jobs finished by outcome.", "# TYPE recur_jobs_total counter",
            "recur_jobs_total{outcome=\"done\"} \(done)", "recur_jobs_total{outcome=\"failed\"} \(failed)",
            "# HELP recur_tokens_total Tokens generated.", "# TYPE recur_tokens_total counter",
            "recur_tokens_total \(generatedTotal)",
            "# HELP recur_tokens_per_second Recent sampling throughput.", "# TYPE recur_tokens_per_second gauge",
            "recur_tokens_per_second \(tokensPerSecond)",
            "# HELP recur_job_latency_seconds Time from a job's arrival in incoming/ to its publication.",
            "# TYPE recur_job_latency_seconds histogram",
        ]
        lines += latency.prometheusLines(name: "recur_job_latency_seconds")
        lines.append("# HELP recur_spool_full 1 while the spool's filesystem is too full to claim jobs.")
        lines.append("# TYPE recur_spool_full gauge")
        lines.append("recur_spool_full \(spoolFull == nil ? 0 : 1)")
        lines.append("# HELP recur_uptime_seconds Seconds since the daemon started.")
        lines.append("# TYPE recur_uptime_seconds gauge")
        lines.append("recur_uptime_seconds \(Date().timeIntervalSince(started).rounded())")
        return lines.joined(separator: "\n") + "\n"
    }
}
