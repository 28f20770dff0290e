import Foundation

/// Turns a melody into audio with one of the instruments.
///
/// Each note is the instrument's oscillator times its ADSR envelope, starting on the
/// note's grid step and held until the step where it ends, then released; voices are
/// summed, so a release overlaps the next note. The audio lasts the tune plus the
/// instrument's release, and is scaled so its loudest sample is exactly
/// `velocity / 127 × peakLevel`: never at or above full scale.
public enum Synthesizer {
    /// The peak of a tune at velocity 127: −1 dBFS, headroom for lossy encoders.
    public static let peakLevel: Float = 0.891_250_9

    /// The number of frames `render` makes for `melody` (as voice 1 of `voiceCount`): the
    /// tune plus the longest release of its voices' instruments.
    public static func frameCount(for melody: Melody, configuration: RenderConfiguration, voiceCount: Int = 1) -> Int {
        let release =
            (0..<voiceCount).map {
                configuration.instruments.instrument(forVoice: $0, of: voiceCount).envelope
                    .releaseFrames(sampleRate: configuration.sampleRate)
            }.max() ?? 0
        return configuration.timing.frame(atStep: melody.steps) + release
    }

    /// Renders `melody`; the configuration's file settings (sample format) are not used.
    ///
    /// - Throws: `RenderSettingError` for a setting out of range, or a tune that would
    ///   last longer than `RenderConfiguration.maximumSeconds`.
    public static func render(_ melody: Melody, configuration: RenderConfiguration) throws(RenderSettingError) -> AudioBuffer {
        try render(Tune(melody: melody), configuration: configuration)
    }

    /// Renders every voice of `tune` with the configuration's instrument and mixes them.
    /// In stereo the voices are spread across the field with equal-power panning, the
    /// highest on the left; in mono they are summed. The mix is scaled as a melody is, so
    /// the loudest sample of all the voices together stays below full scale.
    ///
    /// - Throws: `RenderSettingError` for a setting out of range, or a tune that would
    ///   last longer than `RenderConfiguration.maximumSeconds`.
    public static func render(_ tune: Tune, configuration: RenderConfiguration) throws(RenderSettingError) -> AudioBuffer {
        try configuration.validate()
        try checkDuration(of: tune, configuration: configuration)
        let frames = frameCount(for: tune.melody, configuration: configuration, voiceCount: tune.voices.count)
        let channels = configuration.channels
        let mixes = tune.voices.enumerated().map { voice, melody in
            mix(
                melody, voice: voice, instrument: configuration.instruments.instrument(forVoice: voice, of: tune.voices.count),
                frames: frames, configuration: configuration)
        }
        var samples: [Float]
        if mixes.count == 1 {
            samples = interleave(mixes[0], channels: channels)
        } else {
            samples = [Float](repeating: 0, count: frames * channels)
            for (voice, mix) in mixes.enumerated() {
                let gains = panGains(voice: voice, of: mixes.count, channels: channels)
                for i in 0..<frames where mix[i] != 0 {
                    for c in 0..<channels { samples[i * channels + c] += mix[i] * gains[c] }
                }
            }
        }
        scaleToPeak(&samples, velocity: configuration.velocity)
        return AudioBuffer(samples: samples, channels: channels, sampleRate: configuration.sampleRate)
    }

    /// Refuses a tune that would last longer than `RenderConfiguration.maximumSeconds`
    /// before any audio memory is allocated, whichever synthesizer plays it.
    static func checkDuration(of tune: Tune, configuration: RenderConfiguration) throws(RenderSettingError) {
        let duration = configuration.timing.seconds(atStep: tune.steps)
        guard duration <= RenderConfiguration.maximumSeconds else {
            throw RenderSettingError(
                setting: "duration", value: "\(Int(duration)) s (\(tune.steps) steps at \(configuration.tempo.formatted) BPM)",
                expected: "at most \(Int(RenderConfiguration.maximumSeconds)) s: a faster tempo or a shorter tune")
        }
    }

    /// Scales `samples` so that the loudest is exactly velocity / 127 × `peakLevel` (silence
    /// stays silence): every synthesizer's audio is as loud as its velocity and never clips.
    static func scaleToPeak(_ samples: inout [Float], velocity: Int) {
        let peak = samples.reduce(Float(0)) { max($0, abs($1)) }
        let scale = peak > 0 ? peakLevel * Float(velocity) / 127 / peak : 0
        for i in samples.indices { samples[i] *= scale }
    }

    /// One voice's notes, unscaled, `frames` long.
    private static func mix(
        _ melody: Melody, voice: Int, instrument: Instrument, frames: Int, configuration: RenderConfiguration
    ) -> [Float] {
        let timing = configuration.timing
        var mix = [Float](repeating: 0, count: frames)
        mix.withUnsafeMutableBufferPointer { mix in
            var player = Voice(
                voice: instrument.builtinVoice, sampleRate: configuration.sampleRate, velocity: configuration.velocity)
            for (index, note) in melody.notes.enumerated() {
                let start = timing.frame(atStep: note.start)
                let gate = timing.frame(atStep: note.end) - start
                guard start < frames, gate > 0 else { continue }
                // Each voice plucks its own strings: the noise seed differs per voice.
                player.add(note, index: index + voice << 32, startFrame: start, gateFrames: gate, into: mix)
            }
        }
        return mix
    }

    /// The gain of voice `voice` of `count` in each channel: mono 1; stereo equal-power
    /// panning from 70 % left (the highest voice) to 70 % right (the lowest).
    static func panGains(voice: Int, of count: Int, channels: Int) -> [Float] {
        guard channels == 2 else { return [Float](repeating: 1, count: channels) }
        let angle = (panPosition(voice: voice, of: count) + 1) * Double.pi / 4
        return [Float(cos(angle)), Float(sin(angle))]
    }

    /// Where voice `voice` of `count` sits, from −1 (left) to +1 (right): the highest voice
    /// at −0.7, the lowest at +0.7, a melody in the middle. MIDI files pan their voices
    /// the same way, so FluidSynth places them where this synthesizer does.
    public static func panPosition(voice: Int, of count: Int) -> Double {
        count > 1 ? -0.7 + 1.4 * Double(voice) / Double(count - 1) : 0
    }

    /// The mono mix in `channels` identical channels.
    private static func interleave(_ mix: [Float], channels: Int) -> [Float] {
        if channels == 1 { return mix }
        return [Float](unsafeUninitializedCapacity: mix.count * channels) { out, count in
            mix.withUnsafeBufferPointer { mix in
                for i in 0..<mix.count {
                    for c in 0..<channels { out[i * channels + c] = mix[i] }
                }
            }
            count = mix.count * channels
        }
    }
}

/// One instrument playing notes into a mix, with scratch buffers reused across notes.
private struct Voice {
    let instrument: BuiltinVoice
    let sampleRate: Int
    let velocity: Int
    let releaseFrames: Int
    var organ = AdditiveOscillator()
    var wave: [Float] = []
    var gain: [Float] = []

    init(voice: BuiltinVoice, sampleRate: Int, velocity: Int) {
        self.instrument = voice
        self.sampleRate = sampleRate
        self.velocity = velocity
        self.releaseFrames = voice.envelope.releaseFrames(sampleRate: sampleRate)
    }

    /// Adds one note, cut off at the end of the mix.
    mutating func add(_ note: Note, index: Int, startFrame: Int, gateFrames: Int, into mix: UnsafeMutableBufferPointer<Float>) {
        let total = gateFrames + releaseFrames
        if wave.count < total {
            wave = [Float](repeating: 0, count: total)
            gain = [Float](repeating: 0, count: total)
        }
        let frequency = note.frequency
        let count = min(total, mix.count - startFrame)
        let seed = UInt64(truncatingIfNeeded: index) &* 0x2545_F491_4F6C_DD1D ^ UInt64(truncatingIfNeeded: note.pitch)
        let brightness = 0.35 + 0.6 * Float(velocity) / 127
        let instrument = self.instrument
        let sampleRate = self.sampleRate
        var organ = self.organ
        defer { self.organ = organ }
        wave.withUnsafeMutableBufferPointer { wave in
            let wave = UnsafeMutableBufferPointer(rebasing: wave[0..<total])
            switch instrument {
            case .pluck:
                KarplusStrong.pluck(frequency: frequency, sampleRate: sampleRate, brightness: brightness, seed: seed, into: wave)
            case .organ:
                organ.play(frequency: frequency, sampleRate: sampleRate, into: wave)
            case .square:
                SquareOscillator.play(frequency: frequency, sampleRate: sampleRate, into: wave)
            }
        }
        gain.withUnsafeMutableBufferPointer { gain in
            instrument.envelope.fill(
                UnsafeMutableBufferPointer(rebasing: gain[0..<total]), gateFrames: gateFrames, sampleRate: sampleRate)
        }
        wave.withUnsafeBufferPointer { wave in
            gain.withUnsafeBufferPointer { gain in
                for i in 0..<count { mix[startFrame + i] += wave[i] * gain[i] }
            }
        }
    }
}
