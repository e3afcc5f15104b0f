import Foundation
import Testing

@testable import AnomalyDistill

@Suite struct DeepSVDDTests {
    @Test("planted far outliers score higher than the blob (ROC-AUC > 0.9 on fresh rows)", arguments: [false, true])
    func convergence(pretrain: Bool) throws {
        let train = NeuralDetectorProblems.blob(inliers: 300, outliers: 15, width: 6, seed: 1)
        let test = NeuralDetectorProblems.blob(inliers: 200, outliers: 20, width: 6, seed: 2)
        var random = RandomSource(seed: 3)
        let fitted = try DeepSVDD(hidden: [16, 8], epochs: 10, pretrain: pretrain, pretrainEpochs: 5, contamination: 0.05)
            .fit(train.x, labels: nil, using: &random)
        #expect(try NeuralDetectorProblems.auc(fitted.scores(test.x), test.labels) > 0.9)
        #expect(fitted.trainingScores == (try fitted.scores(train.x)))
    }

    @Test("the centre keeps no coordinate within ε of 0; an exact 0 goes to +ε")
    func centreGuard() throws {
        let embeddings = Matrix([[0, 0.04, -0.02, 0.5, -2], [0, 0.02, -0.06, 0.7, -1]])
        #expect(DeepSVDD.centre(of: embeddings, epsilon: 0.1) == [0.1, 0.1, -0.1, 0.6, -1.5])
        let data = NeuralDetectorProblems.blob(inliers: 100, outliers: 0, width: 5, seed: 4)
        var random = RandomSource(seed: 5)
        let fitted = try DeepSVDD(hidden: [32, 16], epochs: 2).fit(data.x, labels: nil, using: &random)
        #expect(fitted.centre.count == 16)
        #expect(fitted.centre.allSatisfy { abs($0) >= 0.1 })
    }

    @Test("every layer is bias-free: no bias parameter and no bias tensor", arguments: [false, true])
    func noBias(pretrain: Bool) throws {
        let data = NeuralDetectorProblems.blob(inliers: 60, outliers: 0, width: 4, seed: 6)
        var random = RandomSource(seed: 7)
        let fitted = try DeepSVDD(hidden: [8, 6, 4], epochs: 1, pretrain: pretrain, pretrainEpochs: 1)
            .fit(data.x, labels: nil, using: &random)
        let denseLayers = fitted.network.architecture.layers.filter {
            if case .dense = $0 { true } else { false }
        }
        #expect(denseLayers.count == 3)
        #expect(denseLayers.allSatisfy { if case .dense(_, _, false) = $0 { true } else { false } })
        let (tensors, _) = try fitted.encode()
        #expect(!tensors.contains { $0.name.contains("bias") })
        #expect(fitted.network.parameterCount == 4 * 8 + 8 * 6 + 6 * 4)
    }

    @Test("the score is the squared distance of the embedding to the centre")
    func scoreIsSquaredDistance() throws {
        let data = NeuralDetectorProblems.blob(inliers: 30, outliers: 2, width: 3, seed: 8)
        var random = RandomSource(seed: 9)
        let fitted = try DeepSVDD(hidden: [8, 4], epochs: 2).fit(data.x, labels: nil, using: &random)
        let embedding = try fitted.embed(data.x)
        let scores = try fitted.scores(data.x)
        for r in 0..<data.x.rows {
            let expected = (0..<4).reduce(Float(0)) {
                $0 + (embedding[r, $1] - fitted.centre[$1]) * (embedding[r, $1] - fitted.centre[$1])
            }
            #expect(abs(scores[r] - expected) <= 1e-5 * max(1, expected))
        }
    }

    @Test("the one-class loss and its gradient match a hand computation")
    func loss() {
        let loss = CentreDistanceLoss(centre: [1, -1])
        var gradient = Matrix(rows: 0, columns: 0)
        let value = loss.evaluate(Matrix([[2, -1], [1, 1]]), Matrix(rows: 2, columns: 0), gradient: &gradient)
        // Rows: ‖(1, 0)‖² = 1 and ‖(0, 2)‖² = 4; mean 2.5; ∂/∂o = 2 (o − c) / rows.
        #expect(value == 2.5)
        #expect(gradient == Matrix([[1, 0], [0, 2]]))
    }

    @Test("the same seed gives the same scores")
    func reproducible() throws {
        let data = NeuralDetectorProblems.blob(inliers: 80, outliers: 4, width: 4, seed: 10)
        let detector = DeepSVDD(hidden: [8, 4], epochs: 3, pretrain: true, pretrainEpochs: 2)
        var first = RandomSource(seed: 11), second = RandomSource(seed: 11)
        let a = try detector.fit(data.x, labels: nil, using: &first)
        let b = try detector.fit(data.x, labels: nil, using: &second)
        #expect(a.trainingScores == b.trainingScores)
        #expect(a.centre == b.centre)
    }

    @Test("a saved and loaded Deep SVDD gives identical scores")
    func roundTrip() throws {
        let data = NeuralDetectorProblems.blob(inliers: 60, outliers: 3, width: 4, seed: 12)
        var random = RandomSource(seed: 13)
        let fitted = try DeepSVDD(hidden: [8, 4], epochs: 2).fit(data.x, labels: nil, using: &random)
        let loaded = try NeuralDetectorProblems.roundTrip(fitted)
        #expect(try loaded.scores(data.x) == fitted.scores(data.x))
        #expect(loaded.centre == fitted.centre)
        #expect(loaded.state == fitted.state)
    }

    @Test("tiny data, a single feature and a constant column still train")
    func awkwardData() throws {
        var random = RandomSource(seed: 14)
        let tiny = Matrix([[0.1, 1], [-0.3, 0.2], [1.2, -0.5]])
        #expect(try DeepSVDD(epochs: 2).fit(tiny, labels: nil, using: &random).trainingScores.allSatisfy { $0.isFinite })
        let single = Matrix(rows: 40, columns: 1, scalars: (0..<40).map { Float($0 % 5) - 2 })
        #expect(try DeepSVDD(epochs: 2).fit(single, labels: nil, using: &random).centre.allSatisfy { abs($0) >= 0.1 })
        let zeros = Matrix(rows: 10, columns: 3)
        let constant = try DeepSVDD(epochs: 2).fit(zeros, labels: nil, using: &random)
        #expect(constant.trainingScores.allSatisfy { $0.isFinite })
    }

    static let badSettings: [DeepSVDD] = [
        DeepSVDD(hidden: []), DeepSVDD(hidden: [0]), DeepSVDD(dropout: 1), DeepSVDD(dropout: -0.5),
        DeepSVDD(epochs: 0), DeepSVDD(batchSize: 0), DeepSVDD(learningRate: -1), DeepSVDD(epsilon: 0),
        DeepSVDD(pretrainEpochs: 0), DeepSVDD(contamination: 0), DeepSVDD(contamination: 0.51),
    ]

    @Test("bad settings are rejected by validate() and fit", arguments: badSettings)
    func badSetting(detector: DeepSVDD) throws {
        #expect(throws: ConfigurationError.self) { try detector.validate() }
        var random = RandomSource(seed: 0)
        #expect(throws: ConfigurationError.self) { try detector.fit(Matrix([[1, 2], [3, 4]]), labels: nil, using: &random) }
    }
}
