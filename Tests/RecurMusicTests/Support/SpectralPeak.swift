import Foundation

/// The strongest frequency near an expected one, from a Hann-windowed Goertzel scan: a
/// pitch check that holds for instruments whose periodicity is not the note's (an organ
/// with a 16-foot rank repeats an octave below the key played).
enum SpectralPeak {
    /// The magnitude of `samples` at `frequency`.
    static func magnitude(of samples: [Float], at frequency: Double, sampleRate: Int) -> Double {
        let n = samples.count
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        let coefficient = 2 * cos(w)
        var s1 = 0.0
        var s2 = 0.0
        for i in 0..<n {
            let hann = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n - 1))
            let s0 = Double(samples[i]) * hann + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        return sqrt(max(0, s1 * s1 + s2 * s2 - coefficient * s1 * s2))
    }

    /// The frequency within a semitone of `expected` (±6 %, in 0.1 % steps) where the
    /// spectrum peaks, and whether that is a true peak rather than the scan's edge on the
    /// slope of a partial outside it.
    static func peak(of samples: [Float], near expected: Double, sampleRate: Int) -> (frequency: Double, isPeak: Bool) {
        let frequencies = stride(from: -60, through: 60, by: 1).map { expected * (1 + Double($0) / 1000) }
        let magnitudes = frequencies.map { magnitude(of: samples, at: $0, sampleRate: sampleRate) }
        let best = magnitudes.indices.max { magnitudes[$0] < magnitudes[$1] }!
        return (frequencies[best], best > 0 && best < magnitudes.count - 1)
    }
}
