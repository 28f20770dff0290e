import Foundation
import Testing

/// `recur serve`, `submit` and `status`, with the real binary, real signals and inotify.
@Suite(.serialized)
struct DaemonTests {
    @Test func onceRunsEveryJobAndPublishesCompleteResults() throws {
        let fixture = try SpoolFixture()
        try fixture.submit(#"{"model": "lstm-l2-emb5", "count": 3, "length": 40, "seed": 5, "prime": "ab"}"#, id: "first")
        try fixture.submit(#"{"model": "gru-l1-emb5", "count": 1, "length": 25, "stop": ["\n\n"]}"#, id: "second")
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(fixture.list("done") == ["first", "second"])
        #expect(fixture.list("incoming").isEmpty)
        #expect(fixture.list("tmp").isEmpty)
        #expect(fixture.list("done/first") == ["job.json", "result.json", "sample-001.txt", "sample-002.txt", "sample-003.txt"])
        let result = fixture.json("done/first/result.json")
        #expect(result["seed"] as? Int == 5)
        #expect((result["model"] as? [String: Any])?["name"] as? String == "lstm-l2-emb5")
        #expect(((result["model"] as? [String: Any])?["data_sha256"] as? String)?.count == 64)
        #expect(result["tokens"] as? Int == 120)
        // The same job through `recur generate` gives the same text: one engine, one contract.
        let generated = try RecurBinary.run([
            "generate", "--model", fixture.models + "/lstm-l2-emb5.safetensors", "--count", "3",
            "--length", "40", "--seed", "5", "--prime", "ab", "--temperature", "0.8", "--json",
        ])
        let texts = (try RecurBinary.json(generated)["samples"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        let second = try String(contentsOfFile: fixture.spool + "/done/first/sample-002.txt", encoding: .utf8)
        #expect(texts.count == 3 && texts[1] == second)
        #expect(fixture.json("done/second/result.json")["seed"] is Int)
    }

    @Test func anIDNamesOneJobAcrossDoneAndFailed() throws {
        let fixture = try SpoolFixture()
        // Earlier jobs: one failed as "arr", one failed as "unknown".
        for earlier in ["arr", "unknown"] {
            try FileManager.default.createDirectory(
                atPath: fixture.spool + "/failed/\(earlier)", withIntermediateDirectories: false)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: fixture.spool + "/failed/\(earlier)/error.json"))
        }
        let jobs = [
            "arr": #"{"model": "lstm-l2-emb5", "length": 5}"#,
            "unknown": #"{"model": "no-such-model"}"#,
            "unknown+2": #"{"model": "lstm-l2-emb5", "length": 6}"#,
        ]
        for (id, json) in jobs { try fixture.submit(json, id: id) }
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        let done = fixture.list("done"), failed = fixture.list("failed")
        #expect(Set(done).isDisjoint(with: failed), "done \(done), failed \(failed)")
        #expect(done.count + failed.count == 5, "done \(done), failed \(failed)")
        #expect(!done.contains("arr") && done.count == 2 && failed.count == 3)
        // Each job is under exactly one name, with the bytes it was submitted as.
        let published = done.map { "done/" + $0 } + failed.filter { !["arr", "unknown"].contains($0) }.map { "failed/" + $0 }
        let received = try published.map {
            try String(contentsOfFile: fixture.spool + "/\($0)/job.json", encoding: .utf8)
        }
        #expect(received.sorted() == jobs.values.sorted())
    }

    @Test(arguments: [
        (["serve", "--grace", "nan"], "--grace"), (["serve", "--grace", "1e20"], "--grace"),
        (["serve", "--rescan-interval", "nan"], "--rescan-interval"), (["serve", "--rescan-interval", "0"], "--rescan-interval"),
        (["submit", "--model", "m", "--wait", "--timeout", "nan"], "--timeout"),
        (["submit", "--model", "m", "--wait", "--timeout=-1"], "--timeout"),
        (["submit", "--model", "m", "--timeout", "5"], "--wait"),
    ])
    func timesThatAreNotANumberOfSecondsAreRefused(arguments: [String], flag: String) throws {
        let fixture = try SpoolFixture()
        let result = try RecurBinary.run(
            [arguments[0], "--spool", fixture.spool] + Array(arguments.dropFirst()) + (arguments[0] == "serve" ? ["--once"] : []))
        #expect(result.status != 0 && result.status < 128, "a refusal, not a crash: \(result.status)")
        #expect(result.stderr.contains(flag), "\(result.stderr)")
        #expect(fixture.list("incoming").isEmpty && fixture.list("active").isEmpty)
    }

    @Test func aMetricsFileThatCannotBeWrittenIsLoggedOnceAndJobsGoOn() throws {
        let fixture = try SpoolFixture()
        try fixture.submit(#"{"model": "lstm-l2-emb5", "length": 5}"#, id: "a")
        let daemon = try fixture.startDaemon(["--metrics-file", fixture.root + "/no-such-dir/recur.prom"])
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        #expect(fixture.waitUntil(30) { fixture.list("done") == ["a"] })
        Thread.sleep(forTimeInterval: 2.5)  // two more seconds of status writes
        let log = fixture.log(of: daemon)
        #expect(log.components(separatedBy: "cannot write the metrics file").count == 2, "\(log)")
        #expect(log.contains("no-such-dir/recur.prom"), "\(log)")
    }

    @Test func submitWaitPrintsTheOutputDirectoryAndStatusSummarises() throws {
        let fixture = try SpoolFixture()
        let daemon = try fixture.startDaemon()
        defer {
            if daemon.isRunning { daemon.terminate() }
            daemon.waitUntilExit()
        }
        let result = try RecurBinary.run([
            "submit", "--spool", fixture.spool, "--model", "gru-l1-emb5", "--count", "2", "--length", "10", "--wait", "--timeout",
            "60",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let directory = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(directory.hasPrefix(fixture.spool + "/done/"))
        #expect(FileManager.default.fileExists(atPath: directory + "/sample-002.txt"))
        let bad = try RecurBinary.run([
            "submit", "--spool", fixture.spool, "--model", "no-such-model", "--wait", "--timeout", "60",
        ])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unknown model"))
        // Right after --wait returns, status counts the finished jobs and runs none of them.
        let right = try RecurBinary.run(["status", "--spool", fixture.spool])
        #expect(right.stdout.contains("0 waiting, 0 running"), "\(right.stdout)")
        #expect(
            fixture.waitUntil(0.5) {
                ((try? RecurBinary.run(["status", "--spool", fixture.spool]))?.stdout ?? "").contains(
                    "this daemon: 1 done, 1 failed")
            })
        #expect(fixture.waitUntil(3) { FileManager.default.fileExists(atPath: fixture.spool + "/status.json") })
        let status = try RecurBinary.run(["status", "--spool", fixture.spool])
        #expect(status.status == 0)
        #expect(status.stdout.contains("gru-l1-emb5"))
        #expect(status.stdout.contains("1 in done/, 1 in failed/"))
        #expect(!status.stdout.contains("stopped"), "\(status.stdout)")
        daemon.terminate()
        daemon.waitUntilExit()
        let after = try RecurBinary.run(["status", "--spool", fixture.spool])
        #expect(after.stdout.contains(" — stopped"), "a clean exit shows at once: \(after.stdout)")
    }

    @Test func sigtermFinishesOrRequeuesEveryJobAndExitsZero() throws {
        let fixture = try SpoolFixture()
        for i in 0..<12 {
            try fixture.submit(#"{"model": "lstm-l2-emb5", "count": 4, "length": 3000}"#, id: "long-\(i)")
        }
        let daemon = try fixture.startDaemon(["--grace", "0.5"])
        #expect(fixture.waitUntil(20) { !fixture.list("active").isEmpty && fixture.list("incoming").count < 12 })
        daemon.terminate()
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        let done = fixture.list("done"), incoming = fixture.list("incoming")
        #expect(done.count + incoming.count == 12, "done \(done), incoming \(incoming)")
        #expect(fixture.list("failed").isEmpty)
        #expect(fixture.list("active").isEmpty)
        #expect(fixture.list("tmp").isEmpty)
    }

    /// No signal is lost while the daemon starts: SIGTERM at any moment stops it — cleanly
    /// once `Daemon.run` has its handler in (right after it queues `start()`), by the
    /// default action before that — and never leaves it running.
    @Test func sigtermDuringStartUpIsNeverIgnored() throws {
        let fixture = try SpoolFixture()
        for attempt in 0..<40 {
            let delay = Double(attempt % 20) * 2.5
            let daemon = try fixture.startDaemon()
            usleep(useconds_t(delay * 1_000))
            daemon.terminate()
            let exited = fixture.waitUntil(15) { !daemon.isRunning }
            // What the kernel says about the daemon's signals, should it still run.
            let state =
                exited
                ? ""
                : ((try? String(contentsOfFile: "/proc/\(daemon.processIdentifier)/status", encoding: .utf8)) ?? "")
                    .split(separator: "\n").filter { $0.hasPrefix("Sig") || $0.hasPrefix("ShdPnd") }.joined(separator: ", ")
            if !exited { kill(daemon.processIdentifier, SIGKILL) }
            daemon.waitUntilExit()
            #expect(exited, "SIGTERM \(delay) ms after start was ignored; \(state)")
            #expect(
                daemon.terminationStatus == 0 || daemon.terminationReason == .uncaughtSignal,
                "SIGTERM \(delay) ms after start: status \(daemon.terminationStatus)")
        }
        #expect(fixture.list("active").isEmpty)
    }

    @Test func sighupLoadsAModelAddedWhileRunning() throws {
        let fixture = try SpoolFixture()
        let daemon = try fixture.startDaemon()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        // Serving first, so the model below is new to a running daemon.
        #expect(fixture.waitUntilServing(daemon))
        #expect(!fixture.log(of: daemon).contains("late"))
        try FileManager.default.copyItem(
            atPath: parityModels + "/rnn-l1-onehot.safetensors", toPath: fixture.models + "/late.safetensors")
        kill(daemon.processIdentifier, SIGHUP)
        #expect(
            fixture.waitUntil(20) {
                fixture.log(of: daemon).contains("reloaded models: ") && fixture.log(of: daemon).contains("new: late")
            },
            "\(fixture.log(of: daemon))")
        try fixture.submit(#"{"model": "late", "length": 12}"#, id: "after-hup")
        #expect(fixture.waitUntil(20) { fixture.list("done").contains("after-hup") })
    }
}

/// Write errors: a daemon under a file-size limit (EFBIG on write, like ENOSPC) fails
/// the job with a clear error instead of publishing half a result, and keeps serving.
@Suite(.serialized)
struct WriteErrorTests {
    /// Runs `recur serve --once` under `ulimit -f blocks` (512-byte blocks).
    private func serveOnce(_ fixture: SpoolFixture, fileSizeBlocks blocks: Int) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "ulimit -f \(blocks) && exec \"$0\" serve --spool \"$1\" --models \"$2\" --once",
            RecurBinary.url.path, fixture.spool, fixture.models,
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func aResultThatCannotBeWrittenFailsTheJobCleanly() throws {
        let fixture = try SpoolFixture()
        try fixture.submit(#"{"model": "lstm-l2-emb5", "length": 20000}"#, id: "too-big")
        try fixture.submit(#"{"model": "lstm-l2-emb5", "length": 50}"#, id: "small")
        // 8 blocks of 512 bytes: the 20000-character sample cannot be written, error.json can.
        #expect(try serveOnce(fixture, fileSizeBlocks: 8) == 0)
        #expect(fixture.list("done") == ["small"])
        #expect(fixture.list("failed") == ["too-big"])
        let error = fixture.json("failed/too-big/error.json")
        #expect((error["error"] as? String ?? "").contains("writing the results failed"), "\(error)")
        #expect(fixture.list("failed/too-big").sorted() == ["error.json", "job.json"])
        #expect(fixture.list("tmp").isEmpty)
        #expect(fixture.list("incoming").isEmpty)
    }

    /// When not even error.json can be written, the job stays queued — unchanged, under
    /// its own name — and a draining daemon stops retrying it after three attempts.
    @Test func aJobWhoseFailureCannotBeWrittenStaysQueued() throws {
        let fixture = try SpoolFixture()
        let job = #"{"model": "lstm-l2-emb5", "length": 30}"#
        try fixture.submit(job, id: "stuck")
        #expect(try serveOnce(fixture, fileSizeBlocks: 0) == 0)
        #expect(fixture.list("incoming") == ["stuck.json"])
        #expect(try String(contentsOfFile: fixture.spool + "/incoming/stuck.json", encoding: .utf8) == job)
        #expect(fixture.list("done").isEmpty && fixture.list("failed").isEmpty)
        #expect(fixture.list("tmp").isEmpty)
        // With room again, the same job runs.
        #expect(try serveOnce(fixture, fileSizeBlocks: 10_000) == 0)
        #expect(fixture.list("done") == ["stuck"])
    }
}

/// One set of limits: `recur submit` refuses what the serving daemon would.
@Suite(.serialized)
struct SubmitLimitsTests {
    @Test func submitChecksTheLimitsTheDaemonPublishes() throws {
        let fixture = try SpoolFixture()
        // No daemon yet: the limits `recur serve` starts with.
        let early = try RecurBinary.run(["submit", "--spool", fixture.spool, "--model", "gru-l1-emb5", "--count", "5000"])
        #expect(early.status == 1)
        #expect(
            early.stderr.contains("between 1 and 1000") && early.stderr.contains("no daemon has published"), "\(early.stderr)")
        let daemon = try fixture.startDaemon(["--max-count", "3", "--max-length", "50"])
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        #expect(fixture.waitUntil(5) { (fixture.json("status.json")["limits"] as? [String: Any])?["max_count"] as? Int == 3 })
        let refused = try RecurBinary.run(["submit", "--spool", fixture.spool, "--model", "gru-l1-emb5", "--count", "5"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("between 1 and 3") && refused.stderr.contains("the daemon publishes"), "\(refused.stderr)")
        let tooLong = try RecurBinary.run(["submit", "--spool", fixture.spool, "--model", "gru-l1-emb5", "--length", "60"])
        #expect(tooLong.status == 1 && tooLong.stderr.contains("between 1 and 50"), "\(tooLong.stderr)")
        let fits = try RecurBinary.run([
            "submit", "--spool", fixture.spool, "--model", "gru-l1-emb5", "--count", "3", "--length", "50", "--wait", "--timeout",
            "60",
        ])
        #expect(fits.status == 0, "\(fits.stderr)")
    }
}
