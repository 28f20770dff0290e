import Dispatch
import Foundation

/// Turns SIGINT/SIGTERM (or any signals) into a flag that long-running work polls,
/// so that it can stop at a safe point — after a training step, between jobs —
/// instead of dying mid-write.
///
/// The handlers run on a private queue (a Swift 6 requirement: see PLATFORM.md); the
/// default disposition of each signal is ignored while the watcher lives.
public final class SignalWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "recur.signals")

    /// Starts watching `signals`; `onSignal` runs on the watcher's queue for each delivery.
    public init(signals: [Int32], onSignal: (@Sendable (Int32) -> Void)? = nil) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                self?.record(number)
                onSignal?(number)
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// The first signal received, if any.
    public var signalReceived: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private func record(_ number: Int32) {
        lock.lock()
        if received == nil { received = number }
        lock.unlock()
    }
}
