import RecurCore

/// Writes one sampled tune in every rendered format a request asks for. `recur generate
/// --out` and the daemon both use it, so a sample's files and its summary are the same
/// whichever wrote them.
public enum TuneFiles {
    /// What was written for one sample.
    public struct Written: Sendable {
        /// The file names written into the directory, in the order of `formats`.
        public var names: [String]
        /// The tune's meter, mode, key and bars; nil for an empty tune.
        public var summary: TuneSummary?
        /// Why some files were not written (an empty tune), for the caller to report.
        public var warning: String?
        /// The render of each file written, in the order of `names`.
        public var reports: [RenderReport] = []

        /// Who played each audio file, for result.json: its name with `playedJSON`.
        public var audioJSON: [[String: Any]] {
            zip(names, reports).filter { $0.1.format.isAudio }.map { name, report in
                report.playedJSON.merging(["file": name]) { a, _ in a }
            }
        }
    }

    /// Decodes `tokens` once, moves the tune to `configuration.key`, and writes it as
    /// each of `formats` into `directory` under `SampleFiles.name(index:count:…)`.
    ///
    /// A tune with no step (the model ended it at once, perhaps after its headers) writes
    /// nothing and comes back with a warning: an empty sample is an outcome, not an error.
    /// - Throws: `RenderSettingError`, `NoteDecodingError` (a token the encoding cannot
    ///   read), `SoundFileError` or `FileWriteError`.
    public static func write(
        tokens: [String], encoding: NoteEncoding, formats: [OutputFormat], configuration: RenderConfiguration,
        title: String, index: Int, count: Int, to directory: String
    ) throws -> Written {
        guard !formats.isEmpty else { return Written(names: [], summary: nil, warning: nil) }
        try configuration.validate()
        let decoded: DecodedMelody
        switch Result(catching: { () throws(NoteDecodingError) in try encoding.decode(tokens) }) {
        case .success(let melody):
            decoded = melody
        case .failure(let error):
            guard error.problem == .emptyTune else { throw error }
            let names = formats.map(\.rawValue).joined(separator: ", ")
            return Written(
                names: [], summary: nil,
                warning: "sample \(index + 1) is an empty tune (the model ended it at once); no \(names) written")
        }
        let tune = decoded.tune(in: configuration.key)
        var names: [String] = []
        var reports: [RenderReport] = []
        for format in formats {
            let name = SampleFiles.name(index: index, count: count, fileExtension: format.fileExtension)
            reports.append(
                try MusicRenderer.render(
                    tune, configuration: configuration, format: format, title: title, to: directory + "/" + name))
            names.append(name)
        }
        return Written(names: names, summary: TuneSummary(tune), warning: nil, reports: reports)
    }

    /// The summary of a sample's tokens in `key` without writing anything (for a request
    /// with text output only); nil when the tune is empty or cannot be read.
    public static func summary(tokens: [String], encoding: NoteEncoding, key: Tonic?) -> TuneSummary? {
        guard let decoded = try? encoding.decode(tokens) else { return nil }
        return TuneSummary(decoded.tune(in: key))
    }
}
