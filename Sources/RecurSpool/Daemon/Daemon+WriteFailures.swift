import Foundation

// Jobs for which nothing could be written, not even a failure: after
// `maximumWriteFailures` the daemon leaves them in incoming/ for an operator instead of
// sampling them again and again. Control queue throughout.
extension Daemon {
    /// Counts a failure to write anything for the job file `name`.
    func noteWriteFailure(_ name: String, id: String) {
        dispatchPrecondition(condition: .onQueue(control))
        writeFailures[name, default: 0] += 1
        if writeFailures[name] == Self.maximumWriteFailures {
            logger.error(
                "job \(id): nothing could be written for it \(Self.maximumWriteFailures) times (is the spool full or read-only?); left in incoming/ until this daemon restarts"
            )
        }
    }

    /// Whether this daemon leaves the job file `name` alone.
    func isHeld(_ name: String) -> Bool {
        dispatchPrecondition(condition: .onQueue(control))
        return (writeFailures[name] ?? 0) >= Self.maximumWriteFailures
    }

    /// How many job files this daemon leaves alone.
    var heldCount: Int {
        dispatchPrecondition(condition: .onQueue(control))
        return writeFailures.values.count { $0 >= Self.maximumWriteFailures }
    }
}
