// swift-tools-version: 6.1
import Foundation
import PackageDescription

let package = Package(
    name: "AnomalyDistill",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        // MARK: Public API
        .library(name: "AnomalyDistill", targets: ["AnomalyDistill"]),
        .library(name: "AnomalyDistillServer", targets: ["AnomalyDistillServer"]),
        .library(name: "AnomalyDistillONNX", targets: ["AnomalyDistillONNX"]),
        .library(name: "AnomalyDistillCommands", targets: ["AnomalyDistillCommands"]),
        .executable(name: "anomaly-distill", targets: ["anomaly-distill"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
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
        // The HTTP scoring service: Hummingbird 2, scoring through `ScoringModel` only.
        .target(
            name: "AnomalyDistillServer",
            dependencies: [
                "AnomalyDistill",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // ONNX export: the scoring graph as an ONNX model. The protobuf code is generated once from
        // Protos/onnx/onnx.proto by Scripts/generate-onnx-proto.sh and committed (no protoc at build time).
        .target(
            name: "AnomalyDistillONNX",
            dependencies: [
                "AnomalyDistill",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "AnomalyDistillCommands",
            dependencies: [
                "AnomalyDistill",
                "AnomalyDistillServer",
                "AnomalyDistillONNX",
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
            name: "AnomalyDistillServerTests",
            dependencies: [
                "AnomalyDistillServer",
                "AnomalyDistill",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "AnomalyDistillONNXTests",
            dependencies: [
                "AnomalyDistillONNX",
                "AnomalyDistill",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "AnomalyDistillCommandsTests",
            dependencies: ["AnomalyDistillCommands", "AnomalyDistill", "AnomalyDistillONNX"]
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
