import Foundation
import Testing

@testable import AnomalyDistill

/// The PCA detector: the decomposition, T² and Q by hand, the variance share, explanations and model files.
@Suite struct PCATests {
    /// Rows spread along a rotated ellipse in 3-D: standard deviations 3, 1 and 0.05 along the axes of a rotation.
    static func ellipse(rows: Int, seed: UInt64) -> (x: Matrix, axes: [[Double]]) {
        let c = cos(0.5), s = sin(0.5)
        let axes = [[c, s, 0], [-s, c, 0], [0, 0, 1]]
        var random = RandomSource(seed: seed)
        var x = Matrix(rows: rows, columns: 3)
        for r in 0..<rows {
            let t = [3 * random.normal(), random.normal(), 0.05 * random.normal()]
            for j in 0..<3 { x[r, j] = Float(2 + (0..<3).reduce(0.0) { $0 + t[$1] * axes[$1][j] }) }
        }
        return (x, axes)
    }

    @Test("Jacobi: orthonormal eigenvectors that rebuild the matrix, values in descending order")
    func decomposition() {
        var random = RandomSource(seed: 5)
        let d = 12
        var m = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in i..<d { m[i * d + j] = random.normal(); m[j * d + i] = m[i * d + j] } }
        let (values, vectors) = SymmetricEigen.decompose(m, size: d)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
        for a in 0..<d {
            for b in 0..<d {
                let dot = (0..<d).reduce(0.0) { $0 + vectors[a * d + $1] * vectors[b * d + $1] }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-10)
            }
        }
        for i in 0..<d {
            for j in 0..<d {
                let rebuilt = (0..<d).reduce(0.0) { $0 + values[$1] * vectors[$1 * d + i] * vectors[$1 * d + j] }
                #expect(abs(rebuilt - m[i * d + j]) < 1e-9)
            }
        }
    }

    @Test("the kept components follow the variance share")
    func variance() throws {
        let data = Self.ellipse(rows: 4000, seed: 1)
        var random = RandomSource(seed: 0)
        // Variances 9, 1 and 0.0025: the first explains 90 %, the first two 99.98 %.
        #expect(try PCA(variance: 0.85).fit(data.x, using: &random).componentCount == 1)
        #expect(try PCA(variance: 0.95).fit(data.x, using: &random).componentCount == 2)
        #expect(try PCA(variance: 1).fit(data.x, using: &random).componentCount == 3)
        let fitted = try PCA(variance: 0.95).fit(data.x, using: &random)
        #expect(abs(fitted.explained - 10 / 10.0025) < 0.01)
        // The first component is the long axis (up to sign), the eigenvalue its variance.
        let first = (0..<3).map { Double(fitted.subspace.components[0, $0]) }
        #expect(abs(abs(zip(first, data.axes[0]).reduce(0) { $0 + $1.0 * $1.1 }) - 1) < 1e-3)
        #expect(abs(Double(fitted.subspace.eigenvalues[0]) - 9) < 0.5)
    }

    @Test("T² and Q by hand: along the long axis only T² grows, off the plane only Q")
    func statistics() throws {
        let data = Self.ellipse(rows: 4000, seed: 2)
        var random = RandomSource(seed: 0)
        let fitted = try PCA(variance: 0.95).fit(data.x, using: &random)
        let mean = fitted.subspace.mean.map(Double.init)
        let along = (0..<3).map { Float(mean[$0] + 6 * data.axes[0][$0]) }
        let off = (0..<3).map { Float(mean[$0] + 0.5 * data.axes[2][$0]) }
        let stats = try fitted.statistics(Matrix([along, off]))
        let lambda = Double(fitted.subspace.eigenvalues[0])
        #expect(abs(stats[0].t2 - 36 / lambda) < 1e-3 * 36 / lambda)
        #expect(stats[0].q < 1e-3)
        #expect(stats[1].t2 < 1e-2)
        #expect(abs(stats[1].q - 0.25) < 1e-3)
        // The combined score puts each statistic at mean 1 on the training rows.
        let training = try fitted.statistics(data.x)
        #expect(abs(training.reduce(0) { $0 + $1.t2 } / Double(data.x.rows) - 2) < 0.01)
        let scores = try fitted.scores(Matrix([along, off]))
        let qBar = Double(fitted.subspace.residualMean)
        #expect(abs(Double(scores[1]) - 0.5 * (stats[1].q / qBar + stats[1].t2 / 2)) < 1e-3 * Double(scores[1]))
    }

    @Test("each statistic's contributions sum to the score", arguments: PCA.Statistic.allCases)
    func attributions(statistic: PCA.Statistic) throws {
        let data = Self.ellipse(rows: 500, seed: 3)
        var random = RandomSource(seed: 0)
        let fitted = try PCA(variance: 0.95, statistic: statistic).fit(data.x, using: &random)
        let probe = Matrix([[9, -4, 2.5], [2, 2, 2], [0, 5, 1.8]])
        let explained = try fitted.attributions(probe, baseline: [0, 0, 0])
        #expect(explained.scores == (try fitted.scores(probe)))
        for r in 0..<probe.rows {
            let sum = (0..<3).reduce(0.0) { $0 + Double(explained.contributions[r, $1]) }
            #expect(abs(sum - Double(explained.scores[r])) <= 1e-4 * max(1, Double(explained.scores[r])))
        }
        if statistic == .q {
            // Q's contributions are squared residuals: never negative.
            #expect(explained.contributions.scalars.allSatisfy { $0 >= 0 })
        }
    }

    @Test("the catalog builds it by name and refuses a bad statistic or variance")
    func catalog() throws {
        var options = DetectorOptions()
        options.variance = 0.9
        options.statistic = "Q"
        let detector = try #require(try DetectorCatalog.make("pca", options: options) as? PCA)
        #expect(detector.statistic == .q && detector.variance == 0.9)
        options.statistic = "spe"
        #expect(throws: ConfigurationError.self) { try DetectorCatalog.make("pca", options: options) }
        options.statistic = nil
        options.variance = 0
        #expect(throws: ConfigurationError.self) { try DetectorCatalog.make("pca", options: options) }
    }

    @Test("a model file with a broken subspace is refused, naming what is wrong", arguments: [
        ("eigenvalues", "positive"), ("components", "unit-length"), ("mean", "finite"),
    ])
    func brokenFile(tensor: String, words: String) throws {
        var random = RandomSource(seed: 0)
        let fitted = try PCA().fit(Self.ellipse(rows: 200, seed: 4).x, using: &random)
        var (metadata, tensors) = try DetectorFile.encode(fitted)
        let index = try #require(tensors.firstIndex { $0.name == tensor })
        var values = try tensors[index].floats()
        switch tensor {
        case "eigenvalues": values[0] = -1
        case "components": values[0] *= 3
        default: values[1] = .nan
        }
        tensors[index] = Tensor(name: tensor, shape: tensors[index].shape, floats: values)
        metadata.kind = FittedPCA.kind
        #expect(performing: { try DetectorFile.decode(FittedPCA.self, from: ModelFile(metadata: metadata, tensors: tensors)) },
                throws: { error in
                    guard case let ModelError.invalidMetadata(_, reason) = error else { return false }
                    return reason.contains(words)
                })
    }
}
