#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for long numeric runs.
public enum HeapTuning {
    /// Keeps large blocks in glibc's heap instead of `mmap`/`munmap` per allocation.
    ///
    /// A training step allocates and frees the same multi-megabyte buffers every time;
    /// by default glibc returns them to the kernel and the next step pays page faults
    /// and zero-filling for fresh pages (≈ 4 % of a step). `mallopt` is not exported by
    /// Swift's Glibc module, so it is looked up at run time; elsewhere this does nothing.
    public static func keepLargeAllocationsInHeap() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(-3, 1 << 28)  // M_MMAP_THRESHOLD: 256 MiB
        _ = mallopt(-1, 1 << 30)  // M_TRIM_THRESHOLD: 1 GiB
        #endif
    }
}
