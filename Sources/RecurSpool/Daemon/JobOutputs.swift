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
        for sample in samples {
            for kind in run.job.formats {
                if kind == .text {
                    let name = SampleFiles.name(index: sample.id.index, count: count, fileExtension: "txt")
                    try SpoolIO.writeNew(Data(sample.text.utf8), to: run.work + "/" + name)
                    files.append(name)
                    continue
                }
                guard let format = kind.audioFormat else { continue }
                let tokens = sample.text.split(separator: " ").map(String.init)
                guard !tokens.isEmpty else {
                    warnings.append("sample \(sample.id.index + 1) is an empty tune; no \(format.rawValue) written")
                    continue
                }
                let name = SampleFiles.name(index: sample.id.index, count: count, fileExtension: format.fileExtension)
                _ = try MusicRenderer.render(tokens: tokens, encoding: encoding, configuration: run.job.render, format: format, to: run.work + "/" + name)
                files.append(name)
            }
        }
        let seconds = Date().timeIntervalSince(run.started)
        let result: [String: Any] = [
            "id": run.id, "files": files, "seed": run.prepared.request.seed,
            "model": ["name": run.model.name, "data_sha256": run.model.dataSHA256],
            "formats": run.job.formats.map(\.rawValue),
            "samples": samples.map { ["index": $0.id.index + 1, "tokens": $0.generatedTokens, "ending": $0.ending.rawValue] as [String: Any] },
            "tokens": samples.reduce(0) { $0 + $1.generatedTokens },
            "timings": [
                "queued_seconds": max(0, run.started.timeIntervalSince(run.received)), "run_seconds": seconds,
                "received": iso8601(run.received), "finished": iso8601(Date()),
                "claimed_unix": run.started.timeIntervalSince1970,
            ],
            "warnings": warnings,
        ]
        try SpoolIO.writeNew(try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             to: run.work + "/result.json")
        return files
    }

    /// Writes error.json into a work directory.
    static func writeError(_ error: JobError, to work: String) throws {
        try SpoolIO.writeNew(error.json(), to: work + "/error.json")
    }

    static func iso8601(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
