import Foundation

/// `SPOOL/status.json` (docs/OPERATING.md): what a daemon writes every second and what
/// `recur status` reads — one type, so the writer and the reader cannot drift apart.
public struct DaemonStatus: Codable, Sendable, Equatable {
    /// Jobs waiting in incoming/ and held in active/.
    public struct Queue: Codable, Sendable, Equatable {
        public var incoming: Int
        public var active: Int
    }

    /// A job being sampled.
    public struct RunningJob: Codable, Sendable, Equatable {
        public var id: String
        public var model: String
        public var samples: Int
        /// How many of its samples are finished; nil in a status file written before it was published.
        public var samplesDone: Int?

        enum CodingKeys: String, CodingKey {
            case id, model, samples
            case samplesDone = "samples_done"
        }
    }

    /// What this daemon has done since it started.
    public struct Totals: Codable, Sendable, Equatable {
        public var claimed: Int
        public var done: Int
        public var failed: Int
        public var tokens: Int
    }

    /// A model the daemon serves.
    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        public var cell: String
        public var kind: String
        public var dataSHA256: String

        enum CodingKeys: String, CodingKey {
            case name, cell, kind
            case dataSHA256 = "data_sha256"
        }
    }

    /// The limits a job must respect on this daemon (`recur serve --max-…`), so that
    /// `recur submit` refuses what the daemon would refuse.
    public struct Limits: Codable, Sendable, Equatable {
        public var maxJobBytes: Int
        public var maxCount: Int
        public var maxLength: Int
        public var maxTotalTokens: Int

        enum CodingKeys: String, CodingKey {
            case maxJobBytes = "max_job_bytes"
            case maxCount = "max_count"
            case maxLength = "max_length"
            case maxTotalTokens = "max_total_tokens"
        }

        /// The published form of `limits`.
        public init(_ limits: JobLimits) {
            maxJobBytes = limits.maximumFileBytes
            maxCount = limits.sampling.maximumCount
            maxLength = limits.sampling.maximumLength
            maxTotalTokens = limits.sampling.maximumTotalTokens
        }

        /// The job limits these stand for (the rest as `JobLimits.serving`).
        public var jobLimits: JobLimits {
            var limits = JobLimits.serving
            limits.maximumFileBytes = maxJobBytes
            limits.sampling.maximumCount = maxCount
            limits.sampling.maximumLength = maxLength
            limits.sampling.maximumTotalTokens = maxTotalTokens
            return limits
        }
    }

    /// The daemon's ID (its directory in active/).
    public var daemon: String
    public var pid: Int
    /// When this snapshot was written, `2026-12-01T10:00:00Z`.
    public var updated: String
    public var uptimeSeconds: Double
    public var queue: Queue
    public var running: [RunningJob]
    public var totals: Totals
    /// Recent sampling throughput.
    public var tokensPerSecond: Double
    public var models: [Model]
    /// The job limits it serves with; nil in a status file written before they were published.
    public var limits: Limits?
    /// Set while the spool's filesystem is too full to claim jobs: they wait in incoming/.
    public var spoolFull: SpoolFull?

    /// A full spool: the bytes free when last looked and the reserve below which no job is
    /// claimed (`recur serve --min-free`).
    public struct SpoolFull: Codable, Sendable, Equatable {
        public var freeBytes: UInt64
        public var reserveBytes: UInt64
        /// When the daemon stopped claiming, `2026-12-01T10:00:00Z`.
        public var since: String

        enum CodingKeys: String, CodingKey {
            case since
            case freeBytes = "free_bytes"
            case reserveBytes = "reserve_bytes"
        }
    }

    enum CodingKeys: String, CodingKey {
        case daemon, pid, updated, queue, running, totals, models, limits
        case spoolFull = "spool_full"
        case uptimeSeconds = "uptime_seconds"
        case tokensPerSecond = "tokens_per_second"
    }

    /// The document as written: pretty-printed, keys sorted, a newline at the end.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Strings, integers and finite doubles: encoding cannot fail.
        return ((try? encoder.encode(self)) ?? Data("{}".utf8)) + Data("\n".utf8)
    }

    /// The spool's status.json as it is now, its bytes and what they say; nil when there is
    /// none.
    ///
    /// Daemons replace the file by renaming a new one over it. On a shared filesystem
    /// another host may still hold the replaced file's name in its cache and fail to open
    /// it (JuiceFS: ENOENT for about a second): while the spool's directory lists
    /// status.json, the read is tried again, five times in 50 ms at most.
    public static func read(from layout: SpoolLayout) -> (data: Data, status: DaemonStatus)? {
        for attempt in 0..<5 {
            if let data = FileManager.default.contents(atPath: layout.status), let status = DaemonStatus(data: data) {
                return (data, status)
            }
            guard attempt < 4, SpoolIO.list(layout.root).contains("status.json") else { return nil }
            usleep(10_000)
        }
        return nil
    }

    /// Reads a status.json; nil when it is missing or not a status document.
    public init?(data: Data) {
        guard let status = try? JSONDecoder().decode(DaemonStatus.self, from: data) else { return nil }
        self = status
    }

    init(
        daemon: String, pid: Int, updated: String, uptimeSeconds: Double, queue: Queue, running: [RunningJob],
        totals: Totals, tokensPerSecond: Double, models: [Model], limits: Limits?, spoolFull: SpoolFull? = nil
    ) {
        self.limits = limits
        self.spoolFull = spoolFull
        self.daemon = daemon
        self.pid = pid
        self.updated = updated
        self.uptimeSeconds = uptimeSeconds
        self.queue = queue
        self.running = running
        self.totals = totals
        self.tokensPerSecond = tokensPerSecond
        self.models = models
    }
}
