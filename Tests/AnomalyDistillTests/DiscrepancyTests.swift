import Foundation
import Testing

@testable import AnomalyDistill

@Suite struct DiscrepancyTests {
    /// A small, fast configuration.
    static func small(
        students: Int = 3, epochs: Int = 20, combination: Discrepancy.Combination = .standardized,
        representation: Discrepancy.Representation = .preActivation,
        contamination: Double = 0.05
    ) -> Discrepancy {
        Discrepancy(
            teacher: Autoencoder(hidden: [16, 4], epochs: epochs, networks: 1), students: students,
            studentHidden: [16], epochs: epochs, combination: combination, representation: representation,
            contamination: contamination)
    }

    @Test(
        "planted far outliers score higher than the blob (ROC-AUC > 0.9 on fresh rows)",
        arguments: Discrepancy.Combination.allCases, Discrepancy.Representation.allCases)
    func convergence(combination: Discrepancy.Combination, representation: Discrepancy.Representation) throws {
        let train = NeuralDetectorProblems.blob(inliers: 300, outliers: 15, width: 6, seed: 1)
        let test = NeuralDetectorProblems.blob(inliers: 200, outliers: 20, width: 6, seed: 2)
        var random = RandomSource(seed: 3)
        let fitted = try Self.small(combination: combination, representation: representation)
            .fit(train.x, labels: nil, using: &random)
        #expect(try NeuralDetectorProblems.auc(fitted.scores(test.x), test.labels) > 0.9)
        #expect(try NeuralDetectorProblems.auc(fitted.trainingScores, train.labels) > 0.9)
        #expect(fitted.trainingScores == (try fitted.scores(train.x)))
        #expect(fitted.students.count == 3)
        #expect(fitted.encoder.outputWidth == 4)
    }

    @Test("the score is e + v computed by hand from the teacher representation and the students' predictions")
    func scoreIsErrorPlusVariance() throws {
        let data = NeuralDetectorProblems.blob(inliers: 40, outliers: 2, width: 3, seed: 4)
        var random = RandomSource(seed: 5)
        let fitted = try Self.small(epochs: 2, combination: .sum).fit(data.x, labels: nil, using: &random)
        let t = try fitted.teacherRepresentation(data.x)
        let predictions = try fitted.studentPredictions(data.x)
        let scores = try fitted.scores(data.x)
        let parts = try fitted.parts(data.x)
        let m = Float(predictions.count), width = t.columns
        for r in 0..<data.x.rows {
            var e: Float = 0, v: Float = 0
            for k in 0..<width {
                let mean = predictions.reduce(Float(0)) { $0 + $1[r, k] } / m
                e += (mean - t[r, k]) * (mean - t[r, k])
                v += predictions.reduce(Float(0)) { $0 + ($1[r, k] - mean) * ($1[r, k] - mean) } / m
            }
            v /= Float(width)
            #expect(abs(parts.error[r] - e) <= 1e-5 * max(1, e))
            #expect(abs(parts.variance[r] - v) <= 1e-5 * max(1, v))
            #expect(abs(scores[r] - (e + v)) <= 1e-5 * max(1, e + v))
        }
        // The teacher representation is normalised to mean 0, deviation 1 per dimension on the training rows.
        for k in 0..<width {
            let column = (0..<t.rows).map { t[$0, k] }
            let mean = column.reduce(0, +) / Float(t.rows)
            #expect(abs(mean) < 1e-4)
        }
    }

    @Test("standardised combination: (e − ē)/σ_e + (v − v̄)/σ_v with the training statistics")
    func standardizedCombination() throws {
        let data = NeuralDetectorProblems.blob(inliers: 40, outliers: 2, width: 3, seed: 4)
        var random = RandomSource(seed: 5)
        let fitted = try Self.small(epochs: 2, combination: .standardized).fit(data.x, labels: nil, using: &random)
        let parts = try fitted.parts(data.x)
        let (em, es) = Discrepancy.meanAndScale(parts.error)
        let (vm, vs) = Discrepancy.meanAndScale(parts.variance)
        let scores = try fitted.scores(data.x)
        for r in 0..<data.x.rows {
            let expected = (parts.error[r] - em) / es + (parts.variance[r] - vm) / vs
            #expect(abs(scores[r] - expected) <= 1e-4 * max(1, abs(expected)))
        }
    }

    @Test("the encoder is the teacher's first layers, up to the bottleneck block's activation")
    func encoderLayers() throws {
        var random = RandomSource(seed: 1)
        let architecture = try Autoencoder(hidden: [8, 3]).architecture(featureCount: 5)
        let network = Network(architecture: architecture, random: &random)
        let encoder = try Discrepancy.encoder(of: network, hiddenBlocks: 2)
        #expect(encoder.outputWidth == 3)
        #expect(encoder.architecture.layers == Array(architecture.layers.prefix(7)))
        #expect(
            encoder.tensors(prefix: "") == Array(network.tensors(prefix: "").prefix(encoder.tensors(prefix: "").count)))
        let preActivation = try Discrepancy.encoder(of: network, hiddenBlocks: 2, activated: false)
        #expect(preActivation.architecture.layers == Array(architecture.layers.prefix(6)))
        #expect(preActivation.architecture.layers.last == .batchNorm(features: 3, momentum: 0.1, epsilon: 1e-5))
        #expect(throws: DataError.self) { try Discrepancy.encoder(of: network, hiddenBlocks: 4) }
    }

    @Test("the same seed gives the same scores")
    func reproducible() throws {
        let data = NeuralDetectorProblems.blob(inliers: 80, outliers: 4, width: 4, seed: 6)
        let detector = Self.small(epochs: 3)
        var first = RandomSource(seed: 7), second = RandomSource(seed: 7), other = RandomSource(seed: 8)
        let a = try detector.fit(data.x, labels: nil, using: &first)
        let b = try detector.fit(data.x, labels: nil, using: &second)
        let c = try detector.fit(data.x, labels: nil, using: &other)
        #expect(a.trainingScores == b.trainingScores)
        #expect(try a.scores(data.x) == b.scores(data.x))
        #expect(a.trainingScores != c.trainingScores)
        #expect(a.students[0].tensors(prefix: "") != a.students[1].tensors(prefix: ""))
    }

    @Test("a saved and loaded detector gives identical scores", arguments: Discrepancy.Combination.allCases)
    func roundTrip(combination: Discrepancy.Combination) throws {
        let data = NeuralDetectorProblems.blob(inliers: 60, outliers: 3, width: 4, seed: 8)
        var random = RandomSource(seed: 9)
        let fitted = try Self.small(epochs: 2, combination: combination).fit(data.x, labels: nil, using: &random)
        let loaded = try NeuralDetectorProblems.roundTrip(fitted)
        #expect(try loaded.scores(data.x) == fitted.scores(data.x))
        #expect(loaded.state == fitted.state)
        #expect(loaded.trainingScores == fitted.trainingScores)
        #expect(loaded.students.count == fitted.students.count)
        #expect(try loaded.predict(data.x) == fitted.predict(data.x))
    }

    @Test("one student: the variance term is zero")
    func singleStudent() throws {
        let data = NeuralDetectorProblems.blob(inliers: 40, outliers: 2, width: 3, seed: 4)
        var random = RandomSource(seed: 5)
        let fitted = try Self.small(students: 1, epochs: 2).fit(data.x, labels: nil, using: &random)
        let variance = try fitted.parts(data.x).variance
        #expect(variance.allSatisfy { $0 == 0 })
        #expect(fitted.trainingScores.allSatisfy { $0.isFinite })
    }

    @Test("bad settings and input are rejected")
    func badSettings() throws {
        let data = NeuralDetectorProblems.blob(inliers: 20, outliers: 1, width: 3, seed: 4)
        var bad: [Discrepancy] = []
        var d = Self.small(); d.students = 0; bad.append(d)
        d = Self.small(); d.epochs = 0; bad.append(d)
        d = Self.small(); d.batchSize = 0; bad.append(d)
        d = Self.small(); d.learningRate = -1; bad.append(d)
        d = Self.small(); d.weightDecay = .nan; bad.append(d)
        d = Self.small(); d.studentHidden = []; bad.append(d)
        d = Self.small(); d.studentHidden = [0]; bad.append(d)
        d = Self.small(); d.rowsPerEpoch = 0; bad.append(d)
        d = Self.small(); d.contamination = 0.7; bad.append(d)
        d = Self.small(); d.teacher.epochs = 0; bad.append(d)
        for detector in bad {
            #expect(throws: ConfigurationError.self) { try detector.validate() }
            var random = RandomSource(seed: 1)
            #expect(throws: ConfigurationError.self) { _ = try detector.fit(data.x, labels: nil, using: &random) }
        }
        var random = RandomSource(seed: 1)
        let fitted = try Self.small(epochs: 1).fit(data.x, labels: nil, using: &random)
        #expect(throws: DataError.self) { _ = try fitted.scores(Matrix(rows: 2, columns: 4)) }
        var nonFinite = data.x
        nonFinite[0, 0] = .nan
        #expect(throws: DataError.self) { _ = try Self.small().fit(nonFinite, labels: nil, using: &random) }
    }

    @Test("a learning rate that makes the students blow up is reported as divergence")
    func divergence() throws {
        let data = NeuralDetectorProblems.blob(inliers: 60, outliers: 3, width: 4, seed: 8)
        var detector = Self.small(epochs: 3)
        detector.learningRate = 1e30
        var random = RandomSource(seed: 1)
        let error = #expect(throws: TrainingError.self) { _ = try detector.fit(data.x, labels: nil, using: &random) }
        guard case .diverged? = error else {
            Issue.record("expected TrainingError.diverged, found \(String(describing: error))")
            return
        }
    }
}

@Suite struct DiscrepancyRegistrationTests {
    /// Runs once `FittedDiscrepancy` is in `ModelRegistry.builtIn` and `discrepancy` in the catalog.
    @Test(
        "built by name from the catalog and loaded by kind from a model file",
        .enabled(if: DetectorFile.registry["discrepancy"] != nil && DetectorCatalog.names.contains("discrepancy")))
    func catalogAndRegistry() throws {
        var options = DetectorOptions(contamination: 0.05)
        options.epochs = 2
        options.hidden = [8]
        let detector = try DetectorCatalog.make("discrepancy", options: options)
        let data = NeuralDetectorProblems.blob(inliers: 40, outliers: 2, width: 3, seed: 4)
        var random = RandomSource(seed: 1)
        let fitted = try #require(try fitAny(detector, data.x, &random) as? FittedDiscrepancy)
        #expect(fitted.students[0].architecture.layers.first == .dense(inputs: 3, outputs: 8, bias: true))
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(fitted, to: url)
        let loaded = try ModelRegistry.load(from: url).detector
        #expect(type(of: loaded).kind == "discrepancy")
        #expect(try loaded.scores(data.x) == fitted.scores(data.x))
    }

    private func fitAny<D: Detector>(_ detector: D, _ x: Matrix, _ random: inout RandomSource) throws
        -> any FittedDetector
    {
        try detector.fit(x, labels: nil, using: &random)
    }
}
