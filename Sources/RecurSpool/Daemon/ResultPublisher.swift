import Foundation
import Logging
import RecurCore

/// The writer queue's work: a finished job's files and its one rename into done/, or
/// its error.json into failed/ — never half-published, never lost.
struct ResultPublisher {
    /// How publishing a job ended.
    /// `deferred`: the spool was full (the write's error); the job is still claimed, to be
    /// put back.
    /// `lost`: the claimed job file is gone — another daemon requeued it — so nothing is
    /// written for it here.
    enum Outcome { case done, failed, writeFailed, deferred(why: String), lost }

    let claims: ClaimStore
    let logger: Logger

    /// Writes the samples and result.json and publishes them to done/. When writing fails
    /// (no space, a file-size limit, permissions…) the job fails with error.json in a fresh
    /// work directory, keeping the claim; if even that cannot be written, the job goes back
    /// to incoming/ (`writeFailed`).
    func publish(_ run: JobRun) -> Outcome {
        // Checked before writing (no work for a claim already gone), and again, under the
        // publish lock, by ClaimStore.publish.
        guard FileManager.default.fileExists(atPath: run.claimed) else { return drop(run) }
        do {
            let files = try JobOutputs.write(run)
            let target = try claims.publish(work: run.work, claimed: run.claimed, jobID: run.id, succeeded: true)
            let tokens = run.completed.reduce(0) { $0 + $1.generatedTokens }
            logger.info(
                "job \(run.id): done in \(String(format: "%.2f", Date().timeIntervalSince(run.received))) s, \(tokens) tokens, \(files.count) file(s) in \(target)"
            )
            return .done
        } catch let error as SpoolError where error.code == ESTALE {
            // Fencing (ClaimStore.publish): the claim was taken back while this job ran.
            return drop(run)
        } catch  where SpoolSpace.isOutOfSpace(error) {
            // The spool is full: not the job's fault. The claim is kept; the daemon stops
            // claiming, then puts the job back in incoming/ as it came (no attempt counted).
            claims.discardWork(run.work, claimed: run.claimed)
            return .deferred(why: "\(error)")
        } catch {
            logger.error("job \(run.id): cannot write results: \(error)")
            claims.discardWork(run.work, claimed: run.claimed)
            let jobError = JobOutputs.jobError(for: error)
            return fail(claimed: run.claimed, id: run.id, error: jobError) ? .failed : .writeFailed
        }
    }

    /// A job whose claim another daemon took back: nothing of it is published.
    private func drop(_ run: JobRun) -> Outcome {
        logger.error(
            "job \(run.id): its claim is gone (another daemon requeued it, presuming this one dead); its results are dropped, not published"
        )
        SpoolIO.remove(run.work)
        return .lost
    }

    /// Writes error.json for a claimed job and publishes it to failed/; false (and the job
    /// back in incoming/) when that cannot be written either.
    func fail(claimed: String, id: String, error: JobError) -> Bool {
        var work: String?
        do {
            work = try claims.makeWorkDirectory(for: claimed)
            try JobOutputs.writeError(error, to: work!)
            let target = try claims.publish(work: work!, claimed: claimed, jobID: id, succeeded: false)
            let published = (target as NSString).lastPathComponent
            if published != id { logger.info("job \(id): its error is in \(target) (the ID \(id) was taken)") }
            return true
        } catch let error as SpoolError where error.code == ESTALE {
            logger.error("job \(id): its claim is gone (another daemon requeued it); its error is dropped, not published")
            if let work { SpoolIO.remove(work) }
            return true
        } catch {
            logger.error("job \(id): cannot write failed/ (\(error)); requeued")
            claims.abandon(work: work, claimed: claimed)
            return false
        }
    }
}
