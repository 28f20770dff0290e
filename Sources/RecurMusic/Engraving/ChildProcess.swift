import Foundation

/// Runs a tool Recur relies on (abcm2ps, rsvg-convert) as a child process: no shell, no
/// input, output to files in a directory of the caller's, and a time limit after which
/// it is stopped (SIGTERM, then SIGKILL a second later), so that a tool that hangs fails
/// its job alone.
struct ChildProcess {
    /// The tool's program name and the places it is looked for, in order.
    let name: String
    let candidates: [String]

    /// A tool found in `/usr/bin`, `/usr/local/bin` or `/bin`, or at `$override` when set.
    init(name: String, environmentOverride: String) {
        self.name = name
        var candidates = ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/bin/\(name)"]
        if let path = ProcessInfo.processInfo.environment[environmentOverride], !path.isEmpty { candidates = [path] }
        self.candidates = candidates
    }

    /// The executable that runs, or nil when none is installed.
    var executable: String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

    /// What a run ended with.
    struct Outcome {
        var status: Int32
        var timedOut: Bool
        /// The end of what it wrote to standard error (and output), for an error message.
        var messages: String
    }

    /// Runs the tool with `arguments` in `directory`, for at most `timeLimit` seconds.
    /// - Throws: `EngravingError` when the tool is missing or cannot be started.
    func run(_ arguments: [String], in directory: String, timeLimit: Double) throws(EngravingError) -> Outcome {
        guard let executable else { throw EngravingError(tool: name, problem: .missing) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        // A fixed date for what the tools stamp into their files (cairo, under
        // rsvg-convert, writes it as the PDF's CreationDate), so that the same job gives the
        // same bytes; a date the caller set is kept.
        var environment = ProcessInfo.processInfo.environment
        if environment["SOURCE_DATE_EPOCH"] == nil { environment["SOURCE_DATE_EPOCH"] = "0" }
        process.environment = environment
        let log = directory + "/\(name).log"
        guard FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log)
        else { throw EngravingError(tool: name, problem: .cannotStart("cannot write \(log)")) }
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        do {
            try process.run()
        } catch {
            throw EngravingError(tool: name, problem: .cannotStart("\(error)"))
        }
        var timedOut = false
        if ended.wait(timeout: .now() + timeLimit) == .timedOut {
            timedOut = true
            process.terminate()
            if ended.wait(timeout: .now() + 1) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                ended.wait()
            }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(6).joined(separator: "; ")
        return Outcome(status: process.terminationStatus, timedOut: timedOut, messages: String(lines.suffix(600)))
    }
}

/// An engraved score that could not be made: which tool, and why.
public struct EngravingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// The tool is not installed.
        case missing
        /// It could not be started.
        case cannotStart(String)
        /// It ran longer than the time limit and was stopped.
        case timedOut(seconds: Double)
        /// It failed (its exit status and the end of its messages) or wrote nothing.
        case failed(status: Int32, messages: String)
    }

    /// `abcm2ps` or `rsvg-convert`.
    public let tool: String
    public let problem: Problem

    public init(tool: String, problem: Problem) {
        self.tool = tool
        self.problem = problem
    }

    /// The Debian package that has the tool.
    var package: String { tool == "abcm2ps" ? "abcm2ps" : "librsvg2-bin" }

    public var description: String {
        switch problem {
        case .missing:
            "\(tool) is not installed: apt install \(package) (scripts/install-deps does), or leave out the score and pdf formats"
        case .cannotStart(let reason):
            "\(tool) could not be started: \(reason)"
        case .timedOut(let seconds):
            "\(tool) ran longer than \(seconds.formatted) s and was stopped; ask for a shorter tune"
        case .failed(let status, let messages):
            "\(tool) failed (exit status \(status))" + (messages.isEmpty ? "" : ": \(messages)")
        }
    }
}
