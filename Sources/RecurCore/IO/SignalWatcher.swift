import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT/SIGTERM (or any signals) into a flag that long-running work polls and a
/// callback, so that it can stop at a safe point — after a training step, between jobs —
/// instead of dying mid-write.
///
/// No signal is lost, not even one that arrives before the watcher starts. Dispatch's signal
/// sources need `SIG_IGN` first, and setting `SIG_IGN` discards a pending signal: a daemon
/// spawned with SIGTERM blocked and stopped at once ignored that SIGTERM for good. Here
/// `init` installs a C handler with `sigaction` and unblocks the signals on the calling
/// thread before it returns; the handler only writes the signal's number to a pipe
/// (async-signal-safe), and the callback runs on a private queue that reads the pipe (a
/// C signal handler cannot capture Swift context under strict concurrency, so it can only
/// hand the number on). The signals stay caught after the watcher is
/// gone, and are then ignored.
public final class SignalWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private let signals: Set<Int32>
    private let onSignal: (@Sendable (Int32) -> Void)?

    /// Starts watching `signals`; `onSignal` runs on the watchers' queue for each delivery.
    public init(signals: [Int32], onSignal: (@Sendable (Int32) -> Void)? = nil) {
        self.signals = Set(signals)
        self.onSignal = onSignal
        SignalPipe.shared.add(self)
        for number in signals { SignalPipe.shared.catchSignal(number) }
        // A parent may pass the signals blocked (Foundation's `Process` hands its thread's
        // mask to the child): then no thread would ever run the handler. Unblocked here, a
        // signal that arrived before is delivered now.
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    deinit {
        SignalPipe.shared.remove(self)
    }

    /// The first signal received, if any.
    public var signalReceived: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    fileprivate func deliver(_ number: Int32) {
        guard signals.contains(number) else { return }
        lock.lock()
        if received == nil { received = number }
        lock.unlock()
        onSignal?(number)
    }
}

/// The write end of the self-pipe, for the handler: a plain global with a constant
/// initializer needs no lazy initialization, so reading it in a handler is one load. Set
/// once, before the first `sigaction`.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Runs inside the signal handler: one `write(2)`, errno preserved, nothing else.
private func writeSignalNumber(_ number: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = saved
}

/// The process's one self-pipe and the watchers it serves.
private final class SignalPipe: @unchecked Sendable {
    static let shared = SignalPipe()

    private let watchers = Mutex<[Weak]>([])
    private let caught = Mutex<Set<Int32>>([])
    private let source: DispatchSourceRead

    private struct Weak: @unchecked Sendable {
        weak var watcher: SignalWatcher?
    }

    private init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("cannot create the signal pipe: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        let readEnd = ends[0]
        signalPipeWriteEnd = ends[1]
        source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: DispatchQueue(label: "recur.signals"))
        // The pipe outlives everything: `shared` is never released.
        source.setEventHandler { [self] in
            var bytes = [UInt8](repeating: 0, count: 64)
            while true {
                let count = read(readEnd, &bytes, bytes.count)
                guard count > 0 else { break }
                let current = self.watchers.withLock { $0.compactMap(\.watcher) }
                for byte in bytes.prefix(count) {
                    for watcher in current { watcher.deliver(Int32(byte)) }
                }
            }
        }
        source.resume()
    }

    func add(_ watcher: SignalWatcher) {
        watchers.withLock { $0 = $0.filter { $0.watcher != nil } + [Weak(watcher: watcher)] }
    }

    func remove(_ watcher: SignalWatcher) {
        watchers.withLock { $0.removeAll { $0.watcher == nil || $0.watcher === watcher } }
    }

    /// Installs the handler for `number` once; from then on the signal is never ignored
    /// by the kernel, only by a process with no watcher for it.
    func catchSignal(_ number: Int32) {
        caught.withLock { caught in
            guard caught.insert(number).inserted else { return }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = writeSignalNumber
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }
}
