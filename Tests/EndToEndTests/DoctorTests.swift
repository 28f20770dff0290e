import Foundation
import Testing

/// `recur doctor` gives the right verdict: a local directory and a tmpfs can hold a
/// spool; a read-only filesystem and a file cannot, and say why.
struct DoctorTests {
    func verdicts(_ result: RecurBinary.Result) throws -> [String: String] {
        let object = try RecurBinary.json(result)
        let checks = try #require(object["checks"] as? [[String: String]])
        return Dictionary(uniqueKeysWithValues: checks.map { ($0["check"]!, $0["verdict"]!) })
    }

    @Test func aLocalDirectoryCanHoldASpoolAndIsLeftAsItWas() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try RecurBinary.run(["doctor", "--spool", directory + "/spool", "--json"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let verdicts = try verdicts(result)
        for check in ["create, fsync, O_EXCL", "atomic rename", "rename without replacing", "flock", "inotify", "clock"] {
            #expect(verdicts[check] == "ok", "\(check): \(result.stdout)")
        }
        for sub in ["tmp", "incoming", "done", "failed", "active"] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/spool/" + sub).isEmpty, "\(sub)")
        }
        let table = try RecurBinary.run(["doctor", "--spool", directory + "/spool"])
        #expect(table.status == 0 && table.stdout.contains("This directory can hold a spool."))
    }

    @Test(.enabled(if: Tmpfs.canMount)) func aTmpfsCanButAFullOneWarnsAndAReadOnlyOneFails() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Tmpfs.mount(at: directory, megabytes: 4)
        defer { Tmpfs.unmount(directory) }
        let small = try RecurBinary.run(["doctor", "--spool", directory + "/spool", "--json"])
        #expect(small.status == 0, "\(small.stdout)")
        #expect(try verdicts(small)["filesystem"] == "ok")
        #expect(try verdicts(small)["free space"] == "warning", "4 MB is below the 16 MB reserve: \(small.stdout)")
        #expect(
            try verdicts(try RecurBinary.run(["doctor", "--spool", directory + "/spool", "--min-free", "1M", "--json"]))[
                "free space"] == "ok")
        let remount = try RecurBinary.runProcess(
            URL(fileURLWithPath: "/bin/mount"), ["-o", "remount,ro", directory], environment: [:])
        #expect(remount.status == 0)
        let readOnly = try RecurBinary.run(["doctor", "--spool", directory + "/spool"])
        #expect(readOnly.status == 1, "\(readOnly.stdout)")
        #expect(readOnly.stdout.contains("FAIL") && readOnly.stdout.contains("cannot hold a spool"), "\(readOnly.stdout)")
    }

    @Test func aFileWhereTheSpoolShouldBeFails() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "not a directory".write(toFile: directory + "/spool", atomically: true, encoding: .utf8)
        let result = try RecurBinary.run(["doctor", "--spool", directory + "/spool"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("directories") && result.stdout.contains("FAIL"), "\(result.stdout)")
    }
}
