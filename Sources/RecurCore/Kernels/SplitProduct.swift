import CBLAS
import Dispatch

/// `c[m × n] = a[m × k] · w[n × k]ᵀ + beta · c` on up to two threads, each computing
/// half of the outputs (columns of `c`) with single-threaded OpenBLAS.
///
/// OpenBLAS's own threads wait for each other by spinning: when one of them loses its
/// core to another process, every product stalls for a scheduler time slice, and a
/// whole-file `recur eval` on a machine with one busy core ran at 0.15× of one thread.
/// Split here, the halves go through `SpinningHelper`, whose caller takes back a half
/// the helper has not started and runs alone for a while after the helper was late.
enum SplitProduct {
    /// Below this many multiply-adds one thread is faster than any hand-off.
    static let minimumWork = 1 << 16

    static func multiplyTransposed(
        _ a: UnsafePointer<Float>, rows m: Int, inner k: Int, by w: UnsafePointer<Float>, outputs n: Int,
        into c: UnsafeMutablePointer<Float>, beta: Float, threads: Int
    ) {
        guard threads >= 2, m * n * k >= minimumWork, n >= 32, k > 0 else {
            BLAS.multiplyTransposed(a, rows: m, inner: k, by: w, outputs: n, into: c, beta: beta)
            return
        }
        let operands = Operands(a: a, w: w, c: c, m: m, k: k, n: n, beta: beta)
        let half = n / 2
        if !SpinningHelper.shared.run({ operands.multiply(columns: 0..<half) }, { operands.multiply(columns: half..<n) }) {
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                operands.multiply(columns: part == 0 ? 0..<half : half..<n)
            }
        }
    }
}

/// The operands of one split product, shared by the two halves; each half writes only
/// its own columns of `c`.
private struct Operands: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let w: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
    let m: Int, k: Int, n: Int
    let beta: Float

    func multiply(columns: Range<Int>) {
        let (w, c) = (w + columns.lowerBound * k, c + columns.lowerBound)
        if m == 1 {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(columns.count), Int32(k), 1, w, Int32(k), a, 1, beta, c, 1)
        } else {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(columns.count), Int32(k),
                1, a, Int32(k), w, Int32(k), beta, c, Int32(n))
        }
    }
}
