// Times `Matrix.gemm` on the shapes of Scripts/bench-gemm.sh and prints one JSON object:
// {"kernel": ..., "gflops": {"MxKxN": {"best": ..., "median": ...}, ...}}.
// Arguments: optional list of shapes as MxKxN (default: the five shapes of the script).
import AnomalyDistill

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
}

func randomMatrix(_ rows: Int, _ columns: Int, _ generator: inout SplitMix64) -> Matrix {
    Matrix(rows: rows, columns: columns, scalars: (0..<(rows * columns)).map { _ in generator.nextFloat() })
}

func seconds(_ duration: Duration) -> Double {
    let (s, attoseconds) = duration.components
    return Double(s) + Double(attoseconds) * 1e-18
}

let defaultShapes = [(1024, 30, 64), (1024, 64, 64), (1024, 256, 256), (4096, 100, 16), (512, 512, 512)]
let arguments = CommandLine.arguments.dropFirst()
let shapes: [(Int, Int, Int)] = arguments.isEmpty ? defaultShapes : arguments.map { text in
    let parts = text.split(separator: "x").compactMap { Int($0) }
    precondition(parts.count == 3, "shape must be MxKxN, got \(text)")
    return (parts[0], parts[1], parts[2])
}

var generator = SplitMix64(state: 42)
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
