import Foundation

/// Settings of `recur serve`.
public struct DaemonOptions: Sendable {
    /// The spool root.
    public var spool: String
    /// The models directory (nil: the default search).
    public var modelsDirectory: String?
    /// Threads for the sampling kernels of each model (`--workers`; not the number of
    /// model workers, which is one per loaded model).
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Drain the spool and exit.
    public var once = false
    /// Seconds running jobs get to finish after SIGTERM before they are requeued
    /// (finite, 0 or more; `recur serve` allows up to an hour).
    public var grace = 30.0
    /// Seconds between full rescans of incoming/ (and checks for dead daemons); finite
    /// and positive (`recur serve` allows 0.01 to 3600). Nil: `localRescanInterval` on a
    /// filesystem of this host, `sharedRescanInterval` on one shared with other hosts.
    public var rescanInterval: Double?

    /// The rescan on a local filesystem, where inotify reports every new job.
    public static let localRescanInterval = 2.0
    /// The rescan on NFS, CephFS or FUSE: inotify never sees another host's jobs, and a
    /// listing every quarter second keeps their pickup within half a second.
    public static let sharedRescanInterval = 0.25

    /// The rescan interval for a spool on `filesystem`.
    public func rescanInterval(on filesystem: SpoolFilesystem.Kind) -> Double {
        rescanInterval ?? (filesystem == .network ? Self.sharedRescanInterval : Self.localRescanInterval)
    }
    /// Prometheus text file for node_exporter's textfile collector.
    public var metricsFile: String?
    /// Job limits, published in status.json.
    public var limits = JobLimits.serving
    /// Rows (samples) in flight before the daemon stops claiming more jobs. Enough for
    /// an efficient batch; more would hoard jobs that other daemons could run, and every
    /// job held counts as a suspect if the daemon dies. The daemon claims while fewer rows
    /// than this are in flight, so the last job claimed may pass it (a job is never split,
    /// and one larger than this still runs, with nothing else claimed beside it).
    public var maximumRows = 64
    /// Bytes that must stay free on the spool's filesystem for a job to be claimed
    /// (`--min-free`); below them jobs wait in incoming/.
    public var minimumFreeBytes: UInt64 = 16 << 20
    /// A spool.
    public init(spool: String) { self.spool = spool }
}
