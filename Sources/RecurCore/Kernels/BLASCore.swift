import CBLAS

/// Which of its kernel sets OpenBLAS runs: training and evaluation run on its sgemm, whose
/// speed depends on it. OpenBLAS picks the set for the CPU when it loads, unless
/// `OPENBLAS_CORETYPE` names one; a set older than the CPU (Haswell's AVX2 kernels on an
/// AVX-512 machine) runs at about half the speed, so `recur bench --reference` prints it.
public enum BLASCore {
    /// The kernel set's name as OpenBLAS gives it ("Haswell", "SkylakeX", "Cooperlake" …).
    public static var name: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
}
