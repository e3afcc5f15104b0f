import Foundation
import Testing

@testable import AnomalyDistill

@Suite struct SupervisedNetworkTests {
    @Test("learns a labelled problem (ROC-AUC > 0.95 on fresh rows)")
    func convergence() throws {
        let train = NeuralDetectorProblems.labelled(count: 600, positives: 60, width: 5, seed: 1)
        let test = NeuralDetectorProblems.labelled(count: 400, positives: 40, width: 5, seed: 2)
        var random = RandomSource(seed: 3)
        let fitted = try SupervisedNetwork(hidden: [16, 8], epochs: 20).fit(train.x, labels: train.labels, using: &random)
        #expect(try NeuralDetectorProblems.auc(fitted.scores(test.x), test.labels) > 0.95)
        #expect(try fitted.logits(test.x) == fitted.scores(test.x))
        let probabilities = try fitted.anomalyProbabilities(test.x)
        #expect(probabilities.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("needs labels, and two classes")
    func labels() throws {
        let data = NeuralDetectorProblems.labelled(count: 40, positives: 4, width: 2, seed: 4)
        var random = RandomSource(seed: 5)
        #expect(throws: TrainingError.labelsRequired(detector: "supervised_network")) {
            try SupervisedNetwork().fit(data.x, labels: nil, using: &random)
        }
        #expect(throws: DataError.self) {
            try SupervisedNetwork().fit(data.x, labels: Array(repeating: 0, count: 40), using: &random)
        }
        do {
            _ = try SupervisedNetwork().fit(data.x, labels: Array(repeating: 1, count: 40), using: &random)
            Issue.record("expected singleClassLabels")
        } catch let DataError.singleClassLabels(_, label) {
            #expect(label == 1)
        }
        #expect(throws: DataError.self) {
            try SupervisedNetwork().fit(data.x, labels: Array(repeating: 2, count: 40), using: &random)
        }
        #expect(throws: DataError.self) { try SupervisedNetwork().fit(data.x, labels: [0, 1], using: &random) }
    }

    @Test("the same seed gives the same logits")
    func reproducible() throws {
        let data = NeuralDetectorProblems.labelled(count: 120, positives: 12, width: 3, seed: 6)
        let detector = SupervisedNetwork(hidden: [8], epochs: 3)
        var first = RandomSource(seed: 7), second = RandomSource(seed: 7)
        let a = try detector.fit(data.x, labels: data.labels, using: &first)
        let b = try detector.fit(data.x, labels: data.labels, using: &second)
        #expect(a.trainingScores == b.trainingScores)
    }

    @Test("a saved and loaded supervised network gives identical logits")
    func roundTrip() throws {
        let data = NeuralDetectorProblems.labelled(count: 100, positives: 10, width: 3, seed: 8)
        var random = RandomSource(seed: 9)
        let fitted = try SupervisedNetwork(hidden: [8, 4], epochs: 2).fit(data.x, labels: data.labels, using: &random)
        let loaded = try NeuralDetectorProblems.roundTrip(fitted)
        #expect(try loaded.logits(data.x) == fitted.logits(data.x))
        #expect(loaded.state == fitted.state)
    }

    @Test("tiny data and a single feature still train")
    func awkwardData() throws {
        var random = RandomSource(seed: 10)
        let tiny = Matrix([[0], [0.2], [3], [-0.1], [2.8], [0.1]])
        let fitted = try SupervisedNetwork(epochs: 3).fit(tiny, labels: [0, 0, 1, 0, 1, 0], using: &random)
        #expect(fitted.trainingScores.count == 6 && fitted.trainingScores.allSatisfy { $0.isFinite })
    }

    static let badSettings: [SupervisedNetwork] = [
        SupervisedNetwork(hidden: []), SupervisedNetwork(dropout: 1), SupervisedNetwork(dropout: -0.2),
        SupervisedNetwork(epochs: 0), SupervisedNetwork(batchSize: 0), SupervisedNetwork(learningRate: .nan),
        SupervisedNetwork(validationFraction: 0.7), SupervisedNetwork(patience: 0),
        SupervisedNetwork(contamination: 0), SupervisedNetwork(contamination: 0.75),
    ]

    @Test("bad settings are rejected by validate() and fit", arguments: badSettings)
    func badSetting(detector: SupervisedNetwork) throws {
        #expect(throws: ConfigurationError.self) { try detector.validate() }
        var random = RandomSource(seed: 0)
        #expect(throws: ConfigurationError.self) {
            try detector.fit(Matrix([[1, 2], [3, 4]]), labels: [0, 1], using: &random)
        }
    }
}
