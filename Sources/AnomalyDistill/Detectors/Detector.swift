import Foundation

/// A detector's configuration: a value you can print and validate, whose ``fit(_:labels:using:)``
/// returns a fitted model that scores. Nothing scores before it is fitted.
///
/// Scores follow PyOD's convention everywhere: **higher = more anomalous** (scikit-learn's
/// `IsolationForest.score_samples` has the opposite sign; detectors convert at the boundary).
public protocol Detector: Sendable, CustomStringConvertible {
    associatedtype Fitted: FittedDetector

    /// The expected fraction of anomalies in the training data, in (0, 0.5]; sets the threshold
    /// (PyOD's `contamination`).
    var contamination: Double { get }

    /// Checks the configuration alone (`--trees 0`, a contamination of 0.7, ...).
    /// - Throws: `ConfigurationError.invalidSetting` naming the parameter.
    func validate() throws

    /// Fits the detector on the rows of `x` (preprocessed features).
    ///
    /// - Parameters:
    ///   - x: One row per training example; finite values.
    ///   - labels: 0/1 labels for detectors that use them (the supervised network); ignored by the
    ///     unsupervised ones.
    ///   - random: The seeded generator; the same seed gives the same model on the same platform.
    /// - Throws: `DataError` for invalid input, `TrainingError` when training fails.
    func fit(_ x: Matrix, labels: [Int]?, using random: inout RandomSource) throws -> Fitted

    /// How the pipeline should scale numeric columns for this detector (and the student distilled from it):
    /// ``Preprocessor/Scaling/standard`` unless the detector says otherwise.
    var inputScaling: Preprocessor.Scaling { get }
}

extension Detector {
    public var inputScaling: Preprocessor.Scaling { .standard }
}

/// A fitted model that scores rows: higher = more anomalous.
public protocol AnomalyScorer: Sendable {
    /// Number of features a row must have.
    var featureCount: Int { get }

    /// The anomaly score of each row of `x` (PyOD's `decision_function`).
    /// - Throws: `DataError.schemaMismatch` when `x` has another number of columns.
    func scores(_ x: Matrix) throws -> [Float]
}

/// A fitted detector: it scores, keeps its training scores and its threshold, and saves to a model file.
public protocol FittedDetector: AnomalyScorer {
    /// The detector's name in model files and on the command line (`isolation_forest`).
    static var kind: String { get }

    /// Every kind this type reads from model files (``kind`` alone, unless one type holds several).
    static var kinds: [String] { get }

    /// This model's kind as its file names it (``kind``, unless the type holds several).
    var modelKind: String { get }

    /// Threshold, contamination and a summary of the training scores.
    var state: DetectorState { get }

    /// The scores of the training rows (PyOD's `decision_scores_`).
    var trainingScores: [Float] { get }

    /// An estimate of the arithmetic needed to score one row (floating-point operations, and comparisons
    /// for trees), from the model's structure; the cost table of a comparison reports it. Every model
    /// must say: there is no default.
    var flopsPerRow: Double { get }

    /// The tensors and the architecture document that describe the fitted model.
    func encode() throws -> (tensors: [Tensor], architecture: JSONValue)

    /// Rebuilds a fitted model from what ``encode()`` wrote.
    /// - Throws: `ModelError` for a missing or malformed tensor or architecture entry.
    init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws
}

extension FittedDetector {
    public static var kinds: [String] { [kind] }
    public var modelKind: String { Self.kind }
}

/// A fitted model whose score is the one output of a network (students, the supervised network): such models
/// are compiled for the allocation-free single-row path.
public protocol NetworkScorer: FittedDetector {
    /// The network mapping a preprocessed row to the score.
    var scoringNetwork: Network { get }
}

/// What every fitted detector knows besides its parameters: contamination, threshold, the number
/// of features and a summary of its training scores (for probabilities).
public struct DetectorState: Codable, Sendable, Equatable {
    /// The fraction of anomalies assumed when fitting (PyOD's `contamination`).
    public var contamination: Double
    /// Rows with `score > threshold` are anomalies (PyOD's `threshold_`).
    public var threshold: Double
    /// Number of features a row must have.
    public var featureCount: Int
    /// Smallest, largest, mean and population standard deviation of the training scores.
    public var scoreMinimum: Double
    public var scoreMaximum: Double
    public var scoreMean: Double
    public var scoreDeviation: Double

    /// The state of a detector whose training rows scored `trainingScores`.
    /// - Throws: `TrainingError.nonFiniteScores` when a training score is NaN or infinite,
    ///   `ConfigurationError.invalidSetting` for a contamination outside (0, 0.5].
    public init(trainingScores: [Float], contamination: Double, featureCount: Int) throws {
        try self.init(scores: trainingScores, threshold: 0, contamination: contamination, featureCount: featureCount)
        threshold = try Metrics.contaminationThreshold(trainingScores: trainingScores, contamination: contamination)
    }

    /// The state of a detector with a threshold chosen otherwise, its score summary taken from `scores` (a student
    /// of synthetic rows: their scores, with the threshold at which it flags the rows its teacher flags).
    /// - Throws: `TrainingError.nonFiniteScores` for a score or threshold that is not finite, `noTrainingRows` for
    ///   no scores, `ConfigurationError.invalidSetting` for a contamination outside (0, 0.5].
    public init(scores: [Float], threshold: Double, contamination: Double, featureCount: Int) throws {
        try Contamination.validate(contamination)
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.nonFiniteScores(detector: "detector", row: bad)
        }
        guard !scores.isEmpty else { throw TrainingError.noTrainingRows }
        guard threshold.isFinite else { throw TrainingError.nonFiniteScores(detector: "threshold", row: 0) }
        let values = scores.map(Double.init)
        self.threshold = threshold
        self.contamination = contamination
        self.featureCount = featureCount
        scoreMinimum = values.min() ?? 0
        scoreMaximum = values.max() ?? 0
        scoreMean = Statistics.mean(values)
        scoreDeviation = Statistics.standardDeviation(values, mean: scoreMean)
    }

    enum CodingKeys: String, CodingKey {
        case contamination, threshold
        case featureCount = "feature_count"
        case scoreMinimum = "score_minimum"
        case scoreMaximum = "score_maximum"
        case scoreMean = "score_mean"
        case scoreDeviation = "score_deviation"
    }
}

/// How scores become probabilities of being an anomaly (PyOD's `predict_proba(method=)`).
public enum ProbabilityMethod: String, Codable, Sendable, CaseIterable {
    /// Min–max scaling on the training scores, clipped to [0, 1].
    case linear
    /// Kriegel et al. 2011, "Interpreting and Unifying Outlier Scores": `max(0, erf((s − μ) / (σ √2)))`
    /// with μ, σ of the training scores.
    case unify
}

extension FittedDetector {
    /// Rows with `score > threshold` (PyOD's `predict`).
    public var threshold: Double { state.threshold }

    /// Number of features a row must have.
    public var featureCount: Int { state.featureCount }

    /// 1 for rows scoring above the threshold, else 0 (PyOD's `predict`).
    public func predict(_ x: Matrix) throws -> [Int] {
        try scores(x).map { Double($0) > state.threshold ? 1 : 0 }
    }

    /// The probability that each row is an anomaly.
    public func probabilities(_ x: Matrix, method: ProbabilityMethod = .linear) throws -> [Double] {
        Self.probabilities(try scores(x), state: state, method: method)
    }

    /// Probabilities of given scores under a detector state.
    public static func probabilities(_ scores: [Float], state: DetectorState, method: ProbabilityMethod) -> [Double] {
        switch method {
        case .linear:
            let span = state.scoreMaximum - state.scoreMinimum
            return scores.map { span > 0 ? min(1, max(0, (Double($0) - state.scoreMinimum) / span)) : 0.5 }
        case .unify:
            let deviation = state.scoreDeviation > 0 ? state.scoreDeviation : 1
            return scores.map { max(0, erf((Double($0) - state.scoreMean) / (deviation * 2.0.squareRoot()))) }
        }
    }

    /// Checks that `x` has the columns this model was fitted on.
    public func checkWidth(_ x: Matrix) throws {
        guard x.columns == state.featureCount else {
            throw DataError.schemaMismatch(file: "input", reason: "expected \(state.featureCount) features per row, found \(x.columns)")
        }
    }
}

/// Checks of the arguments every detector shares.
public enum Contamination {
    /// The default contamination, as PyOD's.
    public static let `default` = 0.1

    /// - Throws: `ConfigurationError.invalidSetting` unless `value` is in (0, 0.5].
    public static func validate(_ value: Double) throws {
        guard value > 0 && value <= 0.5 else {
            throw ConfigurationError.invalidSetting(name: "contamination", reason: "expected a value in (0, 0.5], found \(value)")
        }
    }
}

/// Training that could not produce a usable model.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There was nothing to train on.
    case noTrainingRows
    /// The loss became NaN or infinite, even after lowering the learning rate.
    case diverged(detector: String, epoch: Int, learningRate: Double)
    /// A training score came out NaN or infinite.
    case nonFiniteScores(detector: String, row: Int)
    /// The detector needs labels (the supervised network) and none were given.
    case labelsRequired(detector: String)

    public var description: String {
        switch self {
        case .noTrainingRows:
            return "expected training rows, found none"
        case let .diverged(detector, epoch, learningRate):
            return "\(detector): training diverged at epoch \(epoch) (loss not finite) even at learning rate \(learningRate); no model was saved"
        case let .nonFiniteScores(detector, row):
            return "\(detector): expected finite scores, found a non-finite score for training row \(row + 1)"
        case let .labelsRequired(detector):
            return "\(detector): expected a label column (0/1) for this supervised detector, found none"
        }
    }
}
