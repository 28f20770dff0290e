import Foundation

/// How a four-voice score is laid out.
public enum ScoreStaves: Int, Sendable, Hashable, CaseIterable {
    /// Soprano and alto on a treble staff, tenor and bass on a bass staff (a hymnal's close score).
    case paired = 2
    /// A staff for each voice (open score), the tenor in the treble clef with an 8 below.
    case perVoice = 4
}

/// Engraved staff notation: the tune's ABC (`ABCNotation`) set by abcm2ps as SVG, and that
/// SVG as a one-page PDF by rsvg-convert — tools Debian ships (`abcm2ps`, `librsvg2-bin`),
/// run as child processes with a time limit, in a scratch directory beside the file being
/// written.
public enum ScoreEngraver {
    /// The longest either tool may run for one tune, in seconds: 20 (a tune takes
    /// milliseconds), or `$RECUR_ENGRAVING_TIME_LIMIT` (0.1…600).
    public static var timeLimit: Double {
        let given = ProcessInfo.processInfo.environment["RECUR_ENGRAVING_TIME_LIMIT"].flatMap(Double.init)
        return given.map { min(600, max(0.1, $0)) } ?? 20
    }

    /// abcm2ps, or `$RECUR_ABCM2PS`.
    static var abcm2ps: ChildProcess { ChildProcess(name: "abcm2ps", environmentOverride: "RECUR_ABCM2PS") }
    /// rsvg-convert, or `$RECUR_RSVG_CONVERT`.
    static var rsvgConvert: ChildProcess { ChildProcess(name: "rsvg-convert", environmentOverride: "RECUR_RSVG_CONVERT") }

    /// Whether the tools for `format` (`.score`: abcm2ps; `.pdf`: both) are installed; the
    /// error that says which is missing otherwise.
    public static func checkTools(for format: OutputFormat) throws(EngravingError) {
        guard format == .score || format == .pdf else { return }
        if abcm2ps.executable == nil { throw EngravingError(tool: "abcm2ps", problem: .missing) }
        if format == .pdf, rsvgConvert.executable == nil { throw EngravingError(tool: "rsvg-convert", problem: .missing) }
    }

    /// The engraved score of `tune` as SVG (`.score`) or PDF (`.pdf`): title, tempo, meter,
    /// key, bars, ties and pickup as the ABC has them, as many bars to a system as fit.
    /// `scratch` is a directory the caller owns; the tools write there, and it is emptied.
    /// - Throws: `EngravingError`.
    public static func engrave(
        _ tune: Tune, title: String, tempo: Double, staves: ScoreStaves, format: OutputFormat, scratch: String
    ) throws(EngravingError) -> Data {
        try checkTools(for: format)
        // abcm2ps fills each system itself (`continueall`) rather than keeping the ABC's four
        // bars a line: a line of dense bars can need more than the page's width, which
        // abcm2ps refuses ("Line too much shrunk").
        let abc = "%%continueall 1\n" + ABCNotation.text(for: tune, title: title, tempo: tempo, staves: staves)
        let input = scratch + "/tune.abc"
        guard FileManager.default.createFile(atPath: input, contents: Data(abc.utf8)) else {
            throw EngravingError(tool: "abcm2ps", problem: .cannotStart("cannot write \(input)"))
        }
        // -g: SVG, one file per tune however long it is (a page break does not split it).
        let set = try abcm2ps.run(["-q", "-g", "-O", "score", "tune.abc"], in: scratch, timeLimit: timeLimit)
        let svgPath = scratch + "/score001.svg"
        try check(set, tool: "abcm2ps", output: svgPath)
        guard let svg = FileManager.default.contents(atPath: svgPath) else {
            throw EngravingError(tool: "abcm2ps", problem: .failed(status: set.status, messages: "it wrote no SVG"))
        }
        guard format == .pdf else { return withoutCreationDate(svg) }
        let converted = try rsvgConvert.run(
            ["--format", "pdf", "--background-color", "white", "--output", "score.pdf", "score001.svg"], in: scratch,
            timeLimit: timeLimit)
        try check(converted, tool: "rsvg-convert", output: scratch + "/score.pdf")
        guard let pdf = FileManager.default.contents(atPath: scratch + "/score.pdf") else {
            throw EngravingError(tool: "rsvg-convert", problem: .failed(status: converted.status, messages: "it wrote no PDF"))
        }
        return pdf
    }

    /// `svg` without the `<!-- CreationDate: … -->` comment abcm2ps writes from the clock
    /// (to the minute; it does not read `SOURCE_DATE_EPOCH`), so that the same tune gives the
    /// same bytes. The comment is in the header, before the first drawing; nothing else changes.
    static func withoutCreationDate(_ svg: Data) -> Data {
        let marker = Data("\n<!-- CreationDate: ".utf8)
        let header = svg.startIndex..<min(svg.endIndex, svg.startIndex + 4096)
        guard let start = svg.range(of: marker, in: header),
            let end = svg[start.upperBound...].firstIndex(of: UInt8(ascii: "\n"))
        else { return svg }
        var cleaned = svg
        cleaned.removeSubrange(start.lowerBound..<end)
        return cleaned
    }

    private static func check(_ outcome: ChildProcess.Outcome, tool: String, output: String) throws(EngravingError) {
        if outcome.timedOut { throw EngravingError(tool: tool, problem: .timedOut(seconds: timeLimit)) }
        guard outcome.status == 0, FileManager.default.fileExists(atPath: output) else {
            throw EngravingError(tool: tool, problem: .failed(status: outcome.status, messages: outcome.messages))
        }
    }
}
