import AnomalyDistill

/// `ad-bench gemm [MxKxN ...]`: times `Matrix.gemm` on each shape and prints one JSON object,
/// `{"kernel": ..., "gflops": {"MxKxN": {"best": ..., "median": ...}, ...}}`.
enum GEMMBench {
    static func randomMatrix(_ rows: Int, _ columns: Int, _ random: inout RandomSource) -> Matrix {
        Matrix(rows: rows, columns: columns, scalars: (0..<(rows * columns)).map { _ in random.uniformFloat() * 2 - 1 })
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    static func run(_ arguments: [String]) {
        let defaultShapes = [(1024, 30, 64), (1024, 64, 64), (1024, 256, 256), (4096, 100, 16), (512, 512, 512)]
        let shapes: [(Int, Int, Int)] = arguments.isEmpty ? defaultShapes : arguments.map { text in
            let parts = text.split(separator: "x").compactMap { Int($0) }
            precondition(parts.count == 3, "shape must be MxKxN, got \(text)")
            return (parts[0], parts[1], parts[2])
        }

        var generator = RandomSource(seed: 42)
        let clock = ContinuousClock()
        var entries: [String] = []
        for (m, k, n) in shapes {
            let a = randomMatrix(m, k, &generator)
            let b = randomMatrix(k, n, &generator)
            var c = Matrix(rows: m, columns: n)
            let flops = 2.0 * Double(m) * Double(n) * Double(k)
            let repetitions = max(3, Int(2e8 / flops))
            for _ in 0..<3 { Matrix.gemm(a, b, into: &c) }
            var times: [Double] = []
            for _ in 0..<15 {
                let start = clock.now
                for _ in 0..<repetitions { Matrix.gemm(a, b, into: &c) }
                times.append(seconds(clock.now - start) / Double(repetitions))
            }
            times.sort()
            let best = flops / times[0] / 1e9
            let median = flops / times[times.count / 2] / 1e9
            entries.append("\"\(m)x\(k)x\(n)\": {\"best\": \(best), \"median\": \(median)}")
        }
        print("{\"kernel\": \"\(Matrix.gemmKernel)\", \"gflops\": {\(entries.joined(separator: ", "))}}")
    }
}
