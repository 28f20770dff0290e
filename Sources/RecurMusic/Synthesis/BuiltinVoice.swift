/// The voices of the built-in synthesizer, which plays when no sound font is used: every
/// instrument falls back to the one nearest to it (`Instrument.builtinVoice`).
public enum BuiltinVoice: String, Sendable, Hashable, CaseIterable, Codable {
    /// A plucked string: Karplus–Strong, a filtered noise burst circulating in a tuned delay line.
    case pluck
    /// A soft additive organ/flute: a few sine harmonics with a slow attack.
    case organ
    /// A chiptune square wave, band-limited with PolyBLEP so high notes do not alias.
    case square

    /// The voice's amplitude envelope.
    public var envelope: Envelope {
        switch self {
        // The string decays by itself; the envelope only removes the clicks at both ends.
        case .pluck: Envelope(attack: 0.002, decay: 0, sustain: 1, release: 0.03)
        case .organ: Envelope(attack: 0.02, decay: 0.08, sustain: 0.8, release: 0.06)
        case .square: Envelope(attack: 0.003, decay: 0.05, sustain: 0.7, release: 0.02)
        }
    }

    /// The voice that stands in for General MIDI program `program` (0-based): plucked and
    /// struck sounds pluck, sustained ones (bowed strings, organs, pipes, choirs, pads)
    /// sound as the organ, reeds, brass and synth leads as the square wave.
    static func standingIn(forProgram program: Int) -> BuiltinVoice {
        switch program {
        case 16...23, 40...44, 48...55, 72...79, 88...103, 110: .organ
        case 56...71, 80...87, 109, 111, 120...127: .square
        default: .pluck
        }
    }
}
