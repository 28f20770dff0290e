import Dispatch
import Foundation
import RecurCore

/// The one running batch of a model: requests for the same model join it at any step
/// and leave when their samples end (continuous batching), on the model's own serial
/// queue. Finished samples are handed to `onSample` — off this queue's hot loop, the
/// caller decides where rendering and writing happen.
final class ModelWorker: @unchecked Sendable {
    let model: RecurModel
    let queue: DispatchQueue
    /// Beats after every step while the batch has rows, for the watchdog.
    let progress: ProgressBeacon
    private let lock = NSLock()
    private var inbox: [(PreparedRequest, String)] = []
    private var running = false
    private var sampler: BatchSampler
    private let onSample: @Sendable (Sample) -> Void
    private var generated = 0

    init(model: RecurModel, threads: Int, onSample: @escaping @Sendable (Sample) -> Void) {
        self.model = model
        queue = DispatchQueue(label: "recur.sampler.\(model.name)", qos: .userInitiated)
        progress = ProgressBeacon(name: "sampler \(model.name) (data_sha256 \(model.dataSHA256.prefix(12)))")
        sampler = BatchSampler(model: model, threads: threads)
        self.onSample = onSample
    }

    /// Adds every sample of a request under `key` (the job's key).
    func add(_ request: PreparedRequest, key: String) {
        lock.lock()
        inbox.append((request, key))
        let start = !running
        running = true
        lock.unlock()
        // From here the batch owes steps, even before its queue picks it up.
        if start { progress.expectProgress(true) }
        if start { queue.async { self.loop() } }
    }

    /// Whether the batch is empty and nothing waits to join it.
    var isIdle: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !running
    }

    /// Tokens generated since the last call (for tokens/s).
    func takeGeneratedCount() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let n = generated
        generated = 0
        return n
    }

    private func loop() {
        while true {
            lock.lock()
            let joining = inbox
            inbox.removeAll()
            if joining.isEmpty && sampler.activeCount == 0 {
                running = false
                progress.expectProgress(false)
                lock.unlock()
                return
            }
            lock.unlock()
            for (request, key) in joining { sampler.joinAll(request, key: key) }
            let rows = sampler.activeCount
            Failpoint.stallSampler.stallIfActive()
            for event in sampler.step() {
                if case .finished(let sample) = event { onSample(sample) }
            }
            progress.beat()
            lock.lock()
            generated += rows
            lock.unlock()
        }
    }
}
