// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Recur",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "recur", targets: ["recur"]),
        .library(name: "RecurCore", targets: ["RecurCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "RecurCore",
            dependencies: ["CBLAS", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "recur",
            dependencies: [
                "RecurCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "RecurCoreTests", dependencies: ["RecurCore"], exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndTests", dependencies: ["RecurCore"]),
    ],
    swiftLanguageModes: [.v6]
)
