import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// k-nearest neighbours (Ramaswamy et al. 2000): distances against brute force, the methods, self-exclusion.
@Suite struct KNearestNeighborsTests {
    /// Sorted Euclidean distances from `row` to every row of `x` (except `skip`), in double precision.
    static func bruteForce(_ row: [Float], _ x: Matrix, skip: Int? = nil) -> [Double] {
        (0..<x.rows).filter { $0 != skip }.map { i in
            zip(row, x.row(i)).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        }.sorted()
    }

    static func random(rows: Int, columns: Int, seed: UInt64, scale: Double = 1, shift: Double = 0) -> Matrix {
        var random = RandomSource(seed: seed)
        return Matrix(rows: rows, columns: columns,
                      scalars: (0..<(rows * columns)).map { _ in Float(random.normal() * scale + shift) })
    }

    @Test("neighbour distances match brute force", arguments: [(1, 3), (5, 4), (7, 17), (20, 1), (5, 40)])
    func distances(k: Int, features: Int) throws {
        // Enough rows to span several GEMM tiles, and an offset that makes ‖a‖² large.
        let train = Self.random(rows: 2500, columns: features, seed: 1, scale: 1, shift: 30)
        let queries = Self.random(rows: 300, columns: features, seed: 2, scale: 1.5, shift: 30)
        var random = RandomSource(seed: 0)
        var detector = KNearestNeighbors(k: k)
        detector.threads = 2
        let fitted = try detector.fit(train, using: &random)
        let distances = try fitted.neighborDistances(queries)
        for r in stride(from: 0, to: queries.rows, by: 7) {
            let expected = Self.bruteForce(queries.row(r), train).prefix(k)
            for (c, value) in expected.enumerated() {
                #expect(Double(distances[r, c]).isApproximatelyEqual(to: value, absoluteTolerance: 1e-5))
            }
        }
    }

    @Test("training scores leave the row itself out", arguments: KNearestNeighbors.Method.allCases)
    func trainingScores(method: KNearestNeighbors.Method) throws {
        var x = Self.random(rows: 200, columns: 3, seed: 4)
        // A duplicated row: its nearest other neighbour is at distance 0.
        for c in 0..<3 { x[1, c] = x[0, c] }
        var random = RandomSource(seed: 0)
        let k = 4
        let fitted = try KNearestNeighbors(k: k, method: method).fit(x, using: &random)
        for r in [0, 1, 2, 50, 199] {
            let nearest = Array(Self.bruteForce(x.row(r), x, skip: r).prefix(k))
            let expected: Double = switch method {
            case .largest: nearest[k - 1]
            case .mean: nearest.reduce(0, +) / Double(k)
            case .median: (nearest[1] + nearest[2]) / 2
            }
            #expect(Double(fitted.trainingScores[r]).isApproximatelyEqual(to: expected, absoluteTolerance: 1e-5))
        }
    }

    @Test("scores are the same with 1 and 2 threads")
    func threadCountIndependence() throws {
        let x = Self.random(rows: 900, columns: 5, seed: 8)
        var one = KNearestNeighbors()
        one.threads = 1
        var two = one
        two.threads = 2
        var r1 = RandomSource(seed: 0), r2 = RandomSource(seed: 0)
        #expect(try one.fit(x, using: &r1).trainingScores == two.fit(x, using: &r2).trainingScores)
    }

    @Test("k must be below the number of training rows", arguments: [5, 6, 50])
    func kTooLarge(k: Int) {
        var random = RandomSource(seed: 0)
        #expect {
            try KNearestNeighbors(k: k).fit(Self.random(rows: 5, columns: 2, seed: 0), using: &random)
        } throws: { error in
            guard case let ConfigurationError.invalidSetting(name, reason) = error else { return false }
            return name == "k" && reason.contains("k must be < number of training rows")
        }
    }

    @Test("identical rows score 0")
    func identicalRows() throws {
        var random = RandomSource(seed: 0)
        let fitted = try KNearestNeighbors(k: 3).fit(Matrix(rows: 10, columns: 2, repeating: 4), using: &random)
        #expect(fitted.trainingScores.allSatisfy { $0 == 0 })
        #expect(try fitted.scores(Matrix([[4, 7]])) == [3])
    }
}
