import Dispatch
import Foundation

/// Reference rates of this machine, to put kernel numbers in perspective: what OpenBLAS
/// `sgemm` reaches on a shape, and how fast memory can be streamed.
public enum MachineReference {
    /// GFLOP/s of `cblas_sgemm` for `[m × k] · [n × k]ᵀ` on `threads` threads (best of ~0.5 s).
    public static func sgemmRate(m: Int, n: Int, k: Int, threads: Int) -> Double {
        BLAS.setThreadCount(threads)
        defer { BLAS.setThreadCount(1) }
        let a = Matrix(rows: m, columns: k, repeating: 0.5), w = Matrix(rows: n, columns: k, repeating: 0.25)
        var c = Matrix(rows: m, columns: n)
        gemm(a, w, into: &c, beta: 0)
        var best = 0.0
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(500)
        while clock.now < end {
            let started = clock.now
            gemm(a, w, into: &c, beta: 0)
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = max(best, 2 * Double(m * n * k) / seconds / 1e9)
        }
        return best
    }

    /// GFLOP/s of Recur's panel kernel (`PackedMatrix.multiply`) on the same shape as
    /// `sgemmRate`, measured the same way, so that the two rates compare kernel to kernel.
    public static func panelKernelRate(m: Int, n: Int, k: Int, threads: Int) -> Double {
        let packed = PackedMatrix(Matrix(rows: n, columns: k, repeating: 0.25))
        let x = [Float](repeating: 0.5, count: m * k)
        var y = [Float](repeating: 0, count: m * n)
        var best = 0.0
        let clock = ContinuousClock()
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                packed.multiply(x.baseAddress!, rows: m, into: y.baseAddress!, outputStride: n, threads: threads)
                let end = clock.now + .milliseconds(500)
                while clock.now < end {
                    let started = clock.now
                    packed.multiply(x.baseAddress!, rows: m, into: y.baseAddress!, outputStride: n, threads: threads)
                    let elapsed = clock.now - started
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                    best = max(best, 2 * Double(m * n * k) / seconds / 1e9)
                }
            }
        }
        return best
    }

    /// GB/s of reading a 256 MiB array with `threads` threads (best of three passes).
    public static func memoryReadRate(threads: Int) -> Double {
        let count = 64 << 20
        let values = [Float](repeating: 1, count: count)
        var best = 0.0
        let clock = ContinuousClock()
        var sums = [Float](repeating: 0, count: threads)
        for _ in 0..<3 {
            let started = clock.now
            values.withUnsafeBufferPointer { buffer in
                sums.withUnsafeMutableBufferPointer { totals in
                    let pointer = SendablePointer(base: buffer.baseAddress!, totals: totals.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: threads) { t in
                        let range = (count * t / threads)..<(count * (t + 1) / threads)
                        var sum = SIMD16<Float>.zero
                        var i = range.lowerBound
                        while i + 16 <= range.upperBound {
                            sum += UnsafeRawPointer(pointer.base + i).loadUnaligned(as: SIMD16<Float>.self)
                            i += 16
                        }
                        pointer.totals[t] = sum.sum()  // the sums are read below: the loop stays
                    }
                }
            }
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = max(best, Double(count * 4) / seconds / 1e9)
        }
        return sums.reduce(0, +).isNaN ? 0 : best
    }
}

private struct SendablePointer: @unchecked Sendable {
    let base: UnsafePointer<Float>
    let totals: UnsafeMutablePointer<Float>
}
