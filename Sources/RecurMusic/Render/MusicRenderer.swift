import Foundation
import RecurCore

/// What a render produced and how long it took.
public struct RenderReport: Sendable, Equatable {
    /// The file written.
    public var path: String
    /// Its format.
    public var format: OutputFormat
    /// The tune rendered (after decoding's repairs, in the key asked for).
    public var tune: Tune
    /// The melody rendered.
    public var melody: Melody { tune.melody }
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
    /// The synthesizer that played an audio file; nil for the other formats.
    public var synth: SynthUsed? = nil
    /// The instrument of each voice (also what MIDI files name).
    public var instruments: [Instrument] = []

    /// Synthesis plus encoding.
    public var renderSeconds: Double { synthesisSeconds + encodingSeconds }
    /// Seconds of music per second of rendering.
    public var realtimeFactor: Double { seconds / max(renderSeconds, 1e-9) }
}

/// The one call that turns a notes model's output into a file: tokens → tune → audio,
/// MIDI, ABC, a piano roll or a MusicXML score. `recur render`, `recur generate --format …` and the daemon
/// use it.
public enum MusicRenderer {
    /// Decodes `tokens` with `encoding` (the model's `notes` metadata, or the standard
    /// one) and writes them to `path` as `format`.
    ///
    /// The configuration is checked before anything is decoded or written; the file
    /// appears complete or not at all.
    /// - Throws: `RenderSettingError` (a setting out of range, or too long a tune),
    ///   `NoteDecodingError` (an unknown token, an empty tune), `SoundFontError`,
    ///   `InstrumentChoiceError`, `SoundFileError` or `FileWriteError` (the file could not
    ///   be written; they name the path).
    public static func render(
        tokens: [String], encoding: NoteEncoding = .standard, configuration: RenderConfiguration,
        format: OutputFormat, title: String = "Recur tune", to path: String
    ) throws -> RenderReport {
        try configuration.validate()
        let decoded = try encoding.decode(tokens)
        let tune = decoded.tune(in: configuration.key)
        var report = try render(tune, configuration: configuration, format: format, title: title, to: path)
        report.movedPitches = decoded.movedPitches
        report.ignoredTokens = decoded.ignoredTokens
        return report
    }

    /// Writes `melody` to `path` as `format`, as a tune with no meter (4/4) in C major.
    /// - Throws: `RenderSettingError`, `SoundFileError` or `FileWriteError`.
    public static func render(
        _ melody: Melody, configuration: RenderConfiguration, format: OutputFormat, to path: String
    ) throws -> RenderReport {
        try render(Tune(melody: melody), configuration: configuration, format: format, title: "Recur tune", to: path)
    }

    /// Writes `tune` to `path` as `format` (its key as it is: `configuration.key` applies
    /// to tokens only, before this).
    /// - Throws: `RenderSettingError`, `SoundFileError` or `FileWriteError`.
    public static func render(
        _ tune: Tune, configuration: RenderConfiguration, format: OutputFormat, title: String, to path: String
    ) throws -> RenderReport {
        let clock = ContinuousClock()
        var report = RenderReport(
            path: path, format: format, tune: tune, movedPitches: 0, ignoredTokens: 0, frames: 0,
            seconds: configuration.timing.seconds(atStep: tune.melody.steps), synthesisSeconds: 0, encodingSeconds: 0)
        report.instruments = tune.voices.indices.map {
            configuration.instruments.instrument(forVoice: $0, of: tune.voices.count)
        }
        let started = clock.now
        switch format {
        case .midi:
            try configuration.instruments.check(voiceCount: tune.voices.count)
            try MIDIFile.write(tune, configuration: configuration, to: path)
        case .abc:
            try configuration.validate()
            let text = ABCNotation.text(for: tune, title: title, tempo: configuration.tempo)
            try AtomicFile.write(Data(text.utf8), to: path)
        case .svg:
            try configuration.validate()
            try AtomicFile.write(Data(PianoRoll.svg(for: tune, title: title, tempo: configuration.tempo).utf8), to: path)
        case .musicxml:
            try configuration.validate()
            let document = MusicXML.document(for: tune, title: title, tempo: configuration.tempo)
            try AtomicFile.write(Data(document.utf8), to: path)
        case .score, .pdf:
            try configuration.validate()
            // The tools write into a hidden scratch directory beside the file, removed after.
            let scratch =
                (path as NSString).deletingLastPathComponent.nonEmptyPath
                + "/.engraving-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let data = try ScoreEngraver.engrave(
                tune, title: title, tempo: configuration.tempo, staves: configuration.staves, format: format, scratch: scratch)
            try AtomicFile.write(data, to: path)
        case .wav, .flac, .ogg, .mp3:
            let (audio, synth) = try AudioRenderer.render(tune, configuration: configuration)
            report.synth = synth
            let synthesised = clock.now
            try SoundFile.write(audio, to: path, format: format, sampleFormat: configuration.sampleFormat)
            report.synthesisSeconds = (synthesised - started).seconds
            report.encodingSeconds = (clock.now - synthesised).seconds
            report.frames = audio.frames
            report.seconds = audio.seconds
            return report
        }
        report.encodingSeconds = (clock.now - started).seconds
        return report
    }
}

extension String {
    /// `.` for an empty directory path (a file name without a directory).
    var nonEmptyPath: String { isEmpty ? "." : self }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
