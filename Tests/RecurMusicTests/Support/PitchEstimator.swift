/// Estimates the fundamental frequency of a stretch of audio with YIN (de Cheveigné and
/// Kawahara, 2002): the cumulative mean normalised difference function, its first dip
/// below a threshold, refined by parabolic interpolation.
enum PitchEstimator {
    /// The frequency in hertz of `samples` (a steady tone), searching lags that correspond
    /// to `minimumFrequency…maximumFrequency`; `nil` if there is no periodicity.
    static func frequency(
        of samples: ArraySlice<Float>, sampleRate: Int, minimumFrequency: Double = 50, maximumFrequency: Double = 5000
    ) -> Double? {
        let x = Array(samples)
        let minLag = max(2, Int(Double(sampleRate) / maximumFrequency))
        let maxLag = Int(Double(sampleRate) / minimumFrequency)
        let window = x.count - maxLag - 1
        guard window > maxLag / 2, minLag < maxLag else { return nil }
        var difference = [Double](repeating: 0, count: maxLag + 2)
        for lag in 1...(maxLag + 1) {
            var sum = 0.0
            for j in 0..<window {
                let d = Double(x[j] - x[j + lag])
                sum += d * d
            }
            difference[lag] = sum
        }
        var normalised = [Double](repeating: 1, count: maxLag + 2)
        var running = 0.0
        for lag in 1...(maxLag + 1) {
            running += difference[lag]
            normalised[lag] = running > 0 ? difference[lag] * Double(lag) / running : 1
        }
        var lag = minLag
        var chosen: Int?
        while lag <= maxLag {
            if normalised[lag] < 0.15 {
                while lag + 1 <= maxLag && normalised[lag + 1] < normalised[lag] { lag += 1 }
                chosen = lag
                break
            }
            lag += 1
        }
        if chosen == nil {
            // No dip below the threshold: take the global minimum if it is clear enough.
            let best = (minLag...maxLag).min { normalised[$0] < normalised[$1] } ?? minLag
            guard normalised[best] < 0.4 else { return nil }
            chosen = best
        }
        guard let tau = chosen else { return nil }
        let a = normalised[tau - 1], b = normalised[tau], c = normalised[tau + 1]
        let denominator = a - 2 * b + c
        let shift = denominator != 0 ? 0.5 * (a - c) / denominator : 0
        return Double(sampleRate) / (Double(tau) + shift)
    }
}
