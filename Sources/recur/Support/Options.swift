import ArgumentParser
import Foundation
import RecurCore

/// `--models DIR`, shared by every command that looks models up by name.
struct ModelsDirectoryOption: ParsableArguments {
    @Option(name: .customLong("models"), help: ArgumentHelp("Directory of model files.", valueName: "dir"))
    var directory: String?

    var catalog: ModelCatalog { ModelCatalog(directory: directory) }

    /// Resolves a name or path and loads the model, with errors that say what to fix.
    func loadModel(_ nameOrPath: String) throws -> RecurModel {
        let path = try catalog.path(for: nameOrPath)
        return try RecurModel(contentsOf: path)
    }
}

/// `--threads N` for commands that do numeric work.
struct ThreadsOption: ParsableArguments {
    @Option(help: "Threads for the matrix work (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 {
            throw ValidationError("--threads must be between 1 and 1024, got \(threads)")
        }
    }

    /// The thread count in effect.
    var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// For every command: OpenBLAS gets one thread, because its idle workers spin
    /// (sched_yield) and steal a core from ours, and its waiting threads stall for a
    /// time slice when one of them loses its core to another process. Recur splits the
    /// work itself (`SpinningHelper`, `SplitProduct`, `ShardedStep`).
    func keepBLASSingleThreaded() {
        BLAS.setThreadCount(1)
    }
}

/// Prints one JSON object on stdout, keys sorted, for `--json`.
func printJSON(_ object: [String: Any]) {
    let data =
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}

/// An error about the user's input that is not a command-line mistake (so no usage
/// text follows it): a missing file, a file in the wrong encoding.
struct InputError: Error, CustomStringConvertible {
    let description: String
}

/// Reads a UTF-8 text file, with an error naming the file and the problem.
func readTextFile(_ path: String, what: String) throws -> String {
    let data: Data
    do {
        data = try FileReading.read(path)
    } catch {
        throw InputError(description: "cannot read \(what) \(path): \(error.reason); give a text file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw InputError(description: "\(what) \(path) is not UTF-8 text; convert it (e.g. iconv -t UTF-8) and try again")
    }
    return text
}

/// The `strerror` text behind a Foundation file error, when there is one.
func systemReason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSCocoaErrorDomain && ns.code == NSFileReadNoSuchFileError { return "No such file or directory" }
    return ns.localizedDescription
}

/// Formats a byte count as KB/MB.
func formatBytes(_ bytes: Int) -> String {
    if bytes >= 1 << 20 { return String(format: "%.1f MB", Double(bytes) / Double(1 << 20)) }
    if bytes >= 1 << 10 { return String(format: "%.1f KB", Double(bytes) / Double(1 << 10)) }
    return "\(bytes) B"
}

/// Formats a count with thousands separators.
func formatCount(_ n: Int) -> String {
    let digits = String(n)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

/// Writes text to stdout at once, unbuffered, for streaming.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Fails now, not at the end of a long run, when a file cannot be written at `path`
/// for `flag`: its directory is missing, is not a directory or is not writable, or the
/// path itself is a directory.
func requireWritableFile(_ path: String, flag: String) throws {
    let parent = (path as NSString).deletingLastPathComponent
    let directory = parent.isEmpty ? "." : parent
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
        throw InputError(
            description: "\(flag) \(path): the directory \(directory) does not exist; create it or give another path")
    }
    guard isDirectory.boolValue else {
        throw InputError(description: "\(flag) \(path): \(directory) is not a directory; give a path inside a directory")
    }
    guard access(directory, W_OK) == 0 else {
        throw InputError(
            description:
                "\(flag) \(path): the directory \(directory) is not writable (\(String(cString: strerror(errno)))); give another path"
        )
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw InputError(description: "\(flag) \(path) is a directory; give a file name")
    }
}
