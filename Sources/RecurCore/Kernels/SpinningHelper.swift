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
///
/// On a busy host the helper may not be running: its core is shared with another
/// process, which the scheduler hands the core for milliseconds at a time, or with the
/// caller itself. Three rules keep that from costing more than one thread would:
/// - The helper's half is claimed (one atomic exchange) by whoever gets to it first. A
///   caller done with its own half while the helper has not started runs the other half
///   itself, instead of waiting for a thread that may be descheduled for milliseconds.
/// - A helper that finds itself spinning on the caller's CPU (`CurrentCPU`), where it
///   only takes time from the caller, moves to another CPU it may use; with none, it
///   sleeps. Waking a thread tends to put it on the waker's CPU, so sleeping there
///   brought it back to the same place: one run in three at batch 16 began with five
///   such signs in a row and spent most of its products alone.
/// - After any of these signs — an awake helper that did not start, a started half that
///   took longer than the caller's own, a helper on the caller's CPU — the caller runs
///   alone for a while, then tries the helper again. The pause starts at 2 ms, doubles
///   with each sign up to 256 ms and halves after every 64 clean parallel calls: a
///   helper that keeps losing its core is tried a few times a second, and a stall costs
///   a few percent at most. A wait under 50 µs is no sign, nor is anything in the first
///   four calls after a pause (the helper was asleep): on a quiet VM such noise kept one
///   core idle most of the time. `scripts/bench-contention` measures the result against
///   one thread, on a quiet and on a busy machine.
public final class SpinningHelper: @unchecked Sendable {
    static let shared = SpinningHelper()

    /// Generation of the last job posted, of the last one claimed (by the helper or
    /// taken back by the caller), and of the last one the helper finished.
    private let posted = Atomic<Int>(0)
    private let claimed = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    /// The CPU the caller last posted from, and whether the helper found itself
    /// spinning on that same CPU (where it only takes time from the caller).
    private let callerCPU = Atomic<Int>(-1)
    private let crowded = Atomic<Bool>(false)
    /// Held by the caller using the helper; other callers fall back to Dispatch.
    private let taken = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// Written by the caller before `posted` moves on, read by the helper after it
    /// claims the generation (the caller waits for a claimed job before changing it).
    private var job: (@Sendable () -> Void)?
    /// Caller-side, under `taken`: when to try the helper again, and the next pause.
    private var aloneUntil: UInt64 = 0
    private var pause: UInt64 = SpinningHelper.shortestPause
    /// Parallel calls in a row without a sign of trouble; every 64 halve the pause.
    private var cleanCalls = 0
    /// Calls left in which a late helper is not a sign: the first after a pause (or after
    /// the helper was made), when the helper was asleep and its vCPU halted, and a late
    /// start says nothing about its core.
    private var warmUpCalls = SpinningHelper.warmUp
    /// A wait for the helper shorter than this is never a sign, nor a helper that did not
    /// start within a call this short: on a VM a quiet core's helper is now and then tens
    /// of microseconds late, and treating that as a lost core left one core idle for up
    /// to 256 ms at a time.
    private static let negligibleWait: UInt64 = 50_000
    private static let warmUp = 4

    /// Calls split with the helper, calls run alone during a pause, and pauses begun:
    /// what `recur bench` reports, so that a slow two-thread run says whether the helper
    /// stood aside or the machine was slow.
    private let parallelCalls = Atomic<Int>(0)
    private let aloneCalls = Atomic<Int>(0)
    private let pausesBegun = Atomic<Int>(0)

    private static let shortestPause: UInt64 = 2_000_000
    private static let longestPause: UInt64 = 256_000_000

    /// Products use `shared`; tests make their own so that no other test holds it.
    init() {
        let thread = Thread { [self] in loop() }
        thread.name = "recur-kernel-helper"
        thread.start()
    }

    /// Runs `here` and `there`, at the same time on this thread and the helper when it
    /// is free, and returns when both are done; returns false, running neither, when
    /// another caller has the helper.
    func run(_ here: () -> Void, _ there: @escaping @Sendable () -> Void) -> Bool {
        guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { taken.store(false, ordering: .releasing) }
        let started = DispatchTime.now().uptimeNanoseconds
        if crowded.exchange(false, ordering: .relaxed) { runAlone(from: started) }
        if started < aloneUntil {
            aloneCalls.add(1, ordering: .relaxed)
            here()
            there()
            return true
        }
        if aloneUntil != 0 {
            aloneUntil = 0
            warmUpCalls = Self.warmUp
        }
        let warmingUp = warmUpCalls > 0
        if warmingUp { warmUpCalls -= 1 }
        parallelCalls.add(1, ordering: .relaxed)
        job = there
        callerCPU.store(CurrentCPU.number ?? -1, ordering: .relaxed)
        let generation = posted.add(1, ordering: .sequentiallyConsistent).newValue
        // The helper announces sleep before its last look at `posted` (both sequentially
        // consistent): either it sees this job or this sees it sleeping.
        let asleep = sleeping.load(ordering: .sequentiallyConsistent)
        if asleep { wake.signal() }
        here()
        if claimed.compareExchange(expected: generation - 1, desired: generation, ordering: .acquiringAndReleasing).exchanged {
            // The helper has not started: no waiting for a thread that may not run.
            there()
            job = nil
            // Awake, it should have started within microseconds: it has no core. (Not
            // within a few microseconds, though: that says no more than a short wait.)
            let now = DispatchTime.now().uptimeNanoseconds
            if !asleep && !warmingUp && now - started > Self.negligibleWait { runAlone(from: now) }
            return true
        }
        let ownHalf = DispatchTime.now().uptimeNanoseconds - started
        let waitFrom = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while finished.load(ordering: .acquiring) != generation {
            spins += 1
            if spins > 4_096 { sched_yield() }  // the helper lost its core: let it run
        }
        job = nil
        let now = DispatchTime.now().uptimeNanoseconds
        if now - waitFrom > max(ownHalf, Self.negligibleWait) && !warmingUp {
            runAlone(from: now)
        } else {
            cleanCalls += 1
            if cleanCalls >= 64 {
                cleanCalls = 0
                pause = max(pause / 2, Self.shortestPause)
            }
        }
        return true
    }

    /// Stops posting jobs for the current pause, and doubles the next one.
    private func runAlone(from now: UInt64) {
        pausesBegun.add(1, ordering: .relaxed)
        cleanCalls = 0
        aloneUntil = now + pause
        pause = min(pause * 2, Self.longestPause)
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            while posted.load(ordering: .acquiring) == seen {
                spins += 1
                if spins & 255 == 0, let cpu = CurrentCPU.number, cpu == callerCPU.load(ordering: .relaxed) {
                    // Sharing the caller's CPU: spinning only delays the caller. A wake-up
                    // tends to place the helper on the waker's CPU, and sleeping would only
                    // bring it back there: move to another CPU, where there is one.
                    if CurrentCPU.moveOff(cpu) { continue }
                    crowded.store(true, ordering: .relaxed)
                } else if spins < 200_000 {
                    continue
                }
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if posted.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleeping.store(false, ordering: .sequentiallyConsistent)
                spins = 0
            }
            seen = posted.load(ordering: .acquiring)
            // The caller may have taken this half back (and posted no newer one yet).
            guard claimed.compareExchange(expected: seen - 1, desired: seen, ordering: .acquiringAndReleasing).exchanged else {
                continue
            }
            job?()
            finished.store(seen, ordering: .releasing)
        }
    }
}

extension SpinningHelper {
    /// How the shared helper has been used since the process started.
    public struct Usage: Sendable, Equatable {
        /// Calls posted to the helper (including halves it did not start in time).
        public var parallelCalls: Int
        /// Calls the caller ran alone because the helper was paused.
        public var aloneCalls: Int
        /// Pauses begun after a sign that the helper had no core.
        public var pauses: Int

        /// The calls of `self` after `earlier`.
        public func since(_ earlier: Usage) -> Usage {
            Usage(
                parallelCalls: parallelCalls - earlier.parallelCalls, aloneCalls: aloneCalls - earlier.aloneCalls,
                pauses: pauses - earlier.pauses)
        }
    }

    /// The shared helper's counters; `Usage.since` gives those of a stretch of work.
    public static var usage: Usage { shared.usage }

    var usage: Usage {
        Usage(
            parallelCalls: parallelCalls.load(ordering: .relaxed), aloneCalls: aloneCalls.load(ordering: .relaxed),
            pauses: pausesBegun.load(ordering: .relaxed))
    }

    /// Runs `body` over `0..<count` on `workers` threads at once: two through the shared
    /// helper (Dispatch when another caller has it, with the same pieces), more through
    /// Dispatch, with one of them this thread. The products' way of sharing their panels or rows.
    ///
    /// Two workers take pieces of the range as they go, this thread from the front and
    /// the helper from the back, rather than half each: on a VM one vCPU is now and then
    /// slower than the other (its physical core shared with another guest, with no steal
    /// time to show for it), and with fixed halves both would wait for the slower one. Each
    /// keeps its own end, so that from step to step a thread mostly meets the same
    /// weights. A piece computes the same outputs whoever runs it.
    /// `work` is the whole call's multiply-adds (or any measure in proportion), which
    /// sets how many pieces two workers share; a piece is whole `granule`s of the range
    /// (the last may be short), as a kernel that runs four panels at a time wants them.
    static func forEachRange(
        count: Int, workers: Int, work: Int, granule: Int = 1, _ body: @escaping @Sendable (Range<Int>) -> Void
    ) {
        if workers <= 1 {
            body(0..<count)
            return
        }
        let granules = (count + granule - 1) / granule
        // Share `index` of `shares` runs of whole granules, as a range of `0..<count`.
        let share: @Sendable (Int, Int) -> Range<Int> = { index, shares in
            let run = Self.range(index, of: shares, in: granules)
            return (run.lowerBound * granule)..<min(run.upperBound * granule, count)
        }
        if workers == 2 {
            let pieces = TwoEndedPieces(count: min(granules, max(2, work / Self.pieceWork)))
            let front: @Sendable () -> Void = {
                while let index = pieces.takeFront() { body(share(index, pieces.count)) }
            }
            let back: @Sendable () -> Void = {
                while let index = pieces.takeBack() { body(share(index, pieces.count)) }
            }
            if shared.run(front, back) { return }
            // Another caller has the helper: the same pieces, through Dispatch.
            DispatchQueue.concurrentPerform(iterations: 2) { $0 == 0 ? front() : back() }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { body(share($0, workers)) }
    }

    /// Multiply-adds in a piece, at least: some 15 µs of one core's work, so that claiming
    /// a piece (an atomic exchange on a line both cores touch, a fraction of a
    /// microsecond) costs nothing next to it, and the faster worker waits at most that
    /// long at the end.
    static let pieceWork = 1 << 19

    /// Piece `index` of `pieces` contiguous pieces of `0..<count`.
    private static func range(_ index: Int, of pieces: Int, in count: Int) -> Range<Int> {
        (count * index / pieces)..<(count * (index + 1) / pieces)
    }
}
