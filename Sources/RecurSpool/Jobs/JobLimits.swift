import RecurCore

/// How much a job file may ask of the daemon. The defaults suit one machine; the
/// daemon makes them configurable so that a shared spool can be tightened.
public struct JobLimits: Sendable, Equatable {
    /// The largest job file read, in bytes. A real job is well under 1 KB; a larger
    /// file is a mistake or an attack, refused before it is read into memory.
    public var maximumFileBytes = 1 << 20
    /// The deepest nesting of JSON objects and arrays (the top-level object is 1).
    /// A job needs 3; the parser never goes past 256 whatever this says.
    public var maximumDepth = 16
    /// Samples, lengths, tokens, prime and stops per request.
    public var sampling = SamplingRequest.Limits()

    /// The defaults.
    public init() {}

    /// What `recur serve` allows unless told otherwise (`--max-count` …): the one place
    /// these numbers are written. A daemon publishes the limits it uses in status.json,
    /// and `recur submit` checks a job against those, or against these when no daemon has
    /// published any.
    public static let serving: JobLimits = {
        var limits = JobLimits()
        limits.sampling.maximumCount = 1000
        limits.sampling.maximumLength = 100_000
        limits.sampling.maximumTotalTokens = 2_000_000
        return limits
    }()
}
