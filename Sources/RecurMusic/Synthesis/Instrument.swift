/// The voices the renderer plays melodies with.
public enum Instrument: String, Sendable, Hashable, CaseIterable, Codable {
    /// A plucked string: Karplus–Strong, a filtered noise burst circulating in a tuned delay line.
    case pluck
    /// A soft additive organ/flute: a few sine harmonics with a slow attack.
    case organ
    /// A chiptune square wave, band-limited with PolyBLEP so high notes do not alias.
    case square

    /// The General MIDI program (0-based) written to MIDI files for this voice.
    public var midiProgram: Int {
        switch self {
        case .pluck: 25  // Acoustic Guitar (steel)
        case .organ: 73  // Flute
        case .square: 80  // Lead 1 (square)
        }
    }

    /// The voice's amplitude envelope.
    public var envelope: Envelope {
        switch self {
        // The string decays by itself; the envelope only removes the clicks at both ends.
        case .pluck: Envelope(attack: 0.002, decay: 0, sustain: 1, release: 0.03)
        case .organ: Envelope(attack: 0.02, decay: 0.08, sustain: 0.8, release: 0.06)
        case .square: Envelope(attack: 0.003, decay: 0.05, sustain: 0.7, release: 0.02)
        }
    }

    /// The names accepted on the command line and in job files.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
