/// An ADSR amplitude envelope. Every segment is a straight line of at least one
/// millisecond in the renderer's use, so a note never starts or stops with a jump (a click).
public struct Envelope: Sendable, Hashable {
    /// Seconds from silence to full level after the note starts.
    public var attack: Double
    /// Seconds from full level down to `sustain`.
    public var decay: Double
    /// The level held (0…1) until the note ends.
    public var sustain: Double
    /// Seconds from the level at the note's end down to silence.
    public var release: Double

    /// An envelope with the given segment times (seconds) and sustain level.
    public init(attack: Double, decay: Double, sustain: Double, release: Double) {
        self.attack = attack
        self.decay = decay
        self.sustain = sustain
        self.release = release
    }

    /// Writes the envelope of a note held for `gateFrames` frames into `gain`, whose
    /// count is the gate plus the release; returns how many frames are non-silent.
    ///
    /// A gate shorter than the attack (plus decay) releases from wherever the level got to.
    func fill(_ gain: UnsafeMutableBufferPointer<Float>, gateFrames: Int, sampleRate: Int) {
        let rate = Double(sampleRate)
        let attackFrames = max(1, Int(attack * rate))
        let decayFrames = Int(decay * rate)
        let releaseFrames = gain.count - gateFrames
        var level: Float = 0
        var i = 0
        // Attack, up to the gate: level = (i + 1) / attackFrames.
        let attackEnd = min(attackFrames, gateFrames)
        let attackStep = 1 / Float(attackFrames)
        while i < attackEnd {
            level = Float(i + 1) * attackStep
            gain[i] = level
            i += 1
        }
        // Decay, up to the gate.
        let sustainLevel = Float(sustain)
        if i < gateFrames && decayFrames > 0 {
            let decayEnd = min(attackFrames + decayFrames, gateFrames)
            let decayStep = (1 - sustainLevel) / Float(decayFrames)
            while i < decayEnd {
                level = 1 - Float(i - attackFrames + 1) * decayStep
                gain[i] = level
                i += 1
            }
        }
        // Sustain until the gate closes.
        if i < gateFrames {
            level = sustainLevel
            while i < gateFrames {
                gain[i] = level
                i += 1
            }
        }
        // Release to exactly zero.
        if releaseFrames > 0 {
            let start = level
            let releaseStep = start / Float(releaseFrames)
            for k in 0..<releaseFrames { gain[gateFrames + k] = start - Float(k + 1) * releaseStep }
        }
    }

    /// The release in frames at `sampleRate` (at least one millisecond).
    func releaseFrames(sampleRate: Int) -> Int { max(sampleRate / 1000, Int(release * Double(sampleRate))) }
}
