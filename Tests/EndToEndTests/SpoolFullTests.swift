import Foundation
import Testing

/// A spool on a tmpfs too small for the jobs' audio: the jobs that do not fit wait in
/// incoming/ (never failed/), the daemon says the spool is full, and every job finishes
/// once the tmpfs is made larger. Needs `mount -t tmpfs` (root, as CI runs).
@Suite(.serialized, .enabled(if: Tmpfs.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN)"))
struct SpoolFullTests {
    /// A spool on a tmpfs of `megabytes` with the shipped folk model and `jobs` jobs of one
    /// WAV tune each (seeds 1…), named j1…; the caller unmounts it.
    static func spoolOnTmpfs(megabytes: Int, inodes: Int? = nil, jobs: Int) throws -> SpoolFixture {
        let fixture = try SpoolFixture()
        try FileManager.default.copyItem(
            atPath: ShippedModelsTests.directory + "/folk.safetensors", toPath: fixture.models + "/folk.safetensors")
        try Tmpfs.mount(at: fixture.spool, megabytes: megabytes, inodes: inodes)
        for sub in ["tmp", "incoming"] {
            try FileManager.default.createDirectory(atPath: fixture.spool + "/" + sub, withIntermediateDirectories: true)
        }
        for seed in 1...jobs {
            try fixture.submit(
                #"{"model": "folk", "count": 1, "seed": \#(seed), "meter": "4/4", "format": ["wav"], "render": {"synth": "builtin"}}"#,
                id: "j\(seed)")
        }
        return fixture
    }

    @Test func jobsWaitForSpaceAndAllFinishWhenItReturns() throws {
        // Six tunes of about 1.1 MB of WAV each: four fit in 6 MB.
        let fixture = try Self.spoolOnTmpfs(megabytes: 6, jobs: 6)
        defer { Tmpfs.unmount(fixture.spool) }
        let metrics = fixture.root + "/metrics.prom"
        let daemon = try fixture.startDaemon(["--min-free", "0", "--metrics-file", metrics])
        #expect(fixture.waitUntil(60) { fixture.list("done").count == 4 && fixture.list("incoming").count == 2 })
        // Full: nothing failed, the two left wait, and the daemon says so everywhere.
        #expect(fixture.waitUntil(10) { (fixture.json("status.json")["spool_full"] as? [String: Any]) != nil })
        #expect(fixture.list("failed").isEmpty)
        #expect(fixture.log(of: daemon).contains("the spool's filesystem is full"), "\(fixture.log(of: daemon))")
        let status = try RecurBinary.run(["status", "--spool", fixture.spool])
        #expect(status.stdout.contains("FULL"), "\(status.stdout)")
        #expect(
            fixture.waitUntil(5) {
                ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").contains("recur_spool_full 1")
            })
        Thread.sleep(forTimeInterval: 2)
        #expect(fixture.list("done").count == 4, "no job is claimed while the spool is full")
        // Room again: the daemon claims by itself, and every job ends in done/.
        #expect(Tmpfs.resize(fixture.spool, megabytes: 64))
        #expect(fixture.waitUntil(60) { fixture.list("done").count == 6 }, "\(fixture.log(of: daemon))")
        #expect(fixture.list("failed").isEmpty && fixture.list("incoming").isEmpty)
        #expect(fixture.waitUntil(5) { fixture.json("status.json")["spool_full"] == nil })
        #expect(fixture.log(of: daemon).contains("the spool has room again"))
        daemon.terminate()
        daemon.waitUntilExit()
    }

    /// Out of inodes, writes fail with ENOSPC while statvfs shows the bytes free (as with a
    /// quota, or a shared filesystem's client that still counts space another host freed):
    /// the jobs wait, and the daemon tries again after a pause rather than waiting for
    /// bytes that never come.
    @Test func outOfInodesTheJobsWaitAndAreTriedAgain() throws {
        let fixture = try Self.spoolOnTmpfs(megabytes: 64, inodes: 40, jobs: 8)
        defer { Tmpfs.unmount(fixture.spool) }
        let daemon = try fixture.startDaemon(["--min-free", "0"])
        #expect(
            fixture.waitUntil(60) { fixture.log(of: daemon).contains("the spool's filesystem is full") },
            "\(fixture.log(of: daemon))")
        #expect(fixture.list("failed").isEmpty)
        #expect(fixture.list("done").count < 8, "40 inodes hold fewer than 8 jobs' results")
        // Inodes again (bytes never ran short): the daemon finds out by trying after its pause.
        #expect(Tmpfs.resize(fixture.spool, megabytes: 64, inodes: 10_000))
        #expect(fixture.waitUntil(60) { fixture.list("done").count == 8 }, "\(fixture.log(of: daemon))")
        #expect(fixture.list("failed").isEmpty && fixture.list("incoming").isEmpty)
        #expect(fixture.log(of: daemon).contains("trying to claim again after a pause"), "\(fixture.log(of: daemon))")
        #expect(!fixture.log(of: daemon).contains("nothing could be written"), "\(fixture.log(of: daemon))")
        daemon.terminate()
        daemon.waitUntilExit()
    }

    @Test func onceLeavesTheJobsThatDoNotFitAndSaysSo() throws {
        let fixture = try Self.spoolOnTmpfs(megabytes: 3, jobs: 4)
        defer { Tmpfs.unmount(fixture.spool) }
        // The default reserve (16 MB) is more than the whole tmpfs: nothing is claimed.
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 75, "EX_TEMPFAIL: \(fixture.log(of: daemon))")
        #expect(fixture.list("incoming").count == 4 && fixture.list("failed").isEmpty)
        #expect(fixture.log(of: daemon).contains("below the reserve"), "\(fixture.log(of: daemon))")
        let bad = try RecurBinary.run(["serve", "--spool", fixture.spool, "--min-free", "lots"])
        #expect(bad.status != 0 && bad.stderr.contains("--min-free must be a size"), "\(bad.stderr)")
    }
}

/// A tmpfs mounted for a test, with mount(8).
enum Tmpfs {
    static let canMount: Bool = {
        guard getuid() == 0, let directory = try? temporaryDirectory() else { return false }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard (try? mount(at: directory, megabytes: 1)) != nil else { return false }
        unmount(directory)
        return true
    }()

    static func mount(at path: String, megabytes: Int, inodes: Int? = nil) throws {
        let options = "size=\(megabytes)m" + (inodes.map { ",nr_inodes=\($0)" } ?? "")
        let result = try RecurBinary.runProcess(
            URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", options, "tmpfs", path], environment: [:])
        guard result.status == 0 else { throw CocoaError(.fileWriteNoPermission) }
    }

    static func resize(_ path: String, megabytes: Int, inodes: Int? = nil) -> Bool {
        let options = "remount,size=\(megabytes)m" + (inodes.map { ",nr_inodes=\($0)" } ?? "")
        return
            (try? RecurBinary.runProcess(
                URL(fileURLWithPath: "/bin/mount"), ["-o", options, path], environment: [:]))?.status == 0
    }

    static func unmount(_ path: String) {
        _ = try? RecurBinary.runProcess(URL(fileURLWithPath: "/bin/umount"), ["-l", path], environment: [:])
    }
}
