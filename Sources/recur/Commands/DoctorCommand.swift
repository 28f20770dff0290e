import ArgumentParser
import Foundation
import RecurSpool

/// `recur doctor`: can this directory hold a spool, here and shared with other hosts?
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that a directory can hold a spool: rename, flock, O_EXCL, inotify, the clock, free space.",
        discussion: """
            Each check is tried on files of its own in the spool's tmp/ (named with a leading \
            dot, which daemons ignore) and removed afterwards; it is safe on a spool in use. \
            Run it on every host that mounts a shared spool. Exit status: 0 when nothing \
            failed (warnings allowed), 1 when a check failed.
            """)

    @OptionGroup var spool: SpoolOption
    @Option(name: .customLong("min-free"), help: "The daemons' reserve of free space (as recur serve --min-free).")
    var minFree = "16M"
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard SpoolSpace.parseSize(minFree) != nil else {
            throw ValidationError("--min-free must be a size in bytes such as 0, 512k, 64M or 1G, got '\(minFree)'")
        }
    }

    func run() throws {
        var doctor = SpoolDoctor(layout: SpoolLayout(root: spool.path))
        doctor.reserveBytes = SpoolSpace.parseSize(minFree) ?? doctor.reserveBytes
        let checks = doctor.run()
        let failed = checks.contains { $0.verdict == .fail }
        if json {
            let rows = checks.map { ["check": $0.name, "verdict": $0.verdict.rawValue, "detail": $0.detail] }
            printJSON(["spool": doctor.layout.root, "checks": rows, "verdict": failed ? "fail" : "ok"])
        } else {
            print("spool \(doctor.layout.root)")
            printTable(
                header: ["CHECK", "VERDICT", "DETAIL"],
                rows: checks.map { [$0.name, $0.verdict.rawValue.uppercased(), $0.detail] })
            print(failed ? "This directory cannot hold a spool safely: fix what failed." : "This directory can hold a spool.")
        }
        if failed { throw ExitCode(1) }
    }
}
