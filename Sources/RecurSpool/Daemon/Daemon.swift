import Dispatch
import Foundation
import Logging
import RecurCore
import RecurMusic

#if canImport(Glibc)
import Glibc
#endif

// How a job moves through the daemon's few, named queues:
//
//   incoming/X.json ──inotify / rescan──▶ [control]  claim (rename into active/ID/),
//                                           │         read + validate, pick the model
//                                           │ valid                      │ invalid
//                                           ▼                            ▼
//                       [sampler.MODEL] one running batch per model   [writer] error.json,
//                         rows join and leave every step                publish to failed/
//                                           │ last sample of the job
//                                           ▼
//                       [writer] samples (text, audio, MIDI), result.json,
//                                job.json moved in, one rename to done/ID/
//                                           │
//                                           ▼
//                       [control] bookkeeping, claim more, status.json every second

/// Settings of `recur serve`.
public struct DaemonOptions: Sendable {
    /// The spool root.
    public var spool: String
    /// The models directory (nil: the default search).
    public var modelsDirectory: String?
    /// Threads for the sampling kernels of each model.
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Drain the spool and exit.
    public var once = false
    /// Seconds running jobs get to finish after SIGTERM before they are requeued.
    public var grace = 30.0
    /// Seconds between full rescans of incoming/ (and checks for dead daemons).
    public var rescanInterval = 2.0
    /// Prometheus text file for node_exporter's textfile collector.
    public var metricsFile: String?
    /// Job limits.
    public var limits = JobLimits()
    /// Rows (samples) in flight before the daemon stops claiming more jobs. Enough for
    /// an efficient batch; more would hoard jobs that other daemons could run, and every
    /// job held counts as a suspect if the daemon dies.
    public var maximumRows = 64
    /// A spool.
    public init(spool: String) { self.spool = spool }
}

/// `recur serve`: watches a spool, runs jobs in batches, publishes results exactly once.
public final class Daemon: @unchecked Sendable {
    private let options: DaemonOptions
    private let layout: SpoolLayout
    private let logger: Logger
    private let notifier = SystemdNotifier()
    private let control = DispatchQueue(label: "recur.control")
    private let writer = DispatchQueue(label: "recur.writer", qos: .utility)
    private let finished = DispatchSemaphore(value: 0)
    private var claims: ClaimStore?
    private var watcher: DirectoryWatcher?
    private var models: [String: RecurModel] = [:]
    private var workers: [String: ModelWorker] = [:]
    private var runs: [String: JobRun] = [:]
    private var rowsInFlight = 0
    /// Jobs whose results could not be written even as a failure, by file name. After
    /// `maximumWriteFailures` this daemon leaves them in incoming/ (the spool needs an
    /// operator) instead of sampling them again and again.
    private var writeFailures: [String: Int] = [:]
    private static let maximumWriteFailures = 3
    private var stopping = false
    private var exitCode: Int32 = 0
    private var statistics = DaemonStatistics()
    private var timers: [DispatchSourceTimer] = []

    /// A daemon for `options`; nothing happens until `run()`.
    public init(options: DaemonOptions, logger: Logger) {
        self.options = options
        layout = SpoolLayout(root: options.spool)
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT (or, with `once`, until the spool is drained) and
    /// returns the exit status.
    public func run() -> Int32 {
        control.async { self.start() }
        // Caught right after start() is queued: a signal that came earlier (pending, or
        // blocked by the parent) is handled now, and its shutdown runs after start() on
        // the serial control queue.
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT, SIGHUP]) { [weak self] signal in
            guard let self else { return }
            self.control.async { signal == SIGHUP ? self.reloadModels() : self.beginShutdown(signal: signal) }
        }
        defer { withExtendedLifetime(signals) {} }
        finished.wait()
        return exitCode
    }

    // MARK: - Start and stop (control queue)

    private func start() {
        // A file-size limit (ulimit -f) must fail a write with EFBIG, which the job's
        // error path handles, not kill the daemon.
        signal(SIGXFSZ, SIG_IGN)
        do {
            try layout.create()
            claims = try ClaimStore(layout: layout)
        } catch {
            logger.critical("cannot use spool \(layout.root): \(error)")
            exitCode = 1
            finished.signal()
            return
        }
        loadModels()
        recover()
        do {
            watcher = try DirectoryWatcher(directory: layout.incoming, rescanInterval: options.rescanInterval, queue: control) { [weak self] names in
                guard let self else { return }
                if names == nil { self.recover() }
                self.scan()
            }
        } catch {
            logger.critical("cannot watch \(layout.incoming): \(error)")
            exitCode = 1
            shutdownNow()
            return
        }
        logger.info("serving \(layout.root) as \(claims?.daemonID ?? "?") with \(models.count) model(s): \(models.keys.sorted().joined(separator: ", "))")
        scan()
        notifier.notify("READY=1\nSTATUS=\(statusLine())")
        startTimers()
    }

    private func startTimers() {
        let status = DispatchSource.makeTimerSource(queue: control)
        status.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(100))
        status.setEventHandler { [weak self] in self?.writeStatus() }
        status.resume()
        timers.append(status)
        if let interval = notifier.watchdogInterval {
            let watchdog = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "recur.watchdog"))
            watchdog.schedule(deadline: .now(), repeating: interval, leeway: .milliseconds(10))
            let notifier = self.notifier
            watchdog.setEventHandler { notifier.notify("WATCHDOG=1") }
            watchdog.resume()
            timers.append(watchdog)
        }
    }

    private func beginShutdown(signal: Int32) {
        // Nothing to stop when start() failed: run() has already returned.
        guard !stopping, claims != nil else { return }
        stopping = true
        watcher?.cancel()
        notifier.notify("STOPPING=1")
        logger.info("signal \(signal): stopping; \(runs.count) job(s) running, \(Int(options.grace)) s grace")
        if runs.isEmpty { shutdownNow(); return }
        control.asyncAfter(deadline: .now() + options.grace) { [weak self] in self?.expireGrace() }
    }

    private func expireGrace() {
        for run in runs.values where run.abandon() {
            do {
                try claims?.requeue(run.claimed)
                SpoolIO.remove(run.work)
                logger.info("job \(run.id): requeued at shutdown")
            } catch {
                logger.error("job \(run.id): could not requeue: \(error)")
            }
            runs[run.key] = nil
        }
        writer.sync {}
        shutdownNow()
    }

    private func shutdownNow() {
        for timer in timers { timer.cancel() }
        writeStatus()
        claims?.release()
        logger.info("stopped")
        finished.signal()
    }

    // MARK: - Models

    private func loadModels() {
        let catalog = ModelCatalog(directory: options.modelsDirectory)
        var loaded: [String: RecurModel] = [:]
        for entry in catalog.entries() {
            if let existing = models[entry.name], existing.path == entry.path, existing.fileSize == fileSize(entry.path) {
                loaded[entry.name] = existing
                continue
            }
            do {
                loaded[entry.name] = try RecurModel(contentsOf: entry.path)
            } catch {
                logger.error("skipping model \(entry.path): \(error.message)")
            }
        }
        models = loaded
    }

    private func reloadModels() {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(DispatchTime.now().uptimeNanoseconds / 1000)")
        let before = Set(models.keys)
        loadModels()
        logger.info("reloaded models: \(models.keys.sorted().joined(separator: ", ")) (new: \(Set(models.keys).subtracting(before).sorted().joined(separator: ", ")))")
        notifier.notify("READY=1")
        scan()
    }

    private func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    }

    // MARK: - Claiming and validation (control queue)

    private func recover() {
        guard let claims else { return }
        let count = claims.recoverDeadDaemons { path, id, message in
            self.failClaimed(path, id: id, error: JobError(error: message, field: nil, value: nil,
                hint: "the job may crash the daemon; check its size and model, then submit it again"))
        }
        if count > 0 { logger.info("requeued \(count) job(s) of dead daemons") }
    }

    private func scan() {
        guard !stopping, let claims else { return }
        let incoming = layout.incoming
        var names: [(name: String, modified: Double)] = []
        for name in SpoolIO.list(incoming) where SpoolLayout.isJobName(name) && !isHeld(name) {
            names.append((name, SpoolIO.modificationTime(incoming + "/" + name)))
        }
        // Oldest first: fair order across jobs.
        names.sort { a, b in a.modified != b.modified ? a.modified < b.modified : a.name < b.name }
        for (name, modified) in names {
            guard rowsInFlight < options.maximumRows else { break }
            guard let claimed = claims.claim(name) else { continue }
            statistics.claimed += 1
            start(claimed: claimed, name: name, received: Date(timeIntervalSince1970: modified))
        }
        if options.once && runs.isEmpty && !stopping
            && SpoolIO.list(layout.incoming).filter({ SpoolLayout.isJobName($0) && !isHeld($0) }).isEmpty {
            writer.sync {}
            if runs.isEmpty {
                stopping = true
                logger.info("spool drained (--once)")
                shutdownNow()
            }
        }
    }

    /// Counts a failure to write anything for the job file `name` (control queue).
    private func noteWriteFailure(_ name: String, id: String) {
        writeFailures[name, default: 0] += 1
        if writeFailures[name] == Self.maximumWriteFailures {
            logger.error("job \(id): nothing could be written for it \(Self.maximumWriteFailures) times (is the spool full or read-only?); left in incoming/ until this daemon restarts")
        }
    }

    private func isHeld(_ name: String) -> Bool {
        (writeFailures[name] ?? 0) >= Self.maximumWriteFailures
    }

    private func start(claimed: String, name: String, received: Date) {
        let id = SpoolLayout.jobID(fileName: name)
        let job: Job
        let model: RecurModel
        let prepared: PreparedRequest
        do throws(JobError) {
            let data = try JobFile.read(path: claimed, limits: options.limits)
            job = try JobFile.parse(data, limits: options.limits)
            guard let found = models[job.model] else {
                throw JobError(error: "unknown model '\(job.model)'", field: "model", value: job.model,
                               hint: models.isEmpty ? "this daemon has no models; add one to its models directory and send SIGHUP"
                                   : "use one of: \(models.keys.sorted().joined(separator: ", "))")
            }
            model = found
            var seeded = job
            seeded.request.seed = job.seed ?? UInt64.random(in: 0...UInt64(Int64.max))
            prepared = try seeded.prepared(for: model, limits: options.limits)
        } catch {
            failClaimed(claimed, id: id, error: error)
            return
        }
        let work: String
        do {
            work = try claims!.makeWorkDirectory(for: claimed)
        } catch {
            logger.error("job \(id): cannot create a work directory (\(error)); requeued")
            try? claims?.requeue(claimed)
            noteWriteFailure(name, id: id)
            return
        }
        let key = (work as NSString).lastPathComponent
        let run = JobRun(id: id, key: key, claimed: claimed, work: work, job: job, prepared: prepared, model: model, received: received)
        runs[key] = run
        rowsInFlight += prepared.request.count
        logger.info("job \(id): claimed (\(prepared.request.count) × \(prepared.request.length) tokens, model \(model.name), seed \(prepared.request.seed))")
        worker(for: model).add(prepared, key: key)
    }

    private func worker(for model: RecurModel) -> ModelWorker {
        if let existing = workers[model.name], existing.model.dataSHA256 == model.dataSHA256 { return existing }
        let worker = ModelWorker(model: model, threads: options.workers) { [weak self] sample in
            self?.sampleFinished(sample)
        }
        workers[model.name] = worker
        return worker
    }

    // MARK: - Results (sampler → writer → control)

    private func sampleFinished(_ sample: Sample) {
        control.async {
            guard let run = self.runs[sample.id.request], run.record(sample) else { return }
            self.writer.async { self.publish(run) }
        }
    }

    private func publish(_ run: JobRun) {
        do {
            let files = try JobOutputs.write(run)
            let target = try claims!.publish(work: run.work, claimed: run.claimed, jobID: run.id, succeeded: true)
            let tokens = run.completed.reduce(0) { $0 + $1.generatedTokens }
            logger.info("job \(run.id): done in \(String(format: "%.2f", Date().timeIntervalSince(run.received))) s, \(tokens) tokens, \(files.count) file(s) in \(target)")
            control.async { self.runEnded(run, outcome: .done, tokens: tokens) }
        } catch {
            // Writing failed (no space, a file-size limit, permissions…): fail the job with
            // error.json in a fresh work directory, keeping the claim; if even that cannot
            // be written, put the job back in incoming/. Never half-published, never lost.
            logger.error("job \(run.id): cannot write results: \(error)")
            claims!.discardWork(run.work, claimed: run.claimed)
            let jobError = JobError(error: "writing the results failed: \(error)", field: nil, value: nil,
                                    hint: "free space, raise the file-size limit or fix permissions in the spool, or ask for less output; then submit the job again")
            var work: String?
            do {
                work = try claims!.makeWorkDirectory(for: run.claimed)
                try JobOutputs.writeError(jobError, to: work!)
                try claims!.publish(work: work!, claimed: run.claimed, jobID: run.id, succeeded: false)
                control.async { self.runEnded(run, outcome: .failed, tokens: 0) }
                return
            } catch {
                logger.error("job \(run.id): cannot write failed/ either (\(error)); requeued")
                claims!.abandon(work: work, claimed: run.claimed)
            }
            control.async { self.runEnded(run, outcome: .writeFailed, tokens: 0) }
        }
    }

    private func failClaimed(_ claimed: String, id: String, error: JobError) {
        statistics.failed += 1
        logger.warning("job \(id): failed: \(error)")
        writer.async {
            var work: String?
            do {
                work = try self.claims!.makeWorkDirectory(for: claimed)
                try JobOutputs.writeError(error, to: work!)
                try self.claims!.publish(work: work!, claimed: claimed, jobID: id, succeeded: false)
            } catch {
                self.logger.error("job \(id): cannot write failed/ (\(error)); requeued")
                self.claims?.abandon(work: work, claimed: claimed)
                let name = (claimed as NSString).lastPathComponent
                self.control.async { self.noteWriteFailure(name, id: id) }
            }
        }
    }

    private enum Outcome { case done, failed, requeued, writeFailed }

    private func runEnded(_ run: JobRun, outcome: Outcome, tokens: Int) {
        run.markFinished()
        runs[run.key] = nil
        rowsInFlight -= run.prepared.request.count
        switch outcome {
        case .done:
            statistics.done += 1
            statistics.tokens += tokens
            statistics.latencies.append(Date().timeIntervalSince(run.received))
        case .failed: statistics.failed += 1
        case .requeued: break
        case .writeFailed: noteWriteFailure((run.claimed as NSString).lastPathComponent, id: run.id)
        }
        if stopping {
            if runs.isEmpty { shutdownNow() }
        } else {
            scan()
        }
    }

    // MARK: - Status

    private func statusLine() -> String {
        "\(runs.count) running, \(SpoolIO.list(layout.incoming).filter(SpoolLayout.isJobName).count) queued, \(statistics.done) done, \(statistics.failed) failed, \(Int(statistics.tokensPerSecond)) tokens/s"
    }

    private func writeStatus() {
        let generated = workers.values.reduce(0) { $0 + $1.takeGeneratedCount() }
        statistics.tick(generated: generated)
        let snapshot = statistics.snapshot(
            daemon: claims?.daemonID ?? "", spool: layout, running: runs.values.map { ($0.id, $0.model.name, $0.prepared.request.count) },
            models: models.values.sorted { $0.name < $1.name }.map { ($0.name, $0.network.cell.rawValue, $0.vocabulary.kind.rawValue, $0.dataSHA256) })
        try? AtomicFile.write(snapshot, to: layout.status)
        if let metrics = options.metricsFile { try? AtomicFile.write(Data(statistics.prometheus().utf8), to: metrics) }
        notifier.notify("STATUS=\(statusLine())")
    }
}
