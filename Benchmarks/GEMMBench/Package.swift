// swift-tools-version: 6.1
// A small release-mode executable that times `Matrix.gemm` for Scripts/bench-gemm.sh, which puts it
// side by side with NumPy (OpenBLAS). Kept out of the main package so `swift test` stays lean.
import Foundation
import PackageDescription

// The main package is two folders up; a path dependency's identity is its folder's name, which
// differs between checkouts, so it is read from this manifest's own path.
let mainPackage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .standardizedFileURL.lastPathComponent

let package = Package(
    name: "GEMMBench",
    platforms: [.macOS(.v14), .iOS(.v17)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "GEMMBench",
            dependencies: [.product(name: "AnomalyDistill", package: mainPackage)]
        )
    ],
    swiftLanguageModes: [.v6]
)
