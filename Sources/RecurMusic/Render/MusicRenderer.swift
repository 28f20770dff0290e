/// What a render produced and how long it took.
public struct RenderReport: Sendable, Equatable {
    /// The file written.
    public var path: String
    /// Its format.
    public var format: OutputFormat
    /// The melody rendered (after decoding's repairs).
    public var melody: Melody
    /// Pitches decoding moved by octaves into the encoding's range.
    public var movedPitches: Int
    /// Tokens after the tune's `<eos>`, not rendered.
    public var ignoredTokens: Int
    /// Audio frames written (0 for MIDI).
    public var frames: Int
    /// The length of the music in seconds (audio: frames / rate, release included;
    /// MIDI: the tune's length).
    public var seconds: Double
    /// Seconds spent synthesising (0 for MIDI).
    public var synthesisSeconds: Double
    /// Seconds spent encoding and writing the file, fsync and rename included.
    public var encodingSeconds: Double

    /// Synthesis plus encoding.
    public var renderSeconds: Double { synthesisSeconds + encodingSeconds }
    /// Seconds of music per second of rendering.
    public var realtimeFactor: Double { seconds / max(renderSeconds, 1e-9) }
}

/// The one call that turns a notes model's output into a file: tokens → melody →
/// audio or MIDI. `recur render` and `recur generate --format wav|flac|ogg|midi` use it.
public enum MusicRenderer {
    /// Decodes `tokens` with `encoding` (the model's `notes` metadata, or the standard
    /// one) and writes them to `path` as `format`.
    ///
    /// The configuration is checked before anything is decoded or written; the file
    /// appears complete or not at all.
    /// - Throws: `RenderSettingError` (a setting out of range, or too long a tune),
    ///   `NoteDecodingError` (an unknown token, an empty tune), `SoundFileError` or
    ///   `FileWriteError` (the file could not be written; they name the path).
    public static func render(
        tokens: [String], encoding: NoteEncoding = .standard, configuration: RenderConfiguration,
        format: OutputFormat, to path: String
    ) throws -> RenderReport {
        try configuration.validate()
        let decoded = try encoding.decode(tokens)
        var report = try render(decoded.melody, configuration: configuration, format: format, to: path)
        report.movedPitches = decoded.movedPitches
        report.ignoredTokens = decoded.ignoredTokens
        return report
    }

    /// Writes `melody` to `path` as `format`.
    /// - Throws: `RenderSettingError`, `SoundFileError` or `FileWriteError`.
    public static func render(
        _ melody: Melody, configuration: RenderConfiguration, format: OutputFormat, to path: String
    ) throws -> RenderReport {
        let clock = ContinuousClock()
        var report = RenderReport(
            path: path, format: format, melody: melody, movedPitches: 0, ignoredTokens: 0, frames: 0,
            seconds: configuration.timing.seconds(atStep: melody.steps), synthesisSeconds: 0, encodingSeconds: 0)
        if format == .midi {
            let started = clock.now
            try MIDIFile.write(melody, configuration: configuration, to: path)
            report.encodingSeconds = (clock.now - started).seconds
            return report
        }
        let started = clock.now
        let audio = try Synthesizer.render(melody, configuration: configuration)
        let synthesised = clock.now
        try SoundFile.write(audio, to: path, format: format, sampleFormat: configuration.sampleFormat)
        report.synthesisSeconds = (synthesised - started).seconds
        report.encodingSeconds = (clock.now - synthesised).seconds
        report.frames = audio.frames
        report.seconds = audio.seconds
        return report
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
