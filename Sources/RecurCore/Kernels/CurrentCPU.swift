#if canImport(Glibc)
import Glibc
#endif

/// The CPU the calling thread runs on (`sched_getcpu`, a vDSO call of a few
/// nanoseconds), or nil where it is not available. Glibc's Swift module does not
/// declare it (it needs `_GNU_SOURCE`), so it is looked up once by name.
enum CurrentCPU {
    private static let function: (@convention(c) () -> Int32)? = {
        guard let symbol = dlsym(nil, "sched_getcpu") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
    }()

    /// The CPU's number, or nil.
    static var number: Int? {
        guard let function else { return nil }
        let cpu = function()
        return cpu >= 0 ? Int(cpu) : nil
    }
}
