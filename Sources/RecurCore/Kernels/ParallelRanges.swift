import Dispatch

/// Splits element-wise work into contiguous ranges run at once on `workers` threads.
///
/// Each element is computed by exactly one worker with the same arithmetic whatever
/// the split, so results do not depend on the thread count; small work runs here.
enum ParallelRanges {
    /// Calls `body` with `workers` contiguous ranges covering `0..<count` (fewer when
    /// each would hold less than `minimum` elements), all at once.
    static func forEach(count: Int, workers: Int, minimum: Int = 16_384, _ body: @Sendable (Range<Int>) -> Void) {
        let parts = max(1, min(workers, count / max(minimum, 1)))
        if parts == 1 {
            body(0..<count)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                body((count * part / parts)..<(count * (part + 1) / parts))
            }
        }
    }
}
