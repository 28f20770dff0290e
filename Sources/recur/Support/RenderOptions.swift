import ArgumentParser
import RecurMusic

/// How melodies become sound: the flags shared by `render` and `generate`.
struct RenderOptions: ParsableArguments {
    @Option(help: "Quarter notes per minute (20…400).") var tempo: Double = 120
    @Option(help: ArgumentHelp("\(Instrument.names).", valueName: "name")) var instrument: String = Instrument.pluck.rawValue
    @Option(help: "22050, 44100 or 48000.") var sampleRate: Int = 44100
    @Option(help: "1 (mono) or 2 (stereo).") var channels: Int = 1
    @Option(help: ArgumentHelp("Sample format: 16, 24 or float (WAV); 16 or 24 (FLAC).", valueName: "16|24|float"))
    var bits: String?
    @Option(help: "MIDI velocity 1…127; sets the audio's loudness too.") var velocity: Int = 100
    @Option(help: "0 (straight) … 1 (triplet): delay of every second 16th.") var swing: Double = 0

    /// The configuration for `format`, or an error naming the flag to fix.
    func configuration(for format: OutputFormat) throws -> RenderConfiguration {
        guard let voice = Instrument(rawValue: instrument.lowercased()) else {
            throw InputError(description: "--instrument must be one of \(Instrument.names), got '\(instrument)'")
        }
        var sampleFormat = SampleFormat.pcm16
        if let bits {
            guard let parsed = SampleFormat(rawValue: bits.lowercased()) else {
                throw InputError(description: "--bits must be 16, 24 or float, got '\(bits)'")
            }
            switch (format, parsed) {
            case (.wav, _), (.flac, .pcm16), (.flac, .pcm24): sampleFormat = parsed
            case (.flac, _): throw InputError(description: "--bits float is for WAV only; FLAC takes 16 or 24")
            default: throw InputError(description: "--bits applies to WAV and FLAC, not \(format.rawValue)")
            }
        }
        return RenderConfiguration(
            tempo: tempo, instrument: voice, sampleRate: sampleRate, channels: channels,
            sampleFormat: sampleFormat, velocity: velocity, swing: swing)
    }

    /// Checks the settings for `format`, naming the flag to fix.
    func validate(for format: OutputFormat) throws {
        do {
            try configuration(for: format).validate()
        } catch let error as RenderSettingError {
            let option = "--" + error.setting.replacingOccurrences(of: "_", with: "-")
            throw InputError(description: "\(option) \(error.value) is not allowed; use \(error.expected)")
        }
    }
}
