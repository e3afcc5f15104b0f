import Testing
import _AnomalyDistillKernels

@testable import AnomalyDistill

/// A shape of `op(A) · op(B)`: `op(A)` is `m × k`, `op(B)` is `k × n`.
struct GEMMShape: Sendable, CustomTestStringConvertible {
    var m: Int
    var k: Int
    var n: Int

    init(_ m: Int, _ k: Int, _ n: Int) {
        self.m = m
        self.k = k
        self.n = n
    }

    var testDescription: String { "\(m)×\(k)·\(k)×\(n)" }
}

/// Whether each factor is transposed.
struct GEMMTransposes: Sendable, CustomTestStringConvertible {
    var a: Bool
    var b: Bool

    static let all = [GEMMTransposes(a: false, b: false), GEMMTransposes(a: true, b: false),
                      GEMMTransposes(a: false, b: true), GEMMTransposes(a: true, b: true)]

    var testDescription: String { (a ? "Aᵀ" : "A") + (b ? "Bᵀ" : "B") }
}

/// Deterministic test data (SplitMix64, Steele et al. 2014).
private struct TestGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }

    mutating func matrix(_ rows: Int, _ columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, scalars: (0..<(rows * columns)).map { _ in nextFloat() })
    }
}

/// Stores `op(A)` for the shape: the transpose is stored when `transposed` is set.
private func factor(_ rows: Int, _ columns: Int, transposed: Bool, _ generator: inout TestGenerator) -> Matrix {
    transposed ? generator.matrix(columns, rows) : generator.matrix(rows, columns)
}

/// Checks `c == alpha · op(a) · op(b) + beta · c0` against a Double triple loop, element by element, within the
/// classical bound for a length-k dot product in Float: (k + 2) · ε · (|alpha| Σ|a||b| + |beta c0|).
private func expectMatchesReference(
    _ c: Matrix, a: Matrix, b: Matrix, c0: Matrix, transposes: GEMMTransposes, alpha: Float, beta: Float,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let m = c.rows, n = c.columns
    let k = transposes.a ? a.rows : a.columns
    // op(A) row by row and op(B) column by column, so the inner loop runs over contiguous storage.
    let opA = (transposes.a ? a.transposed() : a).scalars.map(Double.init)
    let opBT = (transposes.b ? b : b.transposed()).scalars.map(Double.init)
    var worst = 0.0
    var failures = 0
    opA.withUnsafeBufferPointer { x in
        opBT.withUnsafeBufferPointer { y in
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let product = x[i * k + p] * y[j * k + p]
                        sum += product
                        magnitude += abs(product)
                    }
                    var expected = Double(alpha) * sum
                    var scale = abs(Double(alpha)) * magnitude
                    if beta != 0 {
                        expected += Double(beta) * Double(c0[i, j])
                        scale += abs(Double(beta) * Double(c0[i, j]))
                    }
                    let tolerance = Double(k + 2) * Double(Float.ulpOfOne) * scale + 1e-30
                    let error = abs(Double(c[i, j]) - expected)
                    if !(error <= tolerance) { failures += 1 }
                    worst = error.isNaN ? .infinity : max(worst, error / tolerance)
                }
            }
        }
    }
    #expect(failures == 0, "\(failures) elements outside tolerance (worst error / tolerance \(worst))",
            sourceLocation: sourceLocation)
}

@Suite struct GEMMTests {
    static let shapes: [GEMMShape] = [
        GEMMShape(1, 1, 1), GEMMShape(7, 13, 5), GEMMShape(6, 1, 16), GEMMShape(6, 16, 1),
        GEMMShape(65, 33, 17), GEMMShape(1, 300, 1), GEMMShape(24, 8, 16), GEMMShape(25, 17, 33),
        GEMMShape(23, 9, 15), GEMMShape(50, 3, 64), GEMMShape(61, 513, 70), GEMMShape(200, 300, 40),
        GEMMShape(401, 20, 70), GEMMShape(9, 7, 4_100),
        // Empty products: nothing to do, or (k == 0) C = beta · C.
        GEMMShape(0, 5, 3), GEMMShape(4, 5, 0), GEMMShape(4, 0, 3), GEMMShape(0, 0, 0),
    ]

    static let kernels = GEMMKernelChoice.allCases

    @Test("gemm matches a Double reference, every transpose, alpha and beta", arguments: shapes, GEMMTransposes.all)
    func matchesReference(shape: GEMMShape, transposes: GEMMTransposes) {
        var generator = TestGenerator(state: UInt64(shape.m * 1_000_003 + shape.k * 1_009 + shape.n))
        let a = factor(shape.m, shape.k, transposed: transposes.a, &generator)
        let b = factor(shape.k, shape.n, transposed: transposes.b, &generator)
        for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25), (0, -1.5)] {
            let c0 = generator.matrix(shape.m, shape.n)
            var c = c0
            Matrix.gemm(a, b, into: &c, transposeA: transposes.a, transposeB: transposes.b, alpha: alpha, beta: beta)
            expectMatchesReference(c, a: a, b: b, c0: c0, transposes: transposes, alpha: alpha, beta: beta)
        }
    }

    @Test("every kernel set this CPU runs matches the reference", arguments: kernels, shapes)
    func kernelMatchesReference(kernel: GEMMKernelChoice, shape: GEMMShape) {
        guard kernel.isSupported else { return }
        var generator = TestGenerator(state: 7)
        for transposes in GEMMTransposes.all {
            let a = factor(shape.m, shape.k, transposed: transposes.a, &generator)
            let b = factor(shape.k, shape.n, transposed: transposes.b, &generator)
            let c0 = generator.matrix(shape.m, shape.n)
            var c = c0
            Matrix.gemm(a, b, into: &c, transposeA: transposes.a, transposeB: transposes.b, alpha: 1.5, beta: -0.5,
                        kernel: kernel)
            expectMatchesReference(c, a: a, b: b, c0: c0, transposes: transposes, alpha: 1.5, beta: -0.5)
        }
    }

    @Test("beta = 0 ignores NaN in C", arguments: kernels, [GEMMShape(7, 13, 5), GEMMShape(65, 33, 17),
                                                            GEMMShape(61, 513, 70), GEMMShape(4, 0, 3)])
    func betaZeroIgnoresNaN(kernel: GEMMKernelChoice, shape: GEMMShape) {
        guard kernel.isSupported else { return }
        var generator = TestGenerator(state: 11)
        let a = generator.matrix(shape.m, shape.k)
        let b = generator.matrix(shape.k, shape.n)
        let garbage = Matrix(rows: shape.m, columns: shape.n, repeating: .nan)
        var c = garbage
        Matrix.gemm(a, b, into: &c, transposeA: false, transposeB: false, alpha: 1, beta: 0, kernel: kernel)
        #expect(c.scalars.allSatisfy { $0.isFinite })
        expectMatchesReference(c, a: a, b: b, c0: garbage, transposes: GEMMTransposes(a: false, b: false), alpha: 1,
                               beta: 0)
    }

    @Test("a 2×3 by 3×2 product computed by hand")
    func smallExact() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[7, 8], [9, 10], [11, 12]])
        #expect(a.matmul(b) == Matrix([[58, 64], [139, 154]]))
        #expect(b.matmul(a, transposeSelf: true, transposeOther: true) == Matrix([[58, 139], [64, 154]]))
        #expect(a.matmul(a, transposeOther: true) == Matrix([[14, 32], [32, 77]]))
        #expect(a.matmul(a, transposeSelf: true) == Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
    }

    @Test("matmul with transposes agrees with explicit transposes", arguments: GEMMTransposes.all)
    func matmulAgreesWithTransposed(transposes: GEMMTransposes) {
        var generator = TestGenerator(state: 3)
        let a = factor(37, 29, transposed: transposes.a, &generator)
        let b = factor(29, 41, transposed: transposes.b, &generator)
        let fused = a.matmul(b, transposeSelf: transposes.a, transposeOther: transposes.b)
        let explicit = (transposes.a ? a.transposed() : a).matmul(transposes.b ? b.transposed() : b)
        #expect(fused.shape == (37, 41))
        expectMatchesReference(fused, a: transposes.a ? a.transposed() : a, b: transposes.b ? b.transposed() : b,
                               c0: fused, transposes: GEMMTransposes(a: false, b: false), alpha: 1, beta: 0)
        expectMatchesReference(explicit, a: a, b: b, c0: explicit, transposes: transposes, alpha: 1, beta: 0)
    }

    @Test("results are bitwise reproducible")
    func deterministic() {
        var generator = TestGenerator(state: 5)
        let a = generator.matrix(130, 300)
        let b = generator.matrix(300, 70)
        let first = a.matmul(b)
        for _ in 0..<3 { #expect(a.matmul(b) == first) }
    }

    @Test("the kernel name is one of the known sets")
    func kernelName() {
        #expect(["avx512f", "avx2-fma", "portable"].contains(Matrix.gemmKernel))
        #expect(GEMMKernelChoice.portable.isSupported)
    }

    @Test("axpy and dot match scalar loops", arguments: [0, 1, 7, 8, 31, 32, 33, 100, 1_000])
    func axpyAndDot(count: Int) {
        var generator = TestGenerator(state: UInt64(count) + 1)
        let x = (0..<count).map { _ in generator.nextFloat() }
        var y = (0..<count).map { _ in generator.nextFloat() }
        let y0 = y
        var expectedDot = 0.0, magnitude = 0.0
        for i in 0..<count {
            expectedDot += Double(x[i]) * Double(y0[i])
            magnitude += abs(Double(x[i]) * Double(y0[i]))
        }
        let dot = ad_sdot(count, x, y0)
        #expect(abs(Double(dot) - expectedDot) <= Double(count + 2) * Double(Float.ulpOfOne) * magnitude)
        #expect(ad_sdot(count, x, y0) == dot)
        ad_saxpy(count, 0.75, x, &y)
        for i in 0..<count {
            #expect(abs(y[i] - (y0[i] + 0.75 * x[i])) <= 2 * Float.ulpOfOne * (abs(y0[i]) + abs(0.75 * x[i])))
        }
    }
}
