import Foundation

/// A one-line progress bar on stderr, redrawn at most ten times a second, shown
/// only when stderr is a terminal.
final class ProgressBar {
    private let total: Int
    private let unit: String
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast

    init(total: Int, unit: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = max(total, 1)
        self.unit = unit
        self.enabled = enabled
    }

    /// Redraws with `done` of `total` complete and optional extra text.
    func update(_ done: Int, extra: String = "") {
        guard enabled else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let fraction = min(1, Double(done) / Double(total))
        let width = 28
        let filled = Int(fraction * Double(width))
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(
            format: "\r%@ %3.0f%% %@/%@ %@ · %.0f %@/s · ETA %@%@\u{1B}[K",
            bar, fraction * 100, formatCount(done), formatCount(total), unit, rate, unit,
            Self.clock(eta), extra.isEmpty ? "" : " · " + extra)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Prints `text` (whole lines) above the bar, which is drawn again at the next update.
    func interrupt(with text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text + (text.hasSuffix("\n") ? "" : "\n")).utf8))
        lastDraw = .distantPast
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
