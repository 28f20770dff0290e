import Foundation

/// Faults injected for tests, named in `RECUR_FAILPOINT` (comma-separated).
///
/// Test-only: they exist so that the watchdog and the shutdown path can be checked
/// against the real binary (docs/OPERATING.md, "Failpoints"). A production unit never
/// sets the variable; unknown names are ignored.
enum Failpoint: String, Sendable, CaseIterable {
    /// The control queue blocks for good when it starts a claimed job.
    case stallControl = "stall-control"
    /// A sampler blocks for good before its first step.
    case stallSampler = "stall-sampler"
    /// Writing error.json waits `slowWriteSeconds` first (a slow disk).
    case slowErrorWrite = "slow-error-write"

    /// How long `slowErrorWrite` delays each error.json.
    static let slowWriteSeconds = 1.5

    /// The failpoints named in the environment, read once.
    static let active: Set<Failpoint> = {
        let text = ProcessInfo.processInfo.environment["RECUR_FAILPOINT"] ?? ""
        return Set(text.split(separator: ",").compactMap { Failpoint(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
    }()

    /// Whether this failpoint is set.
    var isActive: Bool { Self.active.contains(self) }

    /// Blocks the calling thread for good when this failpoint is set.
    func stallIfActive() {
        guard isActive else { return }
        while true { sleep(3600) }
    }
}
