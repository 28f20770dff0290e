/// How a melody becomes sound: the settings of `recur render` and of a job's `render`
/// object (DESIGN.md §7), checked in one place so every caller gets the same errors.
public struct RenderConfiguration: Sendable, Hashable {
    /// The sample rates the renderer writes.
    public static let sampleRates = [22050, 44100, 48000]
    /// The tempi accepted, in quarter notes per minute.
    public static let tempoRange: ClosedRange<Double> = 20...400
    /// The longest audio the renderer makes, in seconds (one hour), so that a slow
    /// tempo and a long tune cannot exhaust memory.
    public static let maximumSeconds: Double = 3600

    /// Quarter notes per minute; a 16th-note step lasts 15 / tempo seconds.
    public var tempo: Double
    /// The instrument of each voice (default: a fiddle for a melody, the organ for several).
    public var instruments: VoiceInstruments
    /// FluidSynth with a sound font, or the built-in synthesizer (`auto`: FluidSynth when a
    /// sound font is found).
    public var synth: SynthChoice
    /// The sound font FluidSynth plays (nil: `$RECUR_SOUNDFONT`, then `SoundFont.searchPaths`).
    public var soundFont: String?
    /// 0…1: how much of each voice goes to the reverb (MIDI controller 91; FluidSynth only).
    public var reverb: Double
    /// 0…1: how much of each voice goes to the chorus (MIDI controller 93; FluidSynth only).
    public var chorus: Double
    /// How an engraved four-voice score is laid out: two staves (S/A, T/B) or four.
    public var staves: ScoreStaves = .paired
    /// Frames per second: 22050, 44100 or 48000.
    public var sampleRate: Int
    /// 1 (mono) or 2 (stereo, the same signal in both channels).
    public var channels: Int
    /// How samples are stored (WAV: all three; FLAC: 16- or 24-bit; Ogg/MIDI: ignored).
    public var sampleFormat: SampleFormat
    /// MIDI velocity 1…127: the MIDI notes' velocity, and the audio's loudness (the
    /// loudest sample is velocity / 127 × −1 dBFS).
    public var velocity: Int
    /// 0 (straight) … 1 (triplet feel): how far every second 16th note is delayed,
    /// as a fraction of the delay that makes a pair of 16ths a 2:1 triplet.
    public var swing: Double
    /// The tonic the tune is moved to, keeping its mode (`E` makes an A-minor tune
    /// E minor); nil keeps the model's white-key tonic. Applies to every format.
    public var key: Tonic?

    /// The default reverb send: a small hall, enough to put a fiddle in a room.
    public static let defaultReverb = 0.3

    /// A configuration; the defaults are 120 BPM, the default instruments, FluidSynth when a
    /// sound font is found, reverb 0.3, no chorus, 44.1 kHz mono 16-bit, velocity 100, no swing.
    public init(
        tempo: Double = 120, instrument: Instrument? = nil, sampleRate: Int = 44100, channels: Int = 1,
        sampleFormat: SampleFormat = .pcm16, velocity: Int = 100, swing: Double = 0, key: Tonic? = nil,
        synth: SynthChoice = .auto, soundFont: String? = nil, reverb: Double = defaultReverb, chorus: Double = 0
    ) {
        self.key = key
        self.tempo = tempo
        self.instruments = VoiceInstruments(instrument)
        self.synth = synth
        self.soundFont = soundFont
        self.reverb = reverb
        self.chorus = chorus
        self.sampleRate = sampleRate
        self.channels = channels
        self.sampleFormat = sampleFormat
        self.velocity = velocity
        self.swing = swing
    }

    /// Checks every setting, naming the first one that is out of range.
    public func validate() throws(RenderSettingError) {
        guard tempo.isFinite, Self.tempoRange.contains(tempo) else {
            throw RenderSettingError(setting: "tempo", value: "\(tempo.formatted)", expected: "20…400 (quarter notes per minute)")
        }
        guard Self.sampleRates.contains(sampleRate) else {
            throw RenderSettingError(setting: "sample_rate", value: "\(sampleRate)", expected: "22050, 44100 or 48000 (Hz)")
        }
        guard channels == 1 || channels == 2 else {
            throw RenderSettingError(setting: "channels", value: "\(channels)", expected: "1 (mono) or 2 (stereo)")
        }
        guard (1...127).contains(velocity) else {
            throw RenderSettingError(setting: "velocity", value: "\(velocity)", expected: "1…127")
        }
        guard swing.isFinite, (0...1).contains(swing) else {
            throw RenderSettingError(setting: "swing", value: "\(swing.formatted)", expected: "0 (straight) … 1 (triplet)")
        }
        guard reverb.isFinite, (0...1).contains(reverb) else {
            throw RenderSettingError(setting: "reverb", value: "\(reverb.formatted)", expected: "0 (dry) … 1")
        }
        guard chorus.isFinite, (0...1).contains(chorus) else {
            throw RenderSettingError(setting: "chorus", value: "\(chorus.formatted)", expected: "0 (none) … 1")
        }
    }

    /// Where grid steps fall in time at this tempo, swing and sample rate.
    public var timing: StepTiming { StepTiming(tempo: tempo, swing: swing, sampleRate: sampleRate) }
}

/// A render setting that is out of range: which one, its value, and what is allowed.
public struct RenderSettingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting's name as in a job file (`tempo`, `sample_rate`, …).
    public let setting: String
    /// The value given.
    public let value: String
    /// What would be accepted.
    public let expected: String

    public var description: String { "\(setting) \(value) is not allowed; use \(expected)" }
}

extension Double {
    /// The shortest text for a setting's value: `120` rather than `120.0`.
    var formatted: String {
        isFinite && self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
