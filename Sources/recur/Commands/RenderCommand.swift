import ArgumentParser
import Foundation
import RecurCore
import RecurMusic

/// `recur render`: a file of note tokens to audio, MIDI, ABC or a piano roll.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a tune of note tokens to WAV, FLAC, Ogg, MP3, MIDI, ABC, MusicXML or an SVG piano roll.",
        discussion: """
            NOTES.txt holds one tune of note tokens separated by whitespace: n<midi> starts a \
            note (n60 is middle C), '-' holds it for another 16th, 'r' starts a rest, '|' closes \
            a bar, and an optional <eos> ends the tune; headers before the first note give the \
            meter and mode (M:6/8 K:minor). With --voices N each step is N tokens, one per \
            voice, the highest first. The format comes from --out's extension (.wav, \
            .flac, .ogg, .mp3, .mid, .abc, .svg, .musicxml) unless --format is given. --key moves the tune \
            to another tonic, keeping its mode. See docs/MUSIC.md.
            """)

    @Argument(help: ArgumentHelp("A text file of note tokens.", valueName: "notes.txt")) var notes: String
    @Option(help: ArgumentHelp("The file to write.", valueName: "file")) var out: String
    @Option(help: ArgumentHelp("\(OutputFormat.names) (default: from --out's extension).", valueName: "format"))
    var format: String?
    @Option(help: ArgumentHelp("Write the tune in this key: its tonic, e.g. E, F#, Bb (the mode stays).", valueName: "tonic"))
    var key: String?
    @Option(
        help: ArgumentHelp(
            "Voices sounding together: each step is one token per voice, the highest first (default: read from the bars of a stream with a meter header, else 1).",
            valueName: "n"))
    var voices: Int?
    @OptionGroup var render: RenderOptions
    @Flag(help: "Print one JSON object: path, format, notes, steps, frames, seconds, render_seconds, realtime_factor.")
    var json = false

    func validate() throws {
        try render.validate(for: [resolvedFormat()])
        if let voices, !(1...NoteEncoding.maximumVoices).contains(voices) {
            throw ValidationError("--voices must be between 1 and \(NoteEncoding.maximumVoices), got \(voices)")
        }
        do {
            _ = try TuneOptions(key: key).tonic()
        } catch { throw error.flagError }
    }

    func run() throws {
        let outputFormat = try resolvedFormat()
        var configuration = try render.configuration(for: outputFormat)
        do {
            configuration.key = try TuneOptions(key: key).tonic()
        } catch { throw error.flagError }
        let text = try readTextFile(notes, what: "notes file")
        let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
        // A chorale's text says nothing of its voices but its bars do: 4/4 bars of 64 step
        // tokens are four voices, not one melody four times as long.
        let inferred = voices == nil ? NoteEncoding.inferredVoices(in: tokens) : nil
        let voices = self.voices ?? inferred ?? 1
        if let inferred, inferred > 1, !json {
            FileHandle.standardError.write(
                Data("\(notes): reading \(inferred) voices (from its bars); give --voices to say otherwise\n".utf8))
        }
        let report: RenderReport
        do {
            let title = ((notes as NSString).lastPathComponent as NSString).deletingPathExtension
            let encoding = voices > 1 ? NoteEncoding(meters: [], modes: [], voices: voices) : .standard
            report = try MusicRenderer.render(
                tokens: tokens, encoding: encoding, configuration: configuration, format: outputFormat, title: title, to: out)
        } catch let error as NoteDecodingError {
            throw InputError(description: "\(notes): \(error)")
        }
        let noteCount = report.tune.voices.reduce(0) { $0 + $1.notes.count }
        if json {
            printJSON(
                [
                    "path": report.path, "format": report.format.rawValue,
                    "tempo": configuration.tempo, "sample_rate": configuration.sampleRate, "channels": configuration.channels,
                    "notes": noteCount, "voices": report.tune.voices.count, "steps": report.tune.steps, "frames": report.frames,
                    "seconds": report.seconds, "render_seconds": report.renderSeconds,
                    "synthesis_seconds": report.synthesisSeconds, "encoding_seconds": report.encodingSeconds,
                    "realtime_factor": report.realtimeFactor, "moved_pitches": report.movedPitches,
                    "ignored_tokens": report.ignoredTokens,
                ].merging(TuneSummary(report.tune).json) { a, _ in a }.merging(report.playedJSON) { a, _ in a })
            return
        }
        let what: String
        switch outputFormat {
        case _ where outputFormat.isAudio:
            what =
                "\(outputFormat.rawValue.uppercased()) \(configuration.sampleRate) Hz \(configuration.channels == 1 ? "mono" : "stereo") (\(report.playedBy))"
        case .midi: what = "MIDI (\(report.playedBy))"
        case .score: what = "music engraved as SVG"
        case .pdf: what = "music engraved as PDF"
        default: what = outputFormat.rawValue.uppercased()
        }
        print(
            String(
                format: "%@: %d notes, %.1f s of %@ in %.3f s, %.0f× real time", out, noteCount, report.seconds, what,
                report.renderSeconds, report.realtimeFactor))
        if report.movedPitches > 0 {
            print(
                "\(report.movedPitches) note\(report.movedPitches == 1 ? " was" : "s were") outside the pitch range and moved by octaves into it"
            )
        }
        if report.ignoredTokens > 0 {
            print("\(report.ignoredTokens) token\(report.ignoredTokens == 1 ? " after <eos> was" : "s after <eos> were") ignored")
        }
    }

    private func resolvedFormat() throws -> OutputFormat {
        if let format {
            guard let parsed = OutputFormat(rawValue: format.lowercased()) else {
                throw InputError(description: "--format must be one of \(OutputFormat.names), got '\(format)'")
            }
            return parsed
        }
        guard let implied = OutputFormat(path: out) else {
            throw InputError(
                description:
                    "cannot tell the format from --out \(out); name it .wav, .flac, .ogg, .mp3, .mid, .abc, .svg or .musicxml, or give --format"
            )
        }
        return implied
    }
}
