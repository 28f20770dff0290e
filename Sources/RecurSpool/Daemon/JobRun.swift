import Foundation
import RecurCore
import RecurMusic

/// One claimed job from validation to publication.
final class JobRun: @unchecked Sendable {
    enum Phase { case sampling, writing, finished, abandoned }

    let id: String
    let key: String
    let claimed: String
    let work: String
    let job: Job
    let prepared: PreparedRequest
    let model: RecurModel
    let received: Date
    let started = Date()
    private let lock = NSLock()
    private var samples: [Sample?]
    private var remaining: Int
    private(set) var phase = Phase.sampling

    init(
        id: String, key: String, claimed: String, work: String, job: Job, prepared: PreparedRequest, model: RecurModel,
        received: Date
    ) {
        self.id = id
        self.key = key
        self.claimed = claimed
        self.work = work
        self.job = job
        self.prepared = prepared
        self.model = model
        self.received = received
        samples = Array(repeating: nil, count: prepared.request.count)
        remaining = prepared.request.count
    }

    /// Records a finished sample; true when it was the last one (the run moves to writing).
    func record(_ sample: Sample) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard phase == .sampling, samples[sample.id.index] == nil else { return false }
        samples[sample.id.index] = sample
        remaining -= 1
        if remaining == 0 {
            phase = .writing
            return true
        }
        return false
    }

    /// Marks a still-sampling run as given up (shutdown); false if it is already writing.
    func abandon() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard phase == .sampling else { return false }
        phase = .abandoned
        return true
    }

    func markFinished() {
        lock.lock()
        phase = .finished
        lock.unlock()
    }

    /// How many samples are finished.
    var completedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return samples.count - remaining
    }

    /// The finished samples in index order.
    var completed: [Sample] {
        lock.lock()
        defer { lock.unlock() }
        return samples.compactMap { $0 }
    }
}
