import Dispatch
import Foundation
import Synchronization
import Testing

@testable import RecurCore

@Suite struct SpinningHelperTests {
    @Test("pieces taken from both ends at once are each taken exactly once, in order from each end")
    func twoEndedPiecesAreEachTakenOnce() {
        for count in [0, 1, 2, 3, 17, 1_000] {
            for _ in 0..<50 {
                let pieces = TwoEndedPieces(count: count)
                let taken = Mutex([[Int]](repeating: [], count: 2))
                DispatchQueue.concurrentPerform(iterations: 2) { end in
                    var mine: [Int] = []
                    while let piece = end == 0 ? pieces.takeFront() : pieces.takeBack() { mine.append(piece) }
                    taken.withLock { $0[end] = mine }
                }
                let (front, back) = taken.withLock { ($0[0], $0[1]) }
                #expect((front + back).sorted() == Array(0..<count), "count \(count)")
                #expect(front == front.sorted() && back == back.sorted(by: >))
                #expect(front.allSatisfy { f in back.allSatisfy { f < $0 } }, "the ends meet once")
            }
        }
    }

    @Test("a range shared by 1, 2 or 3 workers is covered once, in pieces set by the work", arguments: [1, 2, 3])
    func forEachRangeCoversTheRangeOnce(workers: Int) {
        for (count, work) in [(1, 1 << 30), (5, 0), (64, 1 << 22), (128, 1 << 30), (1_000, 1 << 25)] {
            let seen = Mutex([Int](repeating: 0, count: count))
            let calls = Atomic<Int>(0)
            SpinningHelper.forEachRange(count: count, workers: workers, work: work) { range in
                calls.add(1, ordering: .relaxed)
                seen.withLock { for i in range { $0[i] += 1 } }
            }
            #expect(seen.withLock { $0.allSatisfy { $0 == 1 } }, "count \(count) workers \(workers)")
            let expected =
                workers == 2 ? min(count, max(2, work / SpinningHelper.pieceWork)) : (workers == 1 ? 1 : workers)
            #expect(calls.load(ordering: .relaxed) == expected, "count \(count) work \(work) workers \(workers)")
        }
    }

    @Test("pieces of whole granules: every piece but the last starts and ends on one")
    func piecesAreWholeGranules() {
        for count in [1, 4, 7, 64, 130] {
            let ranges = Mutex([Range<Int>]())
            SpinningHelper.forEachRange(count: count, workers: 2, work: 1 << 30, granule: 4) { range in
                ranges.withLock { $0.append(range) }
            }
            let sorted = ranges.withLock { $0.sorted { $0.lowerBound < $1.lowerBound } }
            #expect(sorted.first?.lowerBound == 0 && sorted.last?.upperBound == count, "count \(count)")
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(sorted.allSatisfy { $0.lowerBound % 4 == 0 && ($0.upperBound % 4 == 0 || $0.upperBound == count) })
            #expect(sorted.count == (count + 3) / 4, "one piece per granule when the work allows")
        }
    }

    @Test("while another caller holds the helper, the same pieces go through Dispatch")
    func theSamePiecesWhenTheHelperIsBusy() {
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        // Other suites' products use the shared helper too: the holder takes it once it is free.
        let holder = Thread {
            let hold = {
                holding.signal()
                release.wait()
            }
            while !SpinningHelper.shared.run(hold, {}) { usleep(100) }
        }
        holder.start()
        holding.wait()
        let ranges = Mutex([Range<Int>]())
        SpinningHelper.forEachRange(count: 130, workers: 2, work: 1 << 30, granule: 4) { range in
            ranges.withLock { $0.append(range) }
        }
        release.signal()
        let sorted = ranges.withLock { $0.sorted { $0.lowerBound < $1.lowerBound } }
        #expect(sorted.count == 33, "\(sorted.count) pieces")
        #expect(sorted.first?.lowerBound == 0 && sorted.last?.upperBound == 130)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(sorted.allSatisfy { $0.lowerBound % 4 == 0 })
    }

    @Test("every call of a helper is counted once, split or alone")
    func usageCountsEveryCall() {
        let helper = SpinningHelper()
        let before = helper.usage
        var ran = 0
        for _ in 0..<1_000 where helper.run({}, {}) { ran += 1 }
        #expect(ran == 1_000)
        let used = helper.usage.since(before)
        #expect(used.parallelCalls + used.aloneCalls == 1_000)
        #expect(used.pauses >= 0 && used.parallelCalls > 0)
    }

    @Test("a thread moved off its CPU runs elsewhere and may use every CPU again")
    func movingOffACPU() throws {
        let allowed = try #require(CurrentCPU.allowed)
        let outcome = Mutex<(moved: Bool, before: Int, after: Int, allowedAfter: [Int]?)?>(nil)
        // A thread of its own: the test's thread keeps its CPU.
        let thread = Thread {
            let before = CurrentCPU.number ?? -1
            let moved = CurrentCPU.moveOff(before)
            outcome.withLock { $0 = (moved, before, CurrentCPU.number ?? -1, CurrentCPU.allowed) }
        }
        thread.start()
        while outcome.withLock({ $0 == nil }) { usleep(1_000) }
        let result = try #require(outcome.withLock { $0 })
        #expect(result.moved == (allowed.count > 1))
        if result.moved { #expect(result.after != result.before) }
        #expect(result.allowedAfter == allowed)
        #expect(!CurrentCPU.moveOff(-1) && !CurrentCPU.moveOff(1 << 20))
    }
}
