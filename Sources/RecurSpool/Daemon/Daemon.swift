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
//   incoming/X.json ──inotify / rescan──▶ [recur.control]  claim (rename into active/D/),
//                                           │                read + validate, pick the model
//                                           │ valid                      │ invalid
//                                           ▼                            ▼
//                 [recur.sampler.MODEL] one running batch a model   [recur.writer] error.json,
//                   rows join and leave every step; its kernels       publish to failed/
//                   split products with one spinning helper thread
//                                           │ last sample of the job
//                                           ▼
//                 [recur.writer] samples (text, ABC, MIDI, audio …), result.json,
//                   job.json moved in, one rename to done/ID/ (ResultPublisher)
//                                           │
//                                           ▼
//                 [recur.control] bookkeeping, claim more, status.json every second
//
// [recur.signals] turns SIGTERM/SIGINT/SIGHUP (a self-pipe) into work on [recur.control].
// [recur.watchdog] pings systemd only while [recur.control] answers its probes and every
// [recur.sampler.MODEL] with rows steps (ProgressWatchdog).
// Locks: the daemon holds flock on active/D/.lock for its life (a dead daemon's claims are
// found by that lock coming free); all daemon state is confined to [recur.control], and
// every method of Daemon below "control queue" checks it (dispatchPrecondition); a
// sampler's rows are its own queue's; JobRun guards its samples with its own lock.

/// `recur serve`: watches a spool, runs jobs in batches, publishes results exactly once.
///
/// Its models (Daemon+Models.swift) and its reports (Daemon+Status.swift) are extensions in
/// files of their own; the state they share is internal to RecurSpool for that reason, and
/// confined to the control queue like the rest.
public final class Daemon: @unchecked Sendable {
    let options: DaemonOptions
    let layout: SpoolLayout
    let logger: Logger
    let notifier = SystemdNotifier()
    let control = DispatchQueue(label: "recur.control")
    private let writer = DispatchQueue(label: "recur.writer", qos: .utility)
    private let finished = DispatchSemaphore(value: 0)
    var claims: ClaimStore?
    var watcher: DirectoryWatcher?
    var registry = ModelRegistry()
    var models: [String: RecurModel] { registry.models }
    var modelWorkers: [String: ModelWorker] = [:]
    /// Workers replaced by a reload that still finish their batches on the old weights.
    var retiredWorkers: [ModelWorker] = []
    var runs: [String: JobRun] = [:]
    private var rowsInFlight = 0
    /// incoming/ as last listed, plus what inotify reported since.
    var waiting = IncomingQueue()
    /// When incoming/ was last listed whole (uptime seconds), and whether the spool is
    /// shared with other hosts (Daemon+Watch.swift).
    var lastListing = 0.0
    var lastListingSeconds = 0.0
    var spoolIsShared = false
    /// Jobs whose results could not be written even as a failure, by file name. After
    /// `maximumWriteFailures` this daemon leaves them in incoming/ (the spool needs an
    /// operator) instead of sampling them again and again.
    var writeFailures: [String: Int] = [:]
    static let maximumWriteFailures = 3
    private var stopping = false
    /// Set by the first `shutdownNow`: the claim is released and the process told to
    /// exit exactly once.
    var shutDown = false
    var exitCode: Int32 = 0
    var statistics = DaemonStatistics()
    /// When claiming resumes after the spool was found full (Daemon+SpoolSpace.swift).
    var shortage = SpaceShortage()
    private var timers: [DispatchSourceTimer] = []
    /// The status files whose last write failed, so that a failure is logged once and its
    /// end once, not every second.
    var failingWrites: Set<String> = []
    var watchdog: ProgressWatchdog?

    /// A daemon for `options`; nothing happens until `run()`.
    public init(options: DaemonOptions, logger: Logger) {
        self.options = options
        layout = SpoolLayout(root: options.spool)
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT (or, with `once`, until the spool is drained) and
    /// returns the exit status.
    public func run() -> Int32 {
        control.async { self.startUp() }
        // Caught right after startUp() is queued: a signal that came earlier (pending, or
        // blocked by the parent) is handled now, and its shutdown runs after startUp() on
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

    private func startUp() {
        dispatchPrecondition(condition: .onQueue(control))
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
        if let directory = options.modelsDirectory, !SpoolIO.isDirectory(directory) {
            logger.warning("the models directory \(directory) does not exist; jobs fail until it holds models (then send SIGHUP)")
        } else if options.modelsDirectory == nil, case let catalog = ModelCatalog(), catalog.directory == nil {
            logger.warning(
                "no models directory found: \(catalog.searchDescription); jobs fail until one holds models (give --models DIR or set RECUR_MODELS, then restart)"
            )
        }
        recover()
        guard watchIncoming() else { return }
        logger.info(
            "serving \(layout.root) as \(claims?.daemonID ?? "?") with \(models.count) model(s): \(models.keys.sorted().joined(separator: ", "))"
        )
        logger.info("audio: \(AudioRenderer.defaultSynthDescription())")
        scan(.everything)
        notifier.notify("READY=1\nSTATUS=\(statusLine(queued: queuedCount(listing: true)))")
        startTimers()
    }

    private func startTimers() {
        dispatchPrecondition(condition: .onQueue(control))
        let status = DispatchSource.makeTimerSource(queue: control)
        status.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(100))
        status.setEventHandler { [weak self] in
            self?.writeStatus()
            // A full spool is looked at again every second: claiming resumes by itself.
            if self?.statistics.spoolFull != nil { self?.scan(nil) }
        }
        status.resume()
        timers.append(status)
        // Under systemd's watchdog, its interval; else a heartbeat every 5 s for probes.
        let claims = self.claims
        let watchdog = ProgressWatchdog(
            interval: notifier.watchdogInterval ?? 5, control: control, notifier: notifier, logger: logger,
            pingsSystemd: notifier.watchdogInterval != nil, onProgress: { claims?.heartbeat() })
        for worker in modelWorkers.values { watchdog.watch(worker.progress) }
        watchdog.start()
        self.watchdog = watchdog
    }

    private func beginShutdown(signal: Int32) {
        dispatchPrecondition(condition: .onQueue(control))
        // Nothing to stop when startUp() failed: run() has already returned.
        guard !stopping, claims != nil else { return }
        stopping = true
        watcher?.cancel()
        notifier.notify("STOPPING=1")
        logger.info("signal \(signal): stopping; \(runs.count) job(s) running, \(String(format: "%g", options.grace)) s grace")
        if runs.isEmpty {
            shutdownNow()
            return
        }
        control.asyncAfter(deadline: .now() + options.grace) { [weak self] in self?.expireGrace() }
    }

    private func expireGrace() {
        dispatchPrecondition(condition: .onQueue(control))
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
        shutdownNow()
    }

    /// Stops for good, once, however many paths ask (the end of the grace period, the
    /// last run ending, --once draining): the writer finishes what it was given — an
    /// error.json cut off would be recovered later as the job of a dead daemon — then the
    /// claim is released and `run()` returns.
    func shutdownNow() {
        dispatchPrecondition(condition: .onQueue(control))
        guard !shutDown else { return }
        shutDown = true
        stopping = true
        watcher?.cancel()
        for timer in timers { timer.cancel() }
        watchdog?.cancel()
        writer.async {
            self.control.async {
                self.writeStatus()
                self.claims?.release()
                self.logger.info("stopped")
                self.finished.signal()
            }
        }
    }

    // MARK: - Claiming and validation (control queue)

    func recover() {
        dispatchPrecondition(condition: .onQueue(control))
        guard !stopping, let claims else { return }
        // Presumed dead, a daemon recovers nothing: it holds no claim directory to take
        // jobs into, and must not act under its old identity at all.
        if claims.isPresumedDead { return exitPresumedDead() }
        let count = claims.recoverDeadDaemons { path, id, message in
            self.failClaimed(
                path, id: id,
                error: JobError(
                    error: message, field: nil, value: nil,
                    hint: "the job may crash the daemon; check its size and model, then submit it again"))
        }
        if count > 0 { logger.info("requeued \(count) job(s) of dead daemons") }
    }

    /// Claims the oldest waiting jobs while there is room. `change` says what to learn
    /// of incoming/ first: `.everything` lists it, `.names` looks at those names only, and
    /// nil (a job ended) takes from what is already known.
    func scan(_ change: DirectoryChange?) {
        dispatchPrecondition(condition: .onQueue(control))
        guard !stopping, let claims else { return }
        if let change { learn(change) }
        claimWaiting(claims)
        if options.once && runs.isEmpty && !stopping && statistics.spoolFull != nil {
            giveUpFullSpool()
        } else if options.once && runs.isEmpty && !stopping && waiting.isEmpty {
            // A failure still being written may put its job back in incoming/: drain the
            // writer, then look again.
            writer.sync {}
            learn(.everything)
            if waiting.isEmpty {
                logger.info("spool drained (--once)")
                shutdownNow()
            } else {
                claimWaiting(claims)
            }
        }
    }

    private func learn(_ change: DirectoryChange) {
        dispatchPrecondition(condition: .onQueue(control))
        let incoming = layout.incoming
        func entry(_ name: String) -> IncomingQueue.Entry? {
            guard SpoolLayout.isJobName(name), !isHeld(name), let modified = SpoolIO.modificationTime(incoming + "/" + name)
            else { return nil }
            return IncomingQueue.Entry(name: name, modified: modified)
        }
        switch change {
        case .everything:
            let started = ProcessInfo.processInfo.systemUptime
            waiting.replace(with: SpoolIO.list(incoming).compactMap(entry))
            lastListing = ProcessInfo.processInfo.systemUptime
            lastListingSeconds = lastListing - started
        case .names(let names): for arrived in names.compactMap(entry) { waiting.insert(arrived) }
        }
    }

    private func claimWaiting(_ claims: ClaimStore) {
        dispatchPrecondition(condition: .onQueue(control))
        guard waiting.isEmpty || spaceAllowsClaiming() else { return }
        if !waiting.isEmpty && claims.isPresumedDead { return exitPresumedDead() }
        while rowsInFlight < options.maximumRows, let next = waiting.popOldest() {
            guard !isHeld(next.name), let claimed = claims.claim(next.name) else { continue }
            statistics.claimed += 1
            startJob(claimed: claimed, name: next.name, received: Date(timeIntervalSince1970: next.modified))
        }
    }

    private func startJob(claimed: String, name: String, received: Date) {
        dispatchPrecondition(condition: .onQueue(control))
        Failpoint.stallControl.stallIfActive()
        let id = SpoolLayout.jobID(fileName: name)
        let job: Job
        let model: RecurModel
        let prepared: PreparedRequest
        do throws(JobError) {
            let data = try JobFile.read(path: claimed, limits: options.limits)
            job = try JobFile.parse(data, limits: options.limits)
            guard let found = models[job.model] else {
                throw JobError(
                    error: "unknown model '\(job.model)'", field: "model", value: JSONValue.quoted(job.model),
                    hint: models.isEmpty
                        ? "this daemon has no models; add one to its models directory and send SIGHUP"
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
        } catch  where SpoolSpace.isOutOfSpace(error) {
            deferToSpace(claimed: claimed, id: id, why: "cannot create a work directory: \(error)")
            return
        } catch {
            logger.error("job \(id): cannot create a work directory (\(error)); requeued")
            try? claims?.requeue(claimed)
            noteWriteFailure(name, id: id)
            return
        }
        let key = (work as NSString).lastPathComponent
        let run = JobRun(
            id: id, key: key, claimed: claimed, work: work, job: job, prepared: prepared, model: model, received: received)
        runs[key] = run
        rowsInFlight += prepared.request.rows
        logger.info(
            "job \(id): claimed (\(prepared.request.count) × \(prepared.request.length) tokens\(prepared.request.searchDescription), model \(model.name), seed \(prepared.request.seed))"
        )
        worker(for: model).add(prepared, key: key)
    }

    // MARK: - Results (sampler → writer → control)

    func sampleFinished(_ sample: Sample) {
        control.async {
            guard let run = self.runs[sample.id.request], run.record(sample) else { return }
            self.writer.async { self.publish(run) }
        }
    }

    private func publish(_ run: JobRun) {
        let outcome = ResultPublisher(claims: claims!, logger: logger).publish(run)
        control.async { self.runEnded(run, outcome: outcome) }
    }

    private func failClaimed(_ claimed: String, id: String, error: JobError) {
        dispatchPrecondition(condition: .onQueue(control))
        statistics.failed += 1
        logger.warning("job \(id): failed: \(error)")
        writer.async {
            guard !ResultPublisher(claims: self.claims!, logger: self.logger).fail(claimed: claimed, id: id, error: error) else {
                self.control.async { self.writeStatus(tick: false) }
                return
            }
            let name = (claimed as NSString).lastPathComponent
            self.control.async { self.noteWriteFailure(name, id: id) }
        }
    }

    private func runEnded(_ run: JobRun, outcome: ResultPublisher.Outcome) {
        dispatchPrecondition(condition: .onQueue(control))
        run.markFinished()
        runs[run.key] = nil
        rowsInFlight -= run.prepared.request.rows
        switch outcome {
        case .done:
            statistics.done += 1
            statistics.latency.observe(Date().timeIntervalSince(run.received))
            shortage.pause = SpaceShortage.shortestPause
        case .failed: statistics.failed += 1
        case .writeFailed: noteWriteFailure((run.claimed as NSString).lastPathComponent, id: run.id)
        case .deferred(let why): deferToSpace(claimed: run.claimed, id: run.id, why: why)
        case .lost: if claims?.isPresumedDead == true { exitPresumedDead() }
        }
        // A client that saw the result appear reads a status that counts it.
        writeStatus(tick: false)
        if stopping {
            if runs.isEmpty { shutdownNow() }
        } else {
            scan(nil)
        }
    }
}
