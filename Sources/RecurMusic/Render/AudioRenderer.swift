import Foundation

/// The synthesizer that played an audio file, as result.json and `recur render` report it.
public struct SynthUsed: Sendable, Hashable {
    /// `.fluidsynth` or `.builtin`, never `.auto`.
    public var synth: SynthChoice
    /// The sound font FluidSynth played; nil for the built-in synthesizer.
    public var soundFont: String?

    public init(synth: SynthChoice, soundFont: String?) {
        self.synth = synth
        self.soundFont = soundFont
    }
}

/// Turns a tune into audio with FluidSynth or the built-in synthesizer, whichever the
/// configuration and the machine give (`SynthChoice`), scaled as the built-in synthesizer
/// scales: the loudest sample is velocity / 127 × −1 dBFS.
public enum AudioRenderer {
    /// The longest FluidSynth's audio rings on after the tune's end (a release, the reverb),
    /// in seconds; it stops sooner, once 60 dB below the loudest sample.
    public static var maximumTail: Double { FluidSynthPlayer.maximumTail }

    /// Which synthesizer `configuration` plays with here, its sound font loaded (and kept
    /// for the next render) when it is FluidSynth: the check a job gets before it samples.
    /// - Throws: `SoundFontError` (a named sound font missing or unreadable; FluidSynth asked
    ///   for and none found).
    public static func synth(for configuration: RenderConfiguration) throws(SoundFontError) -> SynthUsed {
        try player(for: configuration).used
    }

    /// The synthesizer `configuration` plays with here, and FluidSynth's loaded player when
    /// it is FluidSynth.
    private static func player(
        for configuration: RenderConfiguration
    ) throws(SoundFontError) -> (used: SynthUsed, player: FluidSynthPlayer?) {
        let builtin = SynthUsed(synth: .builtin, soundFont: nil)
        guard configuration.synth != .builtin else { return (builtin, nil) }
        guard let path = try SoundFont.locate(explicit: configuration.soundFont) else {
            if configuration.synth == .fluidsynth { throw SoundFontError(path: "", problem: .noneFound) }
            return (builtin, nil)
        }
        let player = try FluidSynthPlayer.shared(soundFont: path, sampleRate: configuration.sampleRate)
        return (SynthUsed(synth: .fluidsynth, soundFont: path), player)
    }

    /// What plays audio for a job that names no synthesizer or sound font, loaded now, for
    /// the daemon to say once when it starts: `FluidSynth with /usr/share/…/FluidR3_GM.sf2`,
    /// the built-in synthesizer and why, or why audio jobs will fail.
    public static func defaultSynthDescription() -> String {
        do {
            let used = try synth(for: RenderConfiguration())
            if let soundFont = used.soundFont { return "FluidSynth with \(soundFont)" }
            return
                "the built-in synthesizer (no sound font found: set $\(SoundFont.environmentVariable) or apt install fluid-soundfont-gm)"
        } catch {
            return "none: audio jobs that name no sound font fail until this is fixed: \(error)"
        }
    }

    /// Renders every voice of `tune`, each with its instrument; stereo pans the voices as
    /// `Synthesizer.panPosition` says, mono is the two channels' mean.
    /// - Throws: `RenderSettingError` (a setting out of range, too long a tune),
    ///   `SoundFontError`, `InstrumentChoiceError` (an instrument for a voice the tune lacks).
    public static func render(_ tune: Tune, configuration: RenderConfiguration) throws -> (AudioBuffer, SynthUsed) {
        try configuration.validate()
        try configuration.instruments.check(voiceCount: tune.voices.count)
        let (used, player) = try player(for: configuration)
        guard let player else { return (try Synthesizer.render(tune, configuration: configuration), used) }
        try Synthesizer.checkDuration(of: tune, configuration: configuration)
        let (left, right) = try player.play(
            midi: try MIDIFile.data(for: tune, configuration: configuration),
            frames: configuration.timing.frame(atStep: tune.steps))
        var samples: [Float]
        if configuration.channels == 2 {
            samples = [Float](repeating: 0, count: left.count * 2)
            for i in left.indices {
                samples[2 * i] = left[i]
                samples[2 * i + 1] = right[i]
            }
        } else {
            samples = zip(left, right).map { ($0 + $1) / 2 }
        }
        Synthesizer.scaleToPeak(&samples, velocity: configuration.velocity)
        return (AudioBuffer(samples: samples, channels: configuration.channels, sampleRate: configuration.sampleRate), used)
    }
}
