import Dispatch
import Foundation
import Logging

/// Pings systemd's watchdog (`WATCHDOG=1`) only while the daemon makes progress.
///
/// Every `interval` (half of `WatchdogSec`) it posts a probe on the control queue and
/// pings if the control queue answered a probe, and every sampler that has rows
/// stepped, within the last `limit` (`WatchdogSec`). A control queue or sampler that is
/// stuck stops the pings, and systemd restarts the daemon `WatchdogSec` after the last
/// one. A timer that pinged on its own would prove only that the timer runs.
final class ProgressWatchdog: @unchecked Sendable {
    private let interval: Double
    private let limit: Double
    private let control: DispatchQueue
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let queue = DispatchQueue(label: "recur.watchdog")
    private let controlBeacon = ProgressBeacon(name: "control queue", expected: true)
    private let lock = NSLock()
    private var beacons: [WeakBeacon] = []
    private var probePending = false
    private var reportedLate: Set<String> = []
    private var timer: DispatchSourceTimer?
    /// Whether to ping systemd (only under a unit with `WatchdogSec`).
    private let pingsSystemd: Bool
    /// Called on every tick that found progress: the heartbeat others can see
    /// (`ClaimStore.heartbeat`, read by `recur status --alive`).
    private let onProgress: @Sendable () -> Void

    /// A watchdog pinging every `interval` seconds through `notifier` while progress
    /// is no older than `2 × interval`.
    init(
        interval: Double, control: DispatchQueue, notifier: SystemdNotifier, logger: Logger, pingsSystemd: Bool = true,
        onProgress: @escaping @Sendable () -> Void = {}
    ) {
        self.interval = interval
        self.pingsSystemd = pingsSystemd
        self.onProgress = onProgress
        limit = 2 * interval
        self.control = control
        self.notifier = notifier
        self.logger = logger
    }

    /// Watches `beacon` (held weakly: a sampler that is gone owes nothing).
    func watch(_ beacon: ProgressBeacon) {
        lock.lock()
        beacons.removeAll { $0.beacon == nil }
        beacons.append(WeakBeacon(beacon: beacon))
        lock.unlock()
    }

    /// Starts the pings (the first one at once).
    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: interval, leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        self.timer = timer
    }

    /// Stops the pings for good.
    func cancel() {
        timer?.cancel()
    }

    private func tick() {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        let watched = [controlBeacon] + beacons.compactMap(\.beacon)
        let postProbe = !probePending
        probePending = true
        lock.unlock()
        let late = watched.compactMap { beacon in
            beacon.lateness(at: now).flatMap { $0 > limit ? (beacon.name, $0) : nil }
        }
        if late.isEmpty {
            if pingsSystemd { notifier.notify("WATCHDOG=1") }
            onProgress()
            if !reportedLate.isEmpty { logger.notice("watchdog: progress again") }
            reportedLate = []
        } else {
            for (name, seconds) in late where !reportedLate.contains(name) {
                logger.critical(
                    "watchdog: \(name) has made no progress for \(String(format: "%.1f", seconds)) s; no heartbeat (systemd restarts the daemon after WatchdogSec, and `recur status --alive` fails)"
                )
                reportedLate.insert(name)
            }
        }
        if postProbe {
            control.async { [weak self] in
                guard let self else { return }
                self.controlBeacon.beat()
                self.lock.lock()
                self.probePending = false
                self.lock.unlock()
            }
        }
    }
}

/// A beacon the watchdog does not keep alive.
private struct WeakBeacon {
    weak var beacon: ProgressBeacon?
}
