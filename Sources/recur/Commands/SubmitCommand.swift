import ArgumentParser
import Foundation
import RecurCore
import RecurSpool

/// `recur submit`: put a job into the spool, optionally wait for its result.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job to the spool (a JSON file, or built from flags) and print its ID.",
        discussion: """
            The job is written to SPOOL/tmp/ under a unique name and renamed into SPOOL/incoming/, \
            so a daemon never sees half a file. With --wait, follow it until SPOOL/done/ID/ or \
            SPOOL/failed/ID/ appears: print the output directory, or the error and exit 1.
            """)

    @Argument(help: ArgumentHelp("A job file (DESIGN.md §7); omit to build the job from --model and the flags.", valueName: "job.json"))
    var jobFile: String?
    @OptionGroup var spool: SpoolOption
    @Option(help: ArgumentHelp("The model's name.", valueName: "name")) var model: String?
    @Option(help: "Number of samples.") var count: Int?
    @Option(help: "Maximum tokens per sample.") var length: Int?
    @Option(help: "Softmax temperature (0 = greedy).") var temperature: Double?
    @Option(name: .customLong("top-k"), help: "Sample from the k most probable tokens.") var topK: Int?
    @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold.") var topP: Double?
    @Option(help: "Text fed first; every sample starts with it.") var prime: String?
    @Option(help: "End a text sample before this text (repeatable; \\n understood).") var stop: [String] = []
    @Option(help: "Random seed.") var seed: UInt64?
    @Option(help: "text, wav, flac, ogg, mp3, midi, abc, svg; comma-separated for several.") var format: String?
    @OptionGroup(title: "Tunes (notes models)") var tune: TuneFlags
    @Flag(help: "Wait for the job to finish; print its output directory (exit 1 if it failed).") var wait = false
    @Option(help: "With --wait: give up after this many seconds (exit 2).") var timeout: Double = 3600

    func validate() throws {
        if jobFile == nil && model == nil { throw ValidationError("give a job file or --model NAME") }
        if jobFile != nil && model != nil { throw ValidationError("give a job file or --model with flags, not both") }
    }

    func run() throws {
        let layout = SpoolLayout(root: spool.path)
        try layout.create()
        let data = try jobData()
        do {
            _ = try JobFile.parse(data, limits: JobLimits())
        } catch {
            throw InputError(description: "the job is invalid: \(error)")
        }
        let id = Self.newID()
        let temporary = layout.temporary + "/.\(id).json"
        try SpoolIO.writeNew(data, to: temporary)
        try SpoolIO.rename(temporary, layout.incoming + "/\(id).json")
        try? SpoolIO.sync(layout.incoming, directory: true)
        guard wait else {
            print(id)
            return
        }
        FileHandle.standardError.write(Data("submitted \(id); waiting…\n".utf8))
        // Follow done/ and failed/ with inotify (plus a slow rescan as a safety net).
        let changed = DispatchSemaphore(value: 0)
        let queue = DispatchQueue(label: "recur.submit.wait")
        let watchers = try [layout.done, layout.failed].map { directory in
            try DirectoryWatcher(directory: directory, rescanInterval: 1, queue: queue) { _ in changed.signal() }
        }
        defer { watchers.forEach { $0.cancel() } }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: layout.done + "/" + id, isDirectory: &isDirectory) {
                print(layout.done + "/" + id)
                return
            }
            if FileManager.default.fileExists(atPath: layout.failed + "/" + id + "/error.json") {
                let text = (try? String(contentsOfFile: layout.failed + "/" + id + "/error.json", encoding: .utf8)) ?? "{}"
                FileHandle.standardError.write(Data("job \(id) failed: \(text)\n".utf8))
                throw ExitCode(1)
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            _ = changed.wait(timeout: .now() + min(left, 1))
        }
        FileHandle.standardError.write(Data("job \(id) did not finish within \(Int(timeout)) s (is `recur serve` running on \(layout.root)?)\n".utf8))
        throw ExitCode(2)
    }

    private func jobData() throws -> Data {
        if let jobFile {
            guard let data = FileManager.default.contents(atPath: jobFile) else {
                throw InputError(description: "cannot read job file \(jobFile)")
            }
            return data
        }
        var object: [String: Any] = ["model": model ?? ""]
        object["count"] = count
        object["length"] = length
        object["temperature"] = temperature
        object["top_k"] = topK
        object["top_p"] = topP
        object["prime"] = prime
        object["seed"] = seed
        object["meter"] = tune.meter
        object["mode"] = tune.mode
        object["key"] = tune.key
        if !stop.isEmpty { object["stop"] = stop.map(RequestOptions.unescape) }
        if let format {
            let formats = format.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            object["format"] = formats.count == 1 ? formats[0] as Any : formats as Any
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// A job ID that sorts by time and never repeats: UTC time plus random letters.
    static func newID() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<8).map { _ in letters[Int.random(in: 0..<letters.count)] })
        return formatter.string(from: Date()) + "-" + suffix
    }
}
