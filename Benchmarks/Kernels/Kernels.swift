// Throughput of the GEMM kernels on the shapes training and scoring use, with ordo-one/benchmark.
// Run with `ANOMALY_DISTILL_BENCHMARKS=1 swift package benchmark --target Kernels`;
// Scripts/bench-gemm.sh puts the same shapes side by side with NumPy (OpenBLAS).
import AnomalyDistill
import Benchmark

/// Shapes as (M, K, N): `C[M×N] = A[M×K] · B[K×N]`.
private let shapes = [(1024, 30, 64), (1024, 64, 64), (1024, 256, 256), (4096, 100, 16), (512, 512, 512)]

/// A deterministic matrix with entries in [-1, 1) (a linear congruential sequence; the values do not matter).
private func filledMatrix(_ rows: Int, _ columns: Int, seed: UInt32) -> Matrix {
    var state = seed
    let scalars = (0..<(rows * columns)).map { _ -> Float in
        state = state &* 1_664_525 &+ 1_013_904_223
        return Float(state >> 8) / Float(1 << 23) - 1
    }
    return Matrix(rows: rows, columns: columns, scalars: scalars)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(2)
    )

    for (m, k, n) in shapes {
        let a = filledMatrix(m, k, seed: 1)
        let b = filledMatrix(k, n, seed: 2)
        Benchmark("gemm \(m)x\(k)x\(n)") { benchmark in
            var c = Matrix(rows: m, columns: n)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                Matrix.gemm(a, b, into: &c)
                blackHole(c)
            }
        }
    }

    Benchmark("matmul 1024x64x64, transposed A") { benchmark in
        let a = filledMatrix(64, 1024, seed: 3)
        let b = filledMatrix(64, 64, seed: 4)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(a.matmul(b, transposeSelf: true))
        }
    }
}
