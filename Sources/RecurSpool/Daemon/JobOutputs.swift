import Foundation
import RecurCore
import RecurMusic

/// Writes a finished job's files into its work directory — samples in every requested
/// format, then result.json — each fsync'd, ready for the one rename that publishes them.
enum JobOutputs {
    /// Writes the samples and result.json; returns the file names written.
    static func write(_ run: JobRun) throws -> [String] {
        let samples = run.completed
        let count = run.prepared.request.count
        var files: [String] = []
        var warnings: [String] = []
        let encoding = try run.model.notesJSON.map { try NoteEncoding(json: $0) } ?? .standard
        let isNotes = run.model.vocabulary.kind == .notes
        let rendered = run.job.formats.compactMap(\.audioFormat)
        var summaries: [Int: TuneSummary] = [:]
        var audio: [Int: [[String: Any]]] = [:]
        for sample in samples {
            if run.job.formats.contains(.text) {
                let name = SampleFiles.name(index: sample.id.index, count: count, fileExtension: "txt")
                try SpoolIO.writeNew(Data(sample.text.utf8), to: run.work + "/" + name)
                files.append(name)
            }
            guard isNotes else { continue }
            let tokens = sample.text.split(separator: " ").map(String.init)
            let written = try TuneFiles.write(
                tokens: tokens, encoding: encoding, formats: rendered, configuration: run.job.render,
                title: "\(run.model.name) \(sample.id.index + 1) (seed \(run.prepared.request.seed))", index: sample.id.index,
                count: count, to: run.work)
            files += written.names
            if let warning = written.warning { warnings.append(warning) }
            audio[sample.id.index] = written.audioJSON
            summaries[sample.id.index] =
                written.summary ?? TuneFiles.summary(tokens: tokens, encoding: encoding, key: run.job.render.key)
        }
        let seconds = Date().timeIntervalSince(run.started)
        var result: [String: Any] = [
            "id": run.id, "files": files, "seed": run.prepared.request.seed,
            "model": ["name": run.model.name, "data_sha256": run.model.dataSHA256],
            "formats": run.job.formats.map(\.rawValue),
            "samples": samples.map { sample -> [String: Any] in
                let summary = summaries[sample.id.index]
                var object: [String: Any] = [
                    "index": sample.id.index + 1, "tokens": sample.generatedTokens, "ending": sample.ending.rawValue,
                ]
                if let played = audio[sample.id.index], !played.isEmpty { object["audio"] = played }
                return object.merging(summary?.json ?? [:]) { a, _ in a }
                    .merging(sample.likelihoodFields(steps: summary?.steps)) { a, _ in a }
            },
            "tokens": samples.reduce(0) { $0 + $1.generatedTokens },
            "timings": [
                "queued_seconds": max(0, run.started.timeIntervalSince(run.received)), "run_seconds": seconds,
                "received": iso8601(run.received), "finished": iso8601(Date()),
                "claimed_unix": run.started.timeIntervalSince1970,
            ],
            "warnings": warnings,
        ]
        if let beam = run.prepared.request.beam { result["beam"] = beam }
        if let bestOf = run.prepared.request.bestOf { result["best_of"] = bestOf }
        try SpoolIO.writeNew(
            Data(JSONText.pretty(result).utf8),
            to: run.work + "/result.json")
        return files
    }

    /// The error.json for a job whose results could not be written: a render that failed
    /// (a score's tool, a sound font, an instrument, too long a tune) names its field; a
    /// file that could not be written says how to make room.
    static func jobError(for error: any Error) -> JobError {
        switch error {
        case let error as EngravingError:
            return JobError(
                error: "engraving the score failed: \(error).", field: "format", value: nil,
                hint:
                    "Leave out \"score\" and \"pdf\", or fix \(error.tool) on the daemon's host; the other formats need nothing else."
            )
        case let error as SoundFontError:
            return JobError(
                error: "playing the audio failed: \(error).", field: "render.soundfont", value: nil,
                hint: "Name a sound font the daemon can read, or set \"synth\": \"builtin\".")
        case let error as InstrumentChoiceError:
            return JobError(
                error: "\"render.instrument\": \(error).", field: "render.instrument", value: nil,
                hint: "Name only the voices the tune has, or give one instrument for all.")
        case let error as RenderSettingError:
            return JobError(
                error: "rendering failed: \(error).", field: "render.\(error.setting)", value: nil,
                hint: "Change \"\(error.setting)\" as the message says, or ask for fewer or shorter samples.")
        default:
            return JobError(
                error: "writing the results failed: \(error)", field: nil, value: nil,
                hint:
                    "free space, raise the file-size limit or fix permissions in the spool, or ask for less output; then submit the job again"
            )
        }
    }

    /// Writes error.json into a work directory.
    static func writeError(_ error: JobError, to work: String) throws {
        if Failpoint.slowErrorWrite.isActive { Thread.sleep(forTimeInterval: Failpoint.slowWriteSeconds) }
        try SpoolIO.writeNew(error.json(), to: work + "/error.json")
    }

    /// `2026-11-26T12:00:00Z`, by hand: Foundation's ISO-8601 formatters open a
    /// calendar and a time zone through ICU, which costs the daemon 4–6 MB of resident
    /// memory (measured) for a string it can make from `gmtime_r`.
    static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
