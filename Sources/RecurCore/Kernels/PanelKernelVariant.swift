import Foundation
import RecurKernels
import RecurKernelsAVX512

/// Which build of the panel kernel multiplies: the one compiled for AVX2 (the floor
/// Recur requires on x86-64) or the one compiled for AVX-512, whose twice-as-wide FMAs
/// and 32 registers roughly double the arithmetic per cycle where the CPU has them.
///
/// Swift cannot compile one function for two instruction sets, so the kernel source is
/// built twice, into two modules with different `-target-cpu`, and chosen here at run
/// time. Both give bit-identical results (`PanelKernel`), so the choice never changes a
/// sample or a trained weight.
public enum PanelKernelVariant: Sendable, Equatable {
    case standard
    case avx512

    /// The instruction set the variant was compiled for ("avx2", "avx512").
    public var name: String {
        self == .avx512 ? RecurKernelsAVX512.kernelInstructionSet : RecurKernels.kernelInstructionSet
    }

    /// The variants this machine can run.
    public static let available: [PanelKernelVariant] = CPUFlags.current.supportsAVX512 ? [.standard, .avx512] : [.standard]

    /// The variant used unless a caller asks for one: the widest the machine runs;
    /// `RECUR_KERNEL=avx2` in the environment forces the AVX2 build (to compare, or to
    /// rule the AVX-512 build out when investigating).
    public static let selected: PanelKernelVariant = {
        if let forced = getenv("RECUR_KERNEL").map({ String(cString: $0) }), forced == "avx2" { return .standard }
        return available.last!
    }()
}

/// The CPU feature flags the kernel choice needs, from the kernel's `/proc/cpuinfo`
/// (which lists a flag only when the OS also saves the registers it needs).
struct CPUFlags {
    let flags: Set<String>

    /// The AVX-512 subsets that `-target-cpu skylake-avx512` lets the compiler use.
    var supportsAVX512: Bool {
        #if arch(x86_64)
        return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "fma"].allSatisfy(flags.contains)
        #else
        return false
        #endif
    }

    static let current = CPUFlags(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    /// Parses the first `flags` line of `/proc/cpuinfo` text.
    init(cpuinfo: String) {
        let line = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }
        let names = line?.split(separator: ":", maxSplits: 1).dropFirst().first?.split(separator: " ") ?? []
        flags = Set(names.map(String.init))
    }
}
