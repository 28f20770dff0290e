import Foundation

/// The organ's waveform: a few sine harmonics with falling amplitudes, read from a
/// single-cycle table with linear interpolation (fast, and exact in frequency).
struct AdditiveOscillator {
    /// Relative amplitudes of harmonics 1, 2, 3, …: a soft, flute-like organ stop.
    static let harmonics: [Float] = [1, 0.4, 0.2, 0.1, 0.05, 0.025]
    /// Samples per table cycle (a power of two).
    static let tableSize = 4096
    /// One cycle of sin(2πx), the source of every table.
    static let sine: [Float] = (0...tableSize).map { Float(sin(2 * Double.pi * Double($0) / Double(tableSize))) }

    /// Tables by number of harmonics: only the harmonics below 0.45 × the sample rate
    /// are played, so a high note has fewer, and never aliases.
    private var tables: [Int: [Float]] = [:]

    /// Writes `output.count` samples of the organ at `frequency`, peak about 1.
    mutating func play(frequency: Double, sampleRate: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let limit = 0.45 * Double(sampleRate)
        let count = max(1, min(Self.harmonics.count, Int(limit / frequency)))
        let table = tables[count] ?? makeTable(harmonics: count)
        tables[count] = table
        let increment = Float(frequency / Double(sampleRate))
        let size = Float(Self.tableSize)
        table.withUnsafeBufferPointer { table in
            var phase: Float = 0
            for i in 0..<output.count {
                let position = phase * size
                let index = Int(position)
                let fraction = position - Float(index)
                output[i] = table[index] + fraction * (table[index + 1] - table[index])
                phase += increment
                if phase >= 1 { phase -= 1 }
            }
        }
    }

    private func makeTable(harmonics count: Int) -> [Float] {
        let size = Self.tableSize
        var table = [Float](repeating: 0, count: size + 1)
        var total: Float = 0
        for k in 1...count {
            let amplitude = Self.harmonics[k - 1]
            total += amplitude
            for j in 0..<size { table[j] += amplitude * Self.sine[(k * j) & (size - 1)] }
        }
        for j in 0..<size { table[j] /= total }
        table[size] = table[0]
        return table
    }
}

/// The chiptune voice: a 50 % square wave with PolyBLEP corrections at its two edges,
/// which removes most of the aliasing a naive square has at high notes.
enum SquareOscillator {
    /// Writes `output.count` samples of a square wave at `frequency`, amplitude 1.
    static func play(frequency: Double, sampleRate: Int, into output: UnsafeMutableBufferPointer<Float>) {
        let increment = Float(frequency / Double(sampleRate))
        var phase: Float = 0
        for i in 0..<output.count {
            var value: Float = phase < 0.5 ? 1 : -1
            value += blep(phase, increment)
            var half = phase + 0.5
            if half >= 1 { half -= 1 }
            value -= blep(half, increment)
            output[i] = value
            phase += increment
            if phase >= 1 { phase -= 1 }
        }
    }

    /// The polynomial band-limited step residual around an edge at phase 0.
    @inline(__always)
    private static func blep(_ t: Float, _ dt: Float) -> Float {
        if t < dt {
            let x = t / dt
            return x + x - x * x - 1
        }
        if t > 1 - dt {
            let x = (t - 1) / dt
            return x * x + x + x + 1
        }
        return 0
    }
}
