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

    private typealias Affinity = @convention(c) (Int32, Int, UnsafeMutableRawPointer) -> Int32
    private static let getAffinity: Affinity? = {
        guard let symbol = dlsym(nil, "sched_getaffinity") else { return nil }
        return unsafeBitCast(symbol, to: Affinity.self)
    }()
    private static let setAffinity: Affinity? = {
        guard let symbol = dlsym(nil, "sched_setaffinity") else { return nil }
        return unsafeBitCast(symbol, to: Affinity.self)
    }()

    /// Moves the calling thread off `cpu` to another CPU of those it may use, then allows
    /// it all of them again (the scheduler leaves it where it now is). False, with the
    /// thread where it was, when it may use no other CPU or the calls fail.
    static func moveOff(_ cpu: Int) -> Bool {
        guard let setAffinity, var allowed = allowedMask, cpu >= 0, cpu < allowed.count * 8 else { return false }
        var others = allowed
        others[cpu / 8] &= ~UInt8(1 << (cpu % 8))
        guard others.contains(where: { $0 != 0 }), setAffinity(0, others.count, &others) == 0 else { return false }
        _ = setAffinity(0, allowed.count, &allowed)
        return true
    }

    /// The calling thread's allowed CPUs as a bit mask (room for 1,024, as glibc's
    /// `cpu_set_t`), or nil.
    private static var allowedMask: [UInt8]? {
        guard let getAffinity else { return nil }
        var mask = [UInt8](repeating: 0, count: 128)
        return getAffinity(0, mask.count, &mask) == 0 ? mask : nil
    }

    /// The CPUs the calling thread may run on, or nil where that cannot be read.
    static var allowed: [Int]? {
        allowedMask.map { mask in (0..<(mask.count * 8)).filter { mask[$0 / 8] & UInt8(1 << ($0 % 8)) != 0 } }
    }

    /// The CPU's number, or nil.
    static var number: Int? {
        guard let function else { return nil }
        let cpu = function()
        return cpu >= 0 ? Int(cpu) : nil
    }
}
