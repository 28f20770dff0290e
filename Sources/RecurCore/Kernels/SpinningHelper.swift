import Dispatch
import Foundation
import Synchronization

/// One helper thread for two-way splits of short, frequent products — batch 1 makes two
/// per token, each ~150 µs — that spins for the next job a little while before sleeping.
///
/// `DispatchQueue.concurrentPerform` wakes a pool thread through a futex for every call
/// (tens of microseconds on this kind of VM, with a context switch on both sides); a
/// helper already spinning starts within a few hundred nanoseconds. On a VM an idle vCPU
/// is halted, and waking it costs far more than the futex itself: with the helper,
/// sampling at batch 1, 16 and 64 measured 15–20 % faster (docs/SAMPLING.md). After a job
/// it polls 200,000 times (0.2–0.35 ms here, longer than a batch-1 token) and then
/// blocks, so an idle daemon does not burn a core.
final class SpinningHelper: @unchecked Sendable {
    static let shared = SpinningHelper()

    /// Generation of the last job posted, and of the last one the helper finished.
    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    /// Held by the caller using the helper; other callers fall back to Dispatch.
    private let taken = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// Written by the caller before `posted` moves on, read by the helper after.
    private var job: (@Sendable () -> Void)?

    /// Products use `shared`; tests make their own so that no other test holds it.
    init() {
        let thread = Thread { [self] in loop() }
        thread.name = "recur-kernel-helper"
        thread.start()
    }

    /// Runs `here` on this thread and `there` on the helper at the same time and returns
    /// when both are done; returns false, running neither, when another caller has the
    /// helper.
    func run(_ here: () -> Void, _ there: @escaping @Sendable () -> Void) -> Bool {
        guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { taken.store(false, ordering: .releasing) }
        job = there
        let generation = posted.add(1, ordering: .sequentiallyConsistent).newValue
        // The helper announces sleep before its last look at `posted` (both sequentially
        // consistent): either it sees this job or this sees it sleeping.
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
        here()
        var spins = 0
        while finished.load(ordering: .acquiring) != generation {
            spins += 1
            if spins > 4_096 { sched_yield() }  // the helper lost its core: let it run
        }
        job = nil
        return true
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            while posted.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < 200_000 { continue }
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if posted.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleeping.store(false, ordering: .sequentiallyConsistent)
                spins = 0
            }
            seen = posted.load(ordering: .acquiring)
            job?()
            finished.store(seen, ordering: .releasing)
        }
    }
}
