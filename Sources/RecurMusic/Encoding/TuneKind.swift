/// The tunes a table of lengths is for: a meter, and a mode or every mode (`6/8`,
/// `6/8 dorian`).
public struct TuneKind: Sendable, Hashable, CustomStringConvertible {
    /// The meter.
    public var meter: Meter
    /// The mode; nil for every mode.
    public var mode: Mode?

    /// A kind of tune.
    public init(meter: Meter, mode: Mode? = nil) {
        self.meter = meter
        self.mode = mode
    }

    /// Parses `6/8` or `6/8 dorian`.
    public init?(_ text: String) {
        let parts = text.split(separator: " ")
        guard (1...2).contains(parts.count), let meter = Meter(String(parts[0])) else { return nil }
        self.meter = meter
        if parts.count == 2 {
            guard let mode = Mode(rawValue: String(parts[1])) else { return nil }
            self.mode = mode
        }
    }

    /// `6/8` or `6/8 dorian`.
    public var description: String { mode.map { "\(meter) \($0.rawValue)" } ?? meter.description }
}
