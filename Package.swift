// swift-tools-version: 6.1
import Foundation
import PackageDescription

let package = Package(
    name: "AnomalyDistill",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        // MARK: Public API
        .library(name: "AnomalyDistill", targets: ["AnomalyDistill"]),
        .library(name: "AnomalyDistillCommands", targets: ["AnomalyDistillCommands"]),
        .executable(name: "anomaly-distill", targets: ["anomaly-distill"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: Public API
        .target(
            name: "AnomalyDistill",
            dependencies: [
                "_AnomalyDistillKernels",
                .product(name: "Numerics", package: "swift-numerics"),
            ],
            resources: [.copy("Resources/breast_cancer_wisconsin.csv")]
        ),
        .target(
            name: "AnomalyDistillCommands",
            dependencies: [
                "AnomalyDistill",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "anomaly-distill", dependencies: ["AnomalyDistillCommands"]),

        // MARK: Implementation details
        // C kernels: GEMM micro-kernels chosen at run time by CPU features (per-function target
        // attributes, no unsafeFlags, so the package stays usable as a dependency), the exact float
        // parser, and gzip streaming through the system zlib.
        .target(
            name: "_AnomalyDistillKernels",
            cSettings: [.headerSearchPath("include")],
            linkerSettings: [.linkedLibrary("z")]
        ),

        // MARK: Tests
        .testTarget(
            name: "AnomalyDistillTests",
            dependencies: [
                "AnomalyDistill",
                .product(name: "Numerics", package: "swift-numerics"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AnomalyDistillCommandsTests",
            dependencies: ["AnomalyDistillCommands", "AnomalyDistill"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: Benchmarks (only when asked for, so `swift test` stays lean)
if ProcessInfo.processInfo.environment["ANOMALY_DISTILL_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets += [
        // Plain driver that the side-by-side scripts in Scripts/ run next to NumPy, pandas, scikit-learn.
        .executableTarget(name: "ad-bench", dependencies: ["AnomalyDistill"], path: "Benchmarks/ad-bench"),
        // ordo-one benchmarks: `swift package benchmark` (speed, allocations, memory).
        .executableTarget(
            name: "Kernels",
            dependencies: ["AnomalyDistill", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/Kernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Scoring",
            dependencies: ["AnomalyDistill", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/Scoring",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
}
