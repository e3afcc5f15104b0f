import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// A Gaussian blob with outliers planted far from it.
enum PlantedOutliers {
    /// `inliers` rows from N(0, I) and `outliers` rows at distance 6 to 9 in random directions; labels 1 for outliers.
    static func make(inliers: Int, outliers: Int, features: Int, seed: UInt64) -> (x: Matrix, labels: [Int]) {
        var random = RandomSource(seed: seed)
        var scalars = [Float]()
        for _ in 0..<inliers {
            for _ in 0..<features { scalars.append(Float(random.normal())) }
        }
        for _ in 0..<outliers {
            let direction = (0..<features).map { _ in random.normal() }
            let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let radius = 6 + 3 * random.uniform()
            for value in direction { scalars.append(Float(value / norm * radius)) }
        }
        return (Matrix(rows: inliers + outliers, columns: features, scalars: scalars),
                Array(repeating: 0, count: inliers) + Array(repeating: 1, count: outliers))
    }
}

/// What the classical detectors share: convergence, reproducibility, model files, bad input.
@Suite struct ClassicDetectorTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case isolationForest, ecod, knn, pca
        var testDescription: String { rawValue }

        func fit(_ x: Matrix, seed: UInt64 = 7, contamination: Double = 0.1) throws -> any FittedDetector {
            var random = RandomSource(seed: seed)
            switch self {
            case .isolationForest: return try IsolationForest(contamination: contamination).fit(x, using: &random)
            case .ecod: return try ECOD(contamination: contamination).fit(x, using: &random)
            case .knn: return try KNearestNeighbors(contamination: contamination).fit(x, using: &random)
            case .pca: return try PCA(contamination: contamination).fit(x, using: &random)
            }
        }

        func decode(_ file: ModelFile) throws -> any FittedDetector {
            switch self {
            case .isolationForest: return try DetectorFile.decode(FittedIsolationForest.self, from: file)
            case .ecod: return try DetectorFile.decode(FittedECOD.self, from: file)
            case .knn: return try DetectorFile.decode(FittedKNearestNeighbors.self, from: file)
            case .pca: return try DetectorFile.decode(FittedPCA.self, from: file)
            }
        }
    }

    // MARK: Convergence

    @Test("planted outliers get an ROC-AUC above 0.95", arguments: Kind.allCases)
    func plantedOutliers(kind: Kind) throws {
        let train = PlantedOutliers.make(inliers: 1500, outliers: 50, features: 6, seed: 11)
        let test = PlantedOutliers.make(inliers: 500, outliers: 25, features: 6, seed: 12)
        let fitted = try kind.fit(train.x, contamination: 50.0 / 1550)
        #expect(try Metrics.rocAUC(scores: fitted.trainingScores, labels: train.labels) > 0.95)
        #expect(try Metrics.rocAUC(scores: fitted.scores(test.x), labels: test.labels) > 0.95)
        // The threshold flags about the contamination on the training rows.
        let flagged = fitted.trainingScores.filter { Double($0) > fitted.state.threshold }.count
        #expect(abs(flagged - 50) <= 5)
    }

    // MARK: Reproducibility

    @Test("the same seed gives the same scores", arguments: Kind.allCases)
    func reproducible(kind: Kind) throws {
        let data = PlantedOutliers.make(inliers: 400, outliers: 10, features: 4, seed: 3)
        let a = try kind.fit(data.x, seed: 99), b = try kind.fit(data.x, seed: 99)
        #expect(a.trainingScores == b.trainingScores)
        #expect(try a.scores(data.x) == b.scores(data.x))
    }

    // MARK: Model files

    @Test("a saved model loads back with identical scores", arguments: Kind.allCases)
    func roundTrip(kind: Kind) throws {
        let data = PlantedOutliers.make(inliers: 600, outliers: 20, features: 5, seed: 21)
        let fitted = try kind.fit(data.x)
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(fitted, to: url)
        let file = try ModelFile.read(from: url)
        let loaded = try kind.decode(file)
        #expect(loaded.state == fitted.state)
        #expect(loaded.trainingScores == fitted.trainingScores)
        let probe = PlantedOutliers.make(inliers: 100, outliers: 10, features: 5, seed: 22).x
        #expect(try loaded.scores(probe) == fitted.scores(probe))
        #expect(try loaded.encode().tensors == fitted.encode().tensors)
        #expect(try loaded.encode().architecture == fitted.encode().architecture)
    }

    @Test("a model file of another kind is refused", arguments: Kind.allCases)
    func wrongKind(kind: Kind) throws {
        let other: Kind = kind == .ecod ? .knn : .ecod
        let fitted = try other.fit(PlantedOutliers.make(inliers: 50, outliers: 0, features: 2, seed: 1).x)
        let (metadata, tensors) = try DetectorFile.encode(fitted)
        #expect(throws: ModelError.self) { try kind.decode(ModelFile(metadata: metadata, tensors: tensors)) }
    }

    // MARK: Bad input

    @Test("invalid configurations are refused by validate()", arguments: [
        IsolationForest(trees: 0) as any Detector, IsolationForest(trees: -3), IsolationForest(subsample: 1),
        IsolationForest(contamination: 0), IsolationForest(contamination: 0.7), ECOD(contamination: 0.51),
        ECOD(contamination: -0.1), KNearestNeighbors(k: 0), KNearestNeighbors(k: -1),
        KNearestNeighbors(contamination: 0.6), PCA(variance: 0), PCA(variance: 1.5), PCA(variance: .nan),
        PCA(contamination: 0.6),
    ])
    func invalidConfiguration(detector: any Detector) {
        #expect(throws: ConfigurationError.self) { try detector.validate() }
        var random = RandomSource(seed: 0)
        #expect(throws: ConfigurationError.self) { _ = try detector.fit(Matrix([[1], [2], [3]]), labels: nil, using: &random) }
    }

    @Test("a NaN or infinity is reported with its row and column", arguments: Kind.allCases, [Float.nan, .infinity, -.infinity])
    func nonFinite(kind: Kind, value: Float) throws {
        var x = PlantedOutliers.make(inliers: 40, outliers: 0, features: 3, seed: 1).x
        let clean = x
        x[6, 2] = value
        func isAtRow7Column3(_ error: any Error) -> Bool {
            guard case let DataError.nonFinite(location, column, _) = error else { return false }
            return location.line == 7 && location.column == 3 && column == "feature 3"
        }
        #expect(performing: { try kind.fit(x) }, throws: isAtRow7Column3)
        let fitted = try kind.fit(clean)
        #expect(performing: { try fitted.scores(x) }, throws: isAtRow7Column3)
    }

    @Test("rows of another width are refused", arguments: Kind.allCases)
    func wrongWidth(kind: Kind) throws {
        let fitted = try kind.fit(PlantedOutliers.make(inliers: 40, outliers: 0, features: 3, seed: 1).x)
        #expect(throws: DataError.self) { try fitted.scores(Matrix(rows: 2, columns: 4)) }
    }

    @Test("no rows is a training error", arguments: Kind.allCases)
    func noRows(kind: Kind) {
        #expect(throws: TrainingError.noTrainingRows) { try kind.fit(Matrix(rows: 0, columns: 3)) }
    }

    @Test("a single feature works", arguments: Kind.allCases)
    func singleFeature(kind: Kind) throws {
        let data = PlantedOutliers.make(inliers: 300, outliers: 10, features: 1, seed: 4)
        let fitted = try kind.fit(data.x)
        let scores = fitted.trainingScores
        #expect(scores.allSatisfy { $0.isFinite })
        #expect(try Metrics.rocAUC(scores: fitted.trainingScores, labels: data.labels) > 0.9)
    }

    @Test("constant columns and identical rows give finite scores", arguments: Kind.allCases)
    func constantAndIdentical(kind: Kind) throws {
        var x = PlantedOutliers.make(inliers: 200, outliers: 5, features: 3, seed: 6).x
        for r in 0..<x.rows { x[r, 1] = 5 }
        for r in 0..<30 { for c in 0..<3 { x[r, c] = x[0, c] } }
        let fitted = try kind.fit(x)
        let training = fitted.trainingScores, scores = try fitted.scores(x)
        #expect(training.allSatisfy { $0.isFinite } && scores.allSatisfy { $0.isFinite })
        let identical = try kind.fit(Matrix(rows: 50, columns: 4, repeating: -2))
        let identicalTraining = identical.trainingScores
        let probe = try identical.scores(Matrix([[-2, -2, -2, -2], [9, 9, 9, 9]]))
        #expect(identicalTraining.allSatisfy { $0.isFinite } && probe.allSatisfy { $0.isFinite })
    }
}
