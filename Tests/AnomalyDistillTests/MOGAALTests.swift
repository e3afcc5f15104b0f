import Foundation
import Testing

@testable import AnomalyDistill

@Suite struct MOGAALTests {
    /// A Gaussian blob of `inliers` rows in `d` dimensions, then `outliers` rows far from it, with labels.
    static func blob(inliers: Int = 300, outliers: Int = 15, d: Int = 4, seed: UInt64 = 7) -> (Matrix, [Int]) {
        var random = RandomSource(seed: seed)
        var values: [Float] = []
        for _ in 0..<inliers {
            for _ in 0..<d { values.append(Float(random.normal())) }
        }
        for _ in 0..<outliers {
            for _ in 0..<d {
                let sign: Double = random.uniform() < 0.5 ? -1 : 1
                values.append(Float(sign * (5 + 2 * random.uniform())))
            }
        }
        let labels = [Int](repeating: 0, count: inliers) + [Int](repeating: 1, count: outliers)
        return (Matrix(rows: inliers + outliers, columns: d, scalars: values), labels)
    }

    /// Small and quick settings for the tests.
    static let small = MOGAAL(stopEpochs: 50, batchSize: 64, discriminatorLearningRate: 0.05, contamination: 0.05)

    @Test("planted far outliers score higher than the blob (ROC-AUC > 0.85)")
    func convergence() throws {
        let (x, labels) = Self.blob()
        var random = RandomSource(seed: 1)
        let fitted = try Self.small.fit(x, labels: nil, using: &random)
        let auc = try Metrics.rocAUC(scores: fitted.trainingScores.map(Double.init), labels: labels)
        #expect(auc > 0.85, "training ROC-AUC \(auc)")
        // Fresh rows from the same problem.
        let (test, testLabels) = Self.blob(seed: 99)
        let testAUC = try Metrics.rocAUC(scores: try fitted.scores(test).map(Double.init), labels: testLabels)
        #expect(testAUC > 0.85, "test ROC-AUC \(testAUC)")
        #expect(fitted.trainingScores.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("the same seed gives the same scores")
    func reproducible() throws {
        let (x, _) = Self.blob()
        var first = RandomSource(seed: 42), second = RandomSource(seed: 42), other = RandomSource(seed: 43)
        let a = try Self.small.fit(x, labels: nil, using: &first)
        let b = try Self.small.fit(x, labels: nil, using: &second)
        let c = try Self.small.fit(x, labels: nil, using: &other)
        #expect(a.trainingScores == b.trainingScores)
        #expect(a.threshold == b.threshold)
        #expect(try a.scores(x) == b.scores(x))
        #expect(a.trainingScores != c.trainingScores)
    }

    @Test("scoring is deterministic and matches the training scores")
    func deterministicScoring() throws {
        let (x, _) = Self.blob()
        var random = RandomSource(seed: 3)
        let fitted = try Self.small.fit(x, labels: nil, using: &random)
        let once = try fitted.scores(x)
        let twice = try fitted.scores(x)
        #expect(once == twice)
        #expect(once == fitted.trainingScores)
        // Scoring in chunks gives what scoring one row at a time gives.
        let single = try (0..<5).map { try fitted.scores(x.rows(at: [$0]))[0] }
        #expect(single == Array(once.prefix(5)))
    }

    @Test("subsampling caps the rows trained on and still scores every row")
    func subsample() throws {
        let (x, labels) = Self.blob(inliers: 600, outliers: 20)
        var random = RandomSource(seed: 5)
        var detector = Self.small
        detector.maxSamples = 200
        detector.quantileRows = 100
        let fitted = try detector.fit(x, labels: nil, using: &random)
        #expect(fitted.trainingScores.count == x.rows)
        // ⌈√200⌉ hidden units.
        #expect(fitted.discriminator.architecture.layers[0] == .dense(inputs: 4, outputs: 15, bias: true))
        let auc = try Metrics.rocAUC(scores: fitted.trainingScores.map(Double.init), labels: labels)
        #expect(auc > 0.85, "ROC-AUC \(auc)")
    }

    @Test("save and load through a model file keeps scores and state")
    func roundTrip() throws {
        let (x, _) = Self.blob()
        var random = RandomSource(seed: 11)
        let fitted = try Self.small.fit(x, labels: nil, using: &random)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mo-gaal-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try DetectorFile.write(fitted, to: url)
        let file = try ModelFile.read(from: url)
        #expect(file.metadata.kind == "mo_gaal")
        let loaded = try DetectorFile.decode(FittedMOGAAL.self, from: file)
        #expect(loaded.state == fitted.state)
        #expect(loaded.trainingScores == fitted.trainingScores)
        #expect(loaded.scaler == fitted.scaler)
        #expect(try loaded.scores(x) == fitted.scores(x))
        #expect(try loaded.predict(x) == fitted.predict(x))
    }

    @Test("a file with a damaged scaler is rejected")
    func damagedFile() throws {
        let (x, _) = Self.blob(inliers: 100, outliers: 5)
        var random = RandomSource(seed: 2)
        let fitted = try MOGAAL(stopEpochs: 2, batchSize: 32).fit(x, labels: nil, using: &random)
        var (metadata, tensors) = try DetectorFile.encode(fitted)
        tensors.removeAll { $0.name == "scaler.scale" }
        let file = ModelFile(metadata: metadata, tensors: tensors)
        #expect(throws: ModelError.self) { try DetectorFile.decode(FittedMOGAAL.self, from: file) }
        metadata.architecture = ["scaling": "z_score"]
        #expect(throws: ModelError.self) {
            try DetectorFile.decode(FittedMOGAAL.self, from: ModelFile(metadata: metadata, tensors: tensors))
        }
    }

    @Test("scoring rows of the wrong width is a schema mismatch")
    func wrongWidth() throws {
        let (x, _) = Self.blob(inliers: 100, outliers: 5)
        var random = RandomSource(seed: 2)
        let fitted = try MOGAAL(stopEpochs: 2, batchSize: 32).fit(x, labels: nil, using: &random)
        #expect(throws: DataError.self) { try fitted.scores(Matrix(rows: 2, columns: 3)) }
    }

    @Test("a learning rate that blows up ends in TrainingError.diverged, not a NaN model")
    func divergence() throws {
        // Huge values after scaling cannot happen (min–max), so force divergence with a huge step.
        let (x, _) = Self.blob(inliers: 200, outliers: 10)
        var random = RandomSource(seed: 4)
        let detector = MOGAAL(
            stopEpochs: 5, batchSize: 32, discriminatorLearningRate: 10, generatorLearningRate: 10,
            momentum: 0.99)
        do {
            let fitted = try detector.fit(x, labels: nil, using: &random)
            // If training survived (rates halved), the model must be finite.
            #expect(fitted.discriminator.isFinite)
            #expect(fitted.trainingScores.allSatisfy { $0.isFinite })
        } catch let error as TrainingError {
            guard case .diverged = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test("non-finite input is rejected")
    func nonFiniteInput() {
        var random = RandomSource(seed: 1)
        let x = Matrix([[0, 1], [.nan, 2], [3, 4]])
        #expect(throws: DataError.self) { try MOGAAL(stopEpochs: 1).fit(x, labels: nil, using: &random) }
        #expect(throws: TrainingError.self) {
            try MOGAAL(stopEpochs: 1).fit(Matrix(rows: 0, columns: 2), labels: nil, using: &random)
        }
    }

    @Test(
        "bad settings are invalid arguments",
        arguments: [
            MOGAAL(subGenerators: 0),
            MOGAAL(stopEpochs: 0),
            MOGAAL(batchSize: 0),
            MOGAAL(discriminatorLearningRate: 0),
            MOGAAL(generatorLearningRate: .nan),
            MOGAAL(momentum: 1),
            MOGAAL(hidden: 0),
            MOGAAL(maxSamples: 1),
            MOGAAL(quantileRows: 0),
            MOGAAL(contamination: 0.7),
            MOGAAL(contamination: 0),
        ])
    func badSettings(detector: MOGAAL) {
        #expect(throws: ConfigurationError.self) { try detector.validate() }
        var random = RandomSource(seed: 0)
        #expect(throws: ConfigurationError.self) { try detector.fit(Matrix([[0], [1]]), labels: nil, using: &random) }
    }

    @Test("the noise split follows the authors' (k − i) blocks")
    func noiseSplit() {
        #expect(GAALTraining.noiseCounts(batch: 500, generators: 10) == [90, 81, 72, 63, 54, 45, 36, 27, 18, 14])
        #expect(GAALTraining.noiseCounts(batch: 10, generators: 10).count == 10)
        #expect(GAALTraining.noiseCounts(batch: 10, generators: 10).allSatisfy { $0 >= 1 })
        #expect(GAALTraining.noiseCounts(batch: 7, generators: 1) == [7])
    }

    @Test("quantiles interpolate linearly, as NumPy's")
    func quantiles() {
        let sorted: [Float] = [0, 1, 2, 3, 4]
        #expect(GAALTraining.quantile(sorted, 0) == 0)
        #expect(GAALTraining.quantile(sorted, 0.5) == 2)
        #expect(GAALTraining.quantile(sorted, 0.9) == 3.6)
        #expect(GAALTraining.quantile([5], 0.3) == 5)
    }
}
