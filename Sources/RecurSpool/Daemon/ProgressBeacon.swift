import Dispatch
import Foundation

/// The latest sign of progress of one part of the daemon (the control queue, a
/// sampler), written by that part and read by the watchdog from its own queue.
///
/// A part that has no work is never late: a sampler without rows waits for jobs, which
/// is not a fault. One that has work must beat within the watchdog's limit.
final class ProgressBeacon: @unchecked Sendable {
    /// Names the part in the watchdog's log line.
    let name: String
    private let lock = NSLock()
    private var expected: Bool
    private var last = DispatchTime.now().uptimeNanoseconds

    /// A beacon for `name`; `expected`: whether it owes progress from the start.
    init(name: String, expected: Bool = false) {
        self.name = name
        self.expected = expected
    }

    /// Records progress now.
    func beat() {
        lock.lock()
        last = DispatchTime.now().uptimeNanoseconds
        lock.unlock()
    }

    /// Says whether the part has work; the clock starts when work arrives.
    func expectProgress(_ hasWork: Bool) {
        lock.lock()
        if hasWork && !expected { last = DispatchTime.now().uptimeNanoseconds }
        expected = hasWork
        lock.unlock()
    }

    /// Seconds since the last progress while work is owed, or nil when nothing is owed.
    func lateness(at now: UInt64) -> Double? {
        lock.lock()
        defer { lock.unlock() }
        guard expected else { return nil }
        return Double(now &- min(now, last)) / 1e9
    }
}
