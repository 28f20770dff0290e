import Foundation
import Testing

/// Exactly once under SIGKILL: many jobs, two daemons on one spool, killed at random
/// moments and restarted. Afterwards every job is in exactly one of done/ and failed/,
/// complete, and nothing is left in incoming/, active/ or tmp/.
@Suite(.serialized)
struct CrashTests {
    @Test func everyJobEndsExactlyOnceDespiteTwentyKills() throws {
        let fixture = try SpoolFixture()
        let jobs = 320
        var ids: [String] = []
        for i in 0..<jobs {
            let id = String(format: "job-%04d", i)
            ids.append(id)
            let model = i % 3 == 0 ? "gru-l1-emb5" : "lstm-l2-emb5"
            try fixture.submit(
                #"{"model": "\#(model)", "count": \#(1 + i % 4), "length": \#(20 + (i * 37) % 180), "seed": \#(i)}"#, id: id)
        }
        var daemons = [try fixture.startDaemon(), try fixture.startDaemon()]
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        while kills < 24 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.25, using: &generator))
            let victim = Int.random(in: 0..<daemons.count, using: &generator)
            kill(daemons[victim].processIdentifier, SIGKILL)
            daemons[victim].waitUntilExit()
            kills += 1
            daemons[victim] = try fixture.startDaemon()
        }
        let finished = fixture.waitUntil(240) {
            fixture.list("done").count + fixture.list("failed").count >= jobs && fixture.list("incoming").isEmpty
        }
        for daemon in daemons {
            // A SIGTERM before the daemon's main() would kill it by the default action: a
            // restart may be only microseconds old when the last job ends.
            #expect(fixture.waitUntilServing(daemon))
            daemon.terminate()
            daemon.waitUntilExit()
            #expect(daemon.terminationStatus == 0)
        }
        #expect(
            finished,
            "done \(fixture.list("done").count), failed \(fixture.list("failed").count), incoming \(fixture.list("incoming").count)"
        )
        let done = fixture.list("done"), failed = fixture.list("failed")
        #expect(Set(done).isDisjoint(with: Set(failed)))
        #expect(
            Set(done).union(failed) == Set(ids),
            "missing: \(Set(ids).subtracting(done).subtracting(failed).sorted().prefix(5)); extra: \(Set(done).union(failed).subtracting(ids).sorted().prefix(5))"
        )
        #expect(fixture.list("incoming").isEmpty)
        #expect(fixture.list("active").isEmpty)
        #expect(fixture.list("tmp").isEmpty)
        for id in done {
            let result = fixture.json("done/\(id)/result.json")
            let files = result["files"] as? [String] ?? []
            #expect(!files.isEmpty, "\(id) has no files")
            for file in files { #expect(FileManager.default.fileExists(atPath: fixture.spool + "/done/\(id)/\(file)")) }
            #expect(FileManager.default.fileExists(atPath: fixture.spool + "/done/\(id)/job.json"))
        }
        for id in failed {
            // Only a job held by three dead daemons may fail here, and it says so.
            let error = fixture.json("failed/\(id)/error.json")
            #expect((error["error"] as? String ?? "").contains("died"), "\(id): \(error)")
        }
    }
}
