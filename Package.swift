// swift-tools-version:6.1
import PackageDescription

/// The kernels are SIMD Swift; on x86-64 they need AVX2 and FMA (every x86 server since
/// 2013) to reach BLAS speeds, so RecurCore and RecurKernels are compiled for Haswell or
/// later. RecurKernelsAVX512 is the same panel kernel and cell code (symbolic links to
/// their sources) built for AVX-512, which RecurCore runs only where /proc/cpuinfo lists
/// AVX-512.
#if arch(x86_64)
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
let wideKernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512"])]
#else
let kernelSettings: [SwiftSetting] = []
let wideKernelSettings: [SwiftSetting] = []
#endif

// Linux only: the daemon uses Glibc, inotify, flock and sd_notify directly, so no Apple
// platform is declared (docs/DESIGN.md §1).
let package = Package(
    name: "Recur",
    products: [
        .executable(name: "recur", targets: ["recur"]),
        .library(name: "RecurCore", targets: ["RecurCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(
            name: "CFluidSynth",
            providers: [.apt(["libfluidsynth-dev"])]),
        // The eight-bit kernels are C: Swift reaches no instruction that multiplies bytes
        // (vpmaddwd, vpdpbusd). Each function carries its own target attribute and is
        // chosen at run time; FMA contraction is off so that every build rounds alike.
        .target(name: "CRecurInt8", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "RecurKernels", swiftSettings: kernelSettings),
        .target(name: "RecurKernelsAVX512", swiftSettings: wideKernelSettings),
        .target(
            name: "RecurCore",
            dependencies: [
                "CBLAS", "CRecurInt8", "RecurKernels", "RecurKernelsAVX512", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: kernelSettings),
        .target(name: "RecurMusic", dependencies: ["RecurCore", "CSndFile", "CFluidSynth"]),
        .target(name: "RecurSpool", dependencies: ["RecurCore", "RecurMusic", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "RecurWeb",
            dependencies: [
                "RecurCore", "RecurMusic", "RecurSpool", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "recur",
            dependencies: [
                "RecurCore",
                "RecurMusic",
                "RecurSpool",
                "RecurWeb",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "RecurCoreTests", dependencies: ["RecurCore", "RecurKernels", "CRecurInt8"], exclude: ["Fixtures"]),
        .testTarget(name: "RecurMusicTests", dependencies: ["RecurMusic", "RecurCore", "CSndFile"]),
        .testTarget(name: "EndToEndTests", dependencies: ["RecurCore"]),
        .testTarget(name: "RecurSpoolTests", dependencies: ["RecurSpool"]),
        .testTarget(name: "RecurWebTests", dependencies: ["RecurWeb", "RecurSpool"]),
    ],
    swiftLanguageModes: [.v6]
)
