import Foundation
import Testing

@testable import AnomalyDistill

/// Synthetic rows of the Gaussian copula: marginals, dependence, discrete columns, and no copied row.
@Suite struct GaussianCopulaTests {
    /// 600 rows: a continuous column a ~ N(0, 1), b = a + 0.3·N(0, 1) (strongly correlated), c ~ Exp(1) (skewed,
    /// independent), d ∈ {0, 1} with P(d = 1) = 0.2, and a constant column e = 3.
    static let x: Matrix = {
        var random = RandomSource(seed: 17)
        var scalars = [Float]()
        for _ in 0..<600 {
            let a = random.normal()
            scalars += [Float(a), Float(a + 0.3 * random.normal()), Float(-log(1 - random.uniform())),
                        random.uniform() < 0.2 ? 1 : 0, 3]
        }
        return Matrix(rows: 600, columns: 5, scalars: scalars)
    }()

    static func column(_ m: Matrix, _ j: Int) -> [Double] { (0..<m.rows).map { Double(m[$0, j]) } }

    static func correlation(_ u: [Double], _ v: [Double]) -> Double {
        let mu = Statistics.mean(u), mv = Statistics.mean(v)
        let su = Statistics.standardDeviation(u, mean: mu), sv = Statistics.standardDeviation(v, mean: mv)
        return zip(u, v).reduce(0) { $0 + ($1.0 - mu) * ($1.1 - mv) } / Double(u.count) / (su * sv)
    }

    static let sample: Matrix = {
        var random = RandomSource(seed: 3)
        return try! GaussianCopula(fitting: x).sample(4000, using: &random)
    }()

    @Test("each column keeps its distribution: mean, spread, range and quantiles")
    func marginals() throws {
        for j in 0..<3 {
            let real = Self.column(Self.x, j).sorted(), synthetic = Self.column(Self.sample, j).sorted()
            #expect(synthetic.first! >= real.first! && synthetic.last! <= real.last!)
            for q in [0.1, 0.5, 0.9] {
                let spread = real.last! - real.first!
                #expect(abs(Statistics.quantile(sorted: real, q) - Statistics.quantile(sorted: synthetic, q)) < 0.05 * spread)
            }
        }
    }

    @Test("rank dependence is kept between columns and independence stays independence")
    func dependence() {
        let ab = Self.correlation(Self.column(Self.sample, 0), Self.column(Self.sample, 1))
        let ac = Self.correlation(Self.column(Self.sample, 0), Self.column(Self.sample, 2))
        #expect(ab > 0.85)
        #expect(abs(ac) < 0.1)
    }

    @Test("a binary column stays on its two values at its rate, a constant column stays constant")
    func discreteColumns() {
        let d = Self.column(Self.sample, 3)
        #expect(d.allSatisfy { $0 == 0 || $0 == 1 })
        let rate = d.reduce(0, +) / Double(d.count)
        #expect(abs(rate - 0.2) < 0.04)
        #expect(Self.column(Self.sample, 4).allSatisfy { $0 == 3 })
    }

    @Test("no synthetic row is a training row")
    func noCopiedRow() {
        let real = Set((0..<Self.x.rows).map { r in (0..<3).map { Self.x[r, $0] } })
        #expect((0..<Self.sample.rows).allSatisfy { r in !real.contains((0..<3).map { Self.sample[r, $0] }) })
    }

    @Test("the same seed gives the same rows")
    func reproducible() throws {
        var one = RandomSource(seed: 8), two = RandomSource(seed: 8)
        let copula = try GaussianCopula(fitting: Self.x)
        #expect(copula.sample(50, using: &one).scalars == copula.sample(50, using: &two).scalars)
    }

    @Test("Φ⁻¹ inverts Φ to 1e-12 across (0, 1)", arguments: [1e-10, 1e-4, 0.02, 0.1, 0.5, 0.7, 0.99, 1 - 1e-7])
    func normalQuantile(p: Double) {
        let z = GaussianCopula.normalQuantile(p)
        #expect(abs(GaussianCopula.normalProbability(z) - p) < 1e-12 * max(1, p / 1e-3))
        #expect((p < 0.5) == (z < 0))
    }

    @Test("no rows, or a value that is not finite, is an error naming it")
    func badInput() {
        #expect(throws: DataError.self) { try GaussianCopula(fitting: Matrix(rows: 0, columns: 3)) }
        #expect(throws: DataError.self) { try GaussianCopula(fitting: Matrix([[1, 2], [.nan, 3]])) }
    }
}
