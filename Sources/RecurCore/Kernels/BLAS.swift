import CBLAS

/// Matrix products through OpenBLAS.
///
/// Weights are stored as PyTorch stores them, `[out × in]`, so every layer computes
/// `y = x · Wᵀ`: BLAS reads `W` transposed in place and no transposed copy is made.
public enum BLAS {
    /// Sets how many threads OpenBLAS may use for one call.
    public static func setThreadCount(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }

    /// The number of threads OpenBLAS uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// `c[m × n] = a[m × k] · w[n × k]ᵀ + beta · c`, all row-major, from raw pointers.
    ///
    /// With one row this is a matrix–vector product and goes to `sgemv`, which is
    /// several times faster than `sgemm` with m = 1.
    @inlinable
    public static func multiplyTransposed(
        _ a: UnsafePointer<Float>, rows m: Int, inner k: Int,
        by w: UnsafePointer<Float>, outputs n: Int,
        into c: UnsafeMutablePointer<Float>, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        if m == 1 {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, w, Int32(k), a, 1, beta, c, 1)
        } else {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(k), w, Int32(k), beta, c, Int32(n))
        }
    }

    /// `a · wᵀ` for matrices: `a` is `[m × k]`, `w` is `[n × k]`, the result `[m × n]`.
    public static func multiplyTransposed(_ a: Matrix, _ w: Matrix) -> Matrix {
        precondition(a.columns == w.columns, "inner dimensions differ: \(a.columns) vs \(w.columns)")
        var c = Matrix(rows: a.rows, columns: w.rows)
        a.values.withUnsafeBufferPointer { pa in
            w.values.withUnsafeBufferPointer { pw in
                c.values.withUnsafeMutableBufferPointer { pc in
                    guard let pa = pa.baseAddress, let pw = pw.baseAddress, let pc = pc.baseAddress else { return }
                    multiplyTransposed(pa, rows: a.rows, inner: a.columns, by: pw, outputs: w.rows, into: pc)
                }
            }
        }
        return c
    }
}

// MARK: - Products for backpropagation

extension BLAS {
    /// `c[m × n] = a[m × k] · b[k × n] + beta · c`, all row-major, no transposes.
    ///
    /// Backpropagation needs it to send a gradient back through a weight stored
    /// `[out × in]`: `dX = dY · W` (`dY` is `[positions × out]`, `W` is `[out × in]`).
    @inlinable
    public static func multiply(
        _ a: UnsafePointer<Float>, rows m: Int, inner k: Int,
        by b: UnsafePointer<Float>, columns n: Int,
        into c: UnsafeMutablePointer<Float>, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        if m == 1 {
            // One row: bᵀ · a as a matrix–vector product, several times faster than sgemm.
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(n), a, 1, beta, c, 1)
            return
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(k), b, Int32(n), beta, c, Int32(n))
    }

    /// `c[m × n] = a[k × m]ᵀ · b[k × n] + beta · c`, all row-major: the sum over the
    /// `k` rows of the outer products `a[r]ᵀ b[r]`.
    ///
    /// This is a weight gradient over a whole training window in one call:
    /// `dW = dYᵀ · X`, with `dY` `[positions × out]` and `X` `[positions × in]`.
    @inlinable
    public static func multiplyTransposingFirst(
        _ a: UnsafePointer<Float>, rows k: Int, columns m: Int,
        by b: UnsafePointer<Float>, columns n: Int,
        into c: UnsafeMutablePointer<Float>, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        cblas_sgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(m), b, Int32(n), beta, c, Int32(n))
    }
}
