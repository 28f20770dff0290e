import ArgumentParser
import RecurMusic

/// How melodies become sound: the flags shared by `render` and `generate`.
struct RenderOptions: ParsableArguments {
    @Option(help: "Quarter notes per minute (20…400).") var tempo: Double = 120
    @Option(
        help: ArgumentHelp(
            "A General MIDI name (violin, church-organ, choir-aahs, …) or \(Instrument.wordList); one per voice as soprano=flute,alto=oboe,…  Default: fiddle for a melody, organ for several voices.",
            valueName: "name"))
    var instrument: String?
    @Option(help: ArgumentHelp("auto (FluidSynth when a sound font is found), fluidsynth or builtin.", valueName: "synth"))
    var synth: String = SynthChoice.auto.rawValue
    @Option(
        help: ArgumentHelp(
            "The .sf2/.sf3 sound font FluidSynth plays (default: $RECUR_SOUNDFONT, then Debian's FluidR3_GM).",
            valueName: "file"))
    var soundfont: String?
    @Option(help: "0 (dry) … 1: the reverb send (FluidSynth).") var reverb: Double = RenderConfiguration.defaultReverb
    @Option(help: "0 … 1: the chorus send (FluidSynth).") var chorus: Double = 0
    @Option(help: "Staves of an engraved four-voice score: 2 (S/A, T/B) or 4.") var staves: Int = 2
    @Option(help: "22050, 44100 or 48000.") var sampleRate: Int = 44100
    @Option(help: "1 (mono) or 2 (stereo).") var channels: Int = 1
    @Option(help: ArgumentHelp("Sample format: 16, 24 or float (WAV); 16 or 24 (FLAC).", valueName: "16|24|float"))
    var bits: String?
    @Option(help: "MIDI velocity 1…127; sets the audio's loudness too.") var velocity: Int = 100
    @Option(help: "0 (straight) … 1 (triplet): delay of every second 16th.") var swing: Double = 0

    /// The configuration for `format`, or an error naming the flag to fix.
    func configuration(for format: OutputFormat) throws -> RenderConfiguration {
        var instruments = VoiceInstruments()
        if let instrument {
            do {
                instruments = try VoiceInstruments(parsing: instrument)
            } catch { throw InputError(description: "--instrument: \(error)") }
        }
        guard let synthChoice = SynthChoice(rawValue: synth.lowercased()) else {
            throw InputError(description: "--synth must be auto, fluidsynth or builtin, got '\(synth)'")
        }
        var sampleFormat = SampleFormat.pcm16
        if let bits {
            guard let parsed = SampleFormat(rawValue: bits.lowercased()) else {
                throw InputError(description: "--bits must be 16, 24 or float, got '\(bits)'")
            }
            switch (format, parsed) {
            case (.wav, _), (.flac, .pcm16), (.flac, .pcm24): sampleFormat = parsed
            case (.flac, _): throw InputError(description: "--bits float is for WAV only; FLAC takes 16 or 24")
            default: break  // the other formats have no sample format; `validate(for:)` wants one that has
            }
        }
        var configuration = RenderConfiguration(
            tempo: tempo, sampleRate: sampleRate, channels: channels, sampleFormat: sampleFormat, velocity: velocity,
            swing: swing, synth: synthChoice, soundFont: soundfont, reverb: reverb, chorus: chorus)
        configuration.instruments = instruments
        guard let layout = ScoreStaves(rawValue: staves) else {
            throw InputError(description: "--staves must be 2 (soprano and alto, tenor and bass) or 4, got \(staves)")
        }
        configuration.staves = layout
        return configuration
    }

    /// Checks the settings for every one of `formats`, naming the flag to fix; `--bits`
    /// needs a format it applies to (WAV or FLAC), as a job's `render.bits` does.
    func validate(for formats: [OutputFormat]) throws {
        if bits != nil, let other = formats.first, !formats.contains(where: Self.takesBits) {
            throw InputError(
                description: "--bits applies to WAV and FLAC, not \(other.rawValue); leave it out or add wav or flac")
        }
        for format in formats {
            do {
                try configuration(for: format).validate()
            } catch let error as RenderSettingError {
                let option = "--" + error.setting.replacingOccurrences(of: "_", with: "-")
                throw InputError(description: "\(option) \(error.value) is not allowed; use \(error.expected)")
            }
        }
    }

    /// The settings for writing all of `formats`: with `--bits` where a format takes it.
    func configuration(forAll formats: [OutputFormat]) throws -> RenderConfiguration {
        guard let first = formats.first else { return try configuration(for: .wav) }
        return try configuration(for: formats.first(where: Self.takesBits) ?? first)
    }

    private static func takesBits(_ format: OutputFormat) -> Bool { format == .wav || format == .flac }
}
