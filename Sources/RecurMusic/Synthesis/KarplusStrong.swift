import RecurCore

/// The plucked string: a noise burst circulating in a delay line whose loop is tuned to
/// the note's period (Karplus–Strong, with Jaffe and Smith's all-pass fine tuning).
///
/// The loop delays by N samples (the line), ½ sample (the two-point average that
/// damps high partials) and Δ samples (a first-order all-pass), with N + ½ + Δ equal
/// to the period sampleRate / frequency, so the pitch is exact rather than rounded to
/// a whole number of samples.
struct KarplusStrong {
    /// Loss per trip round the loop, on top of the averaging, so low notes fade too.
    static let loopGain: Float = 0.9995

    /// Writes `output.count` samples of a string plucked at `frequency`.
    ///
    /// `brightness` (0…1) sets how much high-frequency energy the pluck starts with;
    /// `seed` makes the noise burst, and so the whole render, reproducible.
    static func pluck(
        frequency: Double, sampleRate: Int, brightness: Float, seed: UInt64,
        into output: UnsafeMutableBufferPointer<Float>
    ) {
        let period = Double(sampleRate) / frequency
        // Δ ∈ [0.1, 1.1) keeps the all-pass's phase delay close to Δ at the fundamental.
        let length = max(1, Int((period - 0.6).rounded(.down)))
        let delta = period - 0.5 - Double(length)
        let c = Float((1 - delta) / (1 + delta))
        var line = [Float](repeating: 0, count: length)
        fillExcitation(&line, brightness: brightness, seed: seed)
        line.withUnsafeMutableBufferPointer { line in
            var position = 0
            var previous: Float = 0
            var allpassIn: Float = 0
            var allpassOut: Float = 0
            for i in 0..<output.count {
                let current = line[position]
                output[i] = current
                let averaged = 0.5 * (current + previous) * loopGain
                allpassOut = c * averaged + allpassIn - c * allpassOut
                allpassIn = averaged
                line[position] = allpassOut
                previous = current
                position += 1
                if position == length { position = 0 }
            }
        }
    }

    /// Fills the delay line with low-passed white noise of zero mean and peak 1.
    private static func fillExcitation(_ line: inout [Float], brightness: Float, seed: UInt64) {
        var random = SplitMix64(state: seed)
        // A one-pole low-pass: a dull pluck keeps less of the noise's top end.
        let smoothing = 1 - max(0.05, min(1, brightness))
        var state: Float = 0
        for i in line.indices {
            state = smoothing * state + (1 - smoothing) * random.nextSignedUnit()
            line[i] = state
        }
        let mean = line.reduce(0, +) / Float(line.count)
        var peak: Float = 0
        for i in line.indices {
            line[i] -= mean
            peak = max(peak, abs(line[i]))
        }
        if peak > 0 {
            for i in line.indices { line[i] /= peak }
        }
    }
}

extension SplitMix64 {
    /// A uniform value in [−1, 1).
    mutating func nextSignedUnit() -> Float {
        Float(next() >> 40) * (2 / Float(1 << 24)) - 1
    }
}
