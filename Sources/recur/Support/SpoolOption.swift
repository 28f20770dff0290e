import ArgumentParser
import Foundation

/// `--spool DIR`: `$RECUR_SPOOL`, else /var/spool/recur when it exists, else ./spool.
struct SpoolOption: ParsableArguments {
    @Option(
        name: .customLong("spool"),
        help: ArgumentHelp(
            "Spool directory (default: $RECUR_SPOOL, else /var/spool/recur if it exists, else ./spool).", valueName: "dir"))
    var directory: String?

    var path: String {
        if let directory { return directory }
        if let environment = ProcessInfo.processInfo.environment["RECUR_SPOOL"], !environment.isEmpty { return environment }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/var/spool/recur", isDirectory: &isDirectory), isDirectory.boolValue {
            return "/var/spool/recur"
        }
        return "./spool"
    }
}
