import ArgumentParser
import Foundation
import RecurCore
import RecurMusic
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

    @Argument(
        help: ArgumentHelp("A job file (DESIGN.md §7); omit to build the job from --model and the flags.", valueName: "job.json"))
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
    @Option(name: .customLong("best-of"), help: ArgumentHelp("Keep the likeliest of N candidates per sample.", valueName: "n"))
    var bestOf: Int?
    @Option(help: ArgumentHelp("Beam search of width K instead of sampling.", valueName: "k")) var beam: Int?
    @Option(help: "text, or for notes models \(OutputFormat.names); comma-separated for several.") var format: String?
    @OptionGroup(title: "Tunes (notes models)") var tune: TuneFlags
    @Flag(help: "Wait for the job to finish; print its output directory (exit 1 if it failed).") var wait = false
    @Option(help: "With --wait: give up after this many seconds (exit 2; default 3600).") var timeout: Double?

    func validate() throws {
        if jobFile == nil && model == nil { throw ValidationError("give a job file or --model NAME") }
        if jobFile != nil && model != nil { throw ValidationError("give a job file or --model with flags, not both") }
        if let timeout {
            guard wait else { throw ValidationError("--timeout applies to --wait; add --wait or drop --timeout") }
            guard timeout > 0 && timeout <= 31_536_000 else {
                throw ValidationError("--timeout must be more than 0 and at most 31536000 seconds (a year), got \(timeout)")
            }
        }
    }

    func run() throws {
        let client = try SpoolClient(root: spool.path)
        let data = try jobData()
        // The limits the serving daemon publishes, else those `recur serve` starts with.
        let published = DaemonStatus.read(from: client.layout)?.status.limits
        do {
            _ = try JobFile.parse(data, limits: published?.jobLimits ?? JobLimits.serving)
        } catch {
            let source =
                published == nil
                ? " (checked against the limits `recur serve` starts with: no daemon has published its own in \(client.layout.status))"
                : " (checked against the limits the daemon publishes in \(client.layout.status))"
            throw InputError(description: "the job is invalid: \(error)\(source)")
        }
        let id = try client.submit(data)
        guard wait else {
            print(id)
            return
        }
        FileHandle.standardError.write(Data("submitted \(id); waiting…\n".utf8))
        let limit = timeout ?? 3600
        switch try client.wait(for: id, timeout: limit) {
        case .done(let directory):
            print(directory)
        case .failed(let errorJSON):
            FileHandle.standardError.write(Data("job \(id) failed: \(errorJSON)\n".utf8))
            throw ExitCode(1)
        case .timedOut:
            FileHandle.standardError.write(
                Data(
                    "job \(id) did not finish within \(String(format: "%g", limit)) s (is `recur serve` running on \(client.layout.root)?)\n"
                        .utf8))
            throw ExitCode(2)
        }
    }

    private func jobData() throws -> Data {
        if let jobFile {
            do {
                return try FileReading.read(jobFile)
            } catch {
                throw InputError(description: "cannot read job file \(jobFile): \(error.reason)")
            }
        }
        var object: [String: Any] = ["model": model ?? ""]
        object["count"] = count
        object["length"] = length
        object["temperature"] = temperature
        object["top_k"] = topK
        object["top_p"] = topP
        object["prime"] = prime
        object["seed"] = seed
        object["best_of"] = bestOf
        object["beam"] = beam
        // A melody file gives its meter, mode and key where no flag does.
        let options = try tune.options()
        object["meter"] = options.meter
        object["mode"] = options.mode
        object["key"] = options.key
        object["harmonize"] = options.harmonize
        if tune.freeBars { object["free_bars"] = true }
        if tune.freeForm { object["free_form"] = true }
        if tune.freeVoicing { object["free_voicing"] = true }
        if !stop.isEmpty { object["stop"] = stop.map(RequestOptions.unescape) }
        if let format {
            let formats = format.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            object["format"] = formats.count == 1 ? formats[0] as Any : formats as Any
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
