import Foundation
import RecurCore
import RecurSpool

/// Takes a job from the web into the spool: the checks a daemon would make (the job
/// file's and its model's, leaving out those only the daemon's host can answer), then
/// `SpoolClient.submit`, unless the queue is already as long as the operator allows.
public struct JobIntake: Sendable {
    public let client: SpoolClient
    public let shelf: ModelShelf
    /// The most jobs waiting in incoming/ before a submission is refused with 429.
    public let maximumQueued: Int

    public init(client: SpoolClient, shelf: ModelShelf, maximumQueued: Int) {
        self.client = client
        self.shelf = shelf
        self.maximumQueued = maximumQueued
    }

    /// Why a job was not submitted.
    public enum Refusal: Error, Sendable {
        /// The job is wrong: the error a daemon would write to error.json.
        case invalid(JobError)
        /// incoming/ holds `queued` jobs, `maximumQueued` or more.
        case queueFull(queued: Int)
        /// The spool could not be written.
        case spool(SpoolError)
    }

    /// The limits the serving daemon publishes in status.json, else those `recur serve`
    /// starts with: what a daemon will hold the job to.
    public var limits: JobLimits {
        DaemonStatus.read(from: client.layout)?.status.limits?.jobLimits
            ?? .serving
    }

    /// Checks `data` as a job file and puts it into incoming/; returns its ID.
    public func submit(_ data: Data) throws(Refusal) -> String {
        try check(data)
        let queued = client.layout.waitingJobCount()
        guard queued < maximumQueued else { throw .queueFull(queued: queued) }
        do {
            return try client.submit(data)
        } catch {
            throw .spool(error)
        }
    }

    /// The checks alone: the job file's own, then against the model it names.
    public func check(_ data: Data) throws(Refusal) {
        let limits = self.limits
        do throws(JobError) {
            let job = try JobFile.parse(data, limits: limits)
            guard let model = shelf.model(named: job.model) else {
                let known = shelf.names
                throw JobError(
                    error: "unknown model '\(job.model)'", field: "model", value: JSONText.quoted(job.model),
                    hint: known.isEmpty
                        ? "this server finds no models; start it with --models DIR, the daemons' models directory"
                        : NameSuggestion.hint(for: job.model, in: known, what: "models"))
            }
            var seeded = job
            seeded.request.seed = job.seed ?? 1
            _ = try seeded.prepared(for: model, limits: limits, checkingHost: false)
        } catch {
            throw .invalid(error)
        }
    }
}
