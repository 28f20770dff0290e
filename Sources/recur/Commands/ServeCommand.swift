import ArgumentParser
import Foundation
import Logging
import RecurSpool

/// `recur serve`: the daemon.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: watch the spool's incoming/ and run every job in it.",
        discussion: """
            Jobs are JSON files (docs/DESIGN.md §7) renamed into SPOOL/incoming/. Each is claimed \
            by an atomic rename, validated, sampled together with the other jobs for the same \
            model, and published by one rename to SPOOL/done/ID/ (results) or SPOOL/failed/ID/ \
            (error.json). Several daemons may serve one spool. SIGTERM/SIGINT: stop claiming, let \
            running jobs finish within --grace seconds, requeue the rest, exit 0. SIGHUP: reload \
            the models directory. Under systemd (Type=notify) it reports READY, STATUS and \
            watchdog pings.
            """)

    @OptionGroup var spool: SpoolOption
    @OptionGroup var models: ModelsDirectoryOption
    @Option(help: "Threads for each model's sampling kernels (default: the number of cores).") var workers: Int?
    @Flag(help: "Run the jobs present (and any arriving meanwhile), then exit when the spool is empty.") var once = false
    @Option(help: "Seconds running jobs may take to finish after SIGTERM before they are requeued.") var grace: Double = 30
    @Option(
        help: ArgumentHelp(
            "Seconds between full rescans of incoming/ (inotify does the rest; default 2, or 0.25 on NFS, CephFS and FUSE, where other hosts' jobs reach inotify not at all).",
            valueName: "seconds"))
    var rescanInterval: Double?
    @Option(help: ArgumentHelp("Write Prometheus metrics to this file (node_exporter textfile collector).", valueName: "path"))
    var metricsFile: String?
    @Option(
        help: ArgumentHelp(
            "Space to keep free on the spool's filesystem: below it no job is claimed, and jobs wait in incoming/ until there is room (bytes, or 512k, 64M, 1G).",
            valueName: "size"))
    var minFree: String = "16M"
    @Option(help: "Largest job file in bytes.") var maxJobBytes: Int = JobLimits.serving.maximumFileBytes
    @Option(help: "Most samples per job.") var maxCount: Int = JobLimits.serving.sampling.maximumCount
    @Option(help: "Most tokens per sample.") var maxLength: Int = JobLimits.serving.sampling.maximumLength
    @Option(help: "Most tokens per job (count × length).") var maxTotalTokens: Int =
        JobLimits.serving.sampling.maximumTotalTokens

    func validate() throws {
        if let workers, !(1...256).contains(workers) { throw ValidationError("--workers must be between 1 and 256") }
        if !(0...3600).contains(grace) {
            throw ValidationError("--grace must be between 0 and 3600 seconds, got \(grace)")
        }
        if let rescanInterval, !(0.01...3600).contains(rescanInterval) {
            throw ValidationError("--rescan-interval must be between 0.01 and 3600 seconds, got \(rescanInterval)")
        }
        guard SpoolSpace.parseSize(minFree) != nil else {
            throw ValidationError("--min-free must be a size in bytes such as 0, 512k, 64M or 1G, got '\(minFree)'")
        }
        if maxJobBytes < 64 || maxCount < 1 || maxLength < 1 || maxTotalTokens < 1 {
            throw ValidationError("the --max-… limits must be positive (and --max-job-bytes at least 64)")
        }
    }

    func run() throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "recur")
        logger.logLevel = .info
        var options = DaemonOptions(spool: spool.path)
        options.modelsDirectory = models.directory
        if let workers { options.workers = workers }
        options.once = once
        options.grace = grace
        options.rescanInterval = rescanInterval
        options.metricsFile = metricsFile
        options.minimumFreeBytes = SpoolSpace.parseSize(minFree) ?? options.minimumFreeBytes
        options.limits.maximumFileBytes = maxJobBytes
        options.limits.sampling.maximumCount = maxCount
        options.limits.sampling.maximumLength = maxLength
        options.limits.sampling.maximumTotalTokens = maxTotalTokens
        let status = Daemon(options: options, logger: logger).run()
        if status != 0 { throw ExitCode(status) }
    }
}
