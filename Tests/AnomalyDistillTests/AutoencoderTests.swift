import Foundation
import Testing

@testable import AnomalyDistill

/// Seeded problems for the neural detector tests.
enum NeuralDetectorProblems {
    /// `inliers` Gaussian rows (σ = 1) in `width` dimensions, then `outliers` rows at distance ≈ 6
    /// in random directions; labels 1 for the outliers.
    static func blob(inliers: Int, outliers: Int, width: Int, seed: UInt64) -> (x: Matrix, labels: [Int]) {
        var random = RandomSource(seed: seed)
        var x = Matrix(rows: inliers + outliers, columns: width)
        for r in 0..<inliers {
            for j in 0..<width { x[r, j] = Float(random.normal()) }
        }
        for r in inliers..<(inliers + outliers) {
            var direction = (0..<width).map { _ in Float(random.normal()) }
            let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            direction = direction.map { $0 / norm * 6 }
            for j in 0..<width { x[r, j] = direction[j] }
        }
        return (x, Array(repeating: 0, count: inliers) + Array(repeating: 1, count: outliers))
    }

    /// Two overlapping classes: class 0 ~ N(0, I), class 1 ~ N(μ, I) with μ = 2.5 on the first two
    /// coordinates; `positives` of class 1 among `count` rows, shuffled.
    static func labelled(count: Int, positives: Int, width: Int, seed: UInt64) -> (x: Matrix, labels: [Int]) {
        var random = RandomSource(seed: seed)
        var labels = Array(repeating: 0, count: count - positives) + Array(repeating: 1, count: positives)
        random.shuffle(&labels)
        var x = Matrix(rows: count, columns: width)
        for r in 0..<count {
            for j in 0..<width {
                x[r, j] = Float(random.normal()) + (labels[r] == 1 && j < 2 ? 2.5 : 0)
            }
        }
        return (x, labels)
    }

    static func auc(_ scores: [Float], _ labels: [Int]) throws -> Double {
        try Metrics.rocAUC(scores: scores.map(Double.init), labels: labels)
    }

    /// Writes `detector` with ``DetectorFile/write(_:preprocessor:training:to:)``, reads it back.
    static func roundTrip<D: FittedDetector>(_ detector: D) throws -> D {
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(detector, to: url)
        return try DetectorFile.decode(D.self, from: try ModelFile.read(from: url))
    }
}

@Suite struct AutoencoderTests {
    @Test("planted far outliers score higher than the blob (ROC-AUC > 0.9 on fresh rows)")
    func convergence() throws {
        let train = NeuralDetectorProblems.blob(inliers: 300, outliers: 15, width: 6, seed: 1)
        let test = NeuralDetectorProblems.blob(inliers: 200, outliers: 20, width: 6, seed: 2)
        var random = RandomSource(seed: 3)
        let fitted = try Autoencoder(hidden: [16, 3], epochs: 20, contamination: 0.05)
            .fit(train.x, labels: nil, using: &random)
        #expect(try NeuralDetectorProblems.auc(fitted.scores(test.x), test.labels) > 0.9)
        #expect(try NeuralDetectorProblems.auc(fitted.trainingScores, train.labels) > 0.9)
        #expect(fitted.trainingScores == (try fitted.scores(train.x)))
        #expect(fitted.state.featureCount == 6)
    }

    @Test("the score is the Euclidean distance to the inference-mode reconstruction")
    func scoreIsDistance() throws {
        let data = NeuralDetectorProblems.blob(inliers: 40, outliers: 2, width: 3, seed: 4)
        var random = RandomSource(seed: 5)
        let fitted = try Autoencoder(hidden: [8, 2], epochs: 2, networks: 1).fit(data.x, labels: nil, using: &random)
        let reconstruction = try fitted.reconstruct(data.x)
        let scores = try fitted.scores(data.x)
        let z = try fitted.standardize(data.x)
        for r in 0..<data.x.rows {
            let expected = (0..<3).reduce(Float(0)) {
                $0 + (z[r, $1] - reconstruction[r, $1]) * (z[r, $1] - reconstruction[r, $1])
            }.squareRoot()
            #expect(abs(scores[r] - expected) <= 1e-5 * max(1, expected))
        }
    }

    @Test("with several networks the score is the mean of their reconstruction distances, and they differ")
    func averageOfNetworks() throws {
        let data = NeuralDetectorProblems.blob(inliers: 40, outliers: 2, width: 3, seed: 4)
        var random = RandomSource(seed: 5)
        let fitted = try Autoencoder(hidden: [8, 2], epochs: 2, networks: 3).fit(data.x, labels: nil, using: &random)
        #expect(fitted.networks.count == 3)
        #expect(fitted.networks[0].tensors(prefix: "") != fitted.networks[1].tensors(prefix: ""))
        let z = try fitted.standardize(data.x)
        let each = fitted.networks.map { FittedAutoencoder.reconstructionDistances($0, z) }
        let scores = try fitted.scores(data.x)
        for r in 0..<data.x.rows {
            let expected = (each[0][r] + each[1][r] + each[2][r]) / 3
            #expect(abs(scores[r] - expected) <= 1e-5 * max(1, expected))
        }
        #expect(throws: ConfigurationError.self) { try Autoencoder(networks: 0).validate() }
    }

    @Test("the architecture mirrors the encoder as PyOD's: d → 64 → 32 → 64 → d")
    func architecture() throws {
        let architecture = try Autoencoder().architecture(featureCount: 7)
        let widths = architecture.layers.compactMap { layer -> Int? in
            if case let .dense(_, outputs, _) = layer { outputs } else { nil }
        }
        #expect(widths == [64, 32, 64, 7])
        #expect(architecture.layers.contains(.batchNorm(features: 64, momentum: 0.1, epsilon: 1e-5)))
        #expect(architecture.layers.contains(.dropout(rate: 0.2)))
    }

    @Test("input standardisation: training mean and deviation, a constant column left unscaled")
    func inputScaling() {
        let scaling = InputScaling(fitting: Matrix([[1, 5, 0], [3, 5, 1], [5, 5, 0], [7, 5, 1]]))
        #expect(scaling.mean == [4, 5, 0.5])
        #expect(abs(scaling.scale[0] - Float(5).squareRoot()) < 1e-6 && scaling.scale[1] == 1 && scaling.scale[2] == 0.5)
        #expect(scaling.apply(Matrix([[4, 6, 1]])) == Matrix([[0, 1, 1]]))
    }

    @Test("the same seed gives the same scores")
    func reproducible() throws {
        let data = NeuralDetectorProblems.blob(inliers: 80, outliers: 4, width: 4, seed: 6)
        let detector = Autoencoder(hidden: [8, 2], epochs: 3, validationFraction: 0.2)
        var first = RandomSource(seed: 7), second = RandomSource(seed: 7)
        let a = try detector.fit(data.x, labels: nil, using: &first)
        let b = try detector.fit(data.x, labels: nil, using: &second)
        #expect(a.trainingScores == b.trainingScores)
        #expect(try a.scores(data.x) == b.scores(data.x))
    }

    @Test("a saved and loaded autoencoder gives identical scores")
    func roundTrip() throws {
        let data = NeuralDetectorProblems.blob(inliers: 60, outliers: 3, width: 4, seed: 8)
        var random = RandomSource(seed: 9)
        let fitted = try Autoencoder(hidden: [8, 2], epochs: 2).fit(data.x, labels: nil, using: &random)
        let loaded = try NeuralDetectorProblems.roundTrip(fitted)
        #expect(try loaded.scores(data.x) == fitted.scores(data.x))
        #expect(loaded.state == fitted.state)
        #expect(loaded.trainingScores == fitted.trainingScores)
    }

    @Test("tiny data, a single feature and a constant column still train")
    func awkwardData() throws {
        var random = RandomSource(seed: 10)
        let tiny = Matrix([[0.1, 1], [-0.3, 0.2], [1.2, -0.5], [0.4, 0.4], [-1, 0]])
        let small = try Autoencoder(epochs: 2).fit(tiny, labels: nil, using: &random)
        #expect(small.trainingScores.count == 5 && small.trainingScores.allSatisfy { $0.isFinite })
        let single = Matrix(rows: 50, columns: 1, scalars: (0..<50).map { Float($0 % 7) / 3 - 1 })
        let one = try Autoencoder(epochs: 2).fit(single, labels: nil, using: &random)
        #expect(one.trainingScores.allSatisfy { $0.isFinite })
        var constant = NeuralDetectorProblems.blob(inliers: 40, outliers: 0, width: 3, seed: 11).x
        for r in 0..<constant.rows { constant[r, 1] = 0 }
        let withConstant = try Autoencoder(epochs: 2).fit(constant, labels: nil, using: &random)
        #expect(withConstant.trainingScores.allSatisfy { $0.isFinite })
    }

    @Test("a learning rate that blows the weights up throws diverged, never a NaN model")
    func divergence() throws {
        let data = NeuralDetectorProblems.blob(inliers: 64, outliers: 0, width: 3, seed: 12)
        var random = RandomSource(seed: 13)
        #expect(throws: TrainingError.self) {
            try Autoencoder(hidden: [8, 2], batchNorm: false, dropout: 0, epochs: 3, learningRate: 1e38)
                .fit(data.x, labels: nil, using: &random)
        }
    }

    static let badSettings: [Autoencoder] = [
        Autoencoder(hidden: []), Autoencoder(hidden: [8, 0]), Autoencoder(dropout: 1), Autoencoder(dropout: -0.1),
        Autoencoder(epochs: 0), Autoencoder(batchSize: 0), Autoencoder(learningRate: 0),
        Autoencoder(contamination: 0), Autoencoder(contamination: 0.6), Autoencoder(validationFraction: 0.9),
        Autoencoder(rowsPerEpoch: 0),
    ]

    @Test("bad settings are rejected by validate() and fit", arguments: badSettings)
    func badSetting(detector: Autoencoder) throws {
        #expect(throws: ConfigurationError.self) { try detector.validate() }
        var random = RandomSource(seed: 0)
        #expect(throws: ConfigurationError.self) { try detector.fit(Matrix([[1, 2], [3, 4]]), labels: nil, using: &random) }
    }

    @Test("bad input: no rows, non-finite values, the wrong width at scoring time")
    func badInput() throws {
        var random = RandomSource(seed: 0)
        #expect(throws: TrainingError.noTrainingRows) {
            try Autoencoder().fit(Matrix(rows: 0, columns: 3), labels: nil, using: &random)
        }
        #expect(throws: DataError.self) {
            try Autoencoder().fit(Matrix([[1, .nan], [0, 1]]), labels: nil, using: &random)
        }
        let fitted = try Autoencoder(epochs: 1).fit(Matrix([[1, 2], [3, 4], [0, 1]]), labels: nil, using: &random)
        #expect(throws: DataError.self) { try fitted.scores(Matrix([[1, 2, 3]])) }
    }
}
