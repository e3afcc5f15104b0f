/// How the decision threshold (`score > threshold` flags a row) is chosen.
public enum ThresholdStrategy: Sendable, Equatable, Codable {
    /// A given value.
    case fixed(Double)
    /// The `1 − contamination` quantile of reference scores (PyOD's `threshold_` from `contamination`).
    case contamination(Double)
    /// The threshold with the best F1 on labelled rows.
    case bestF1
    /// The smallest threshold that flags at most this fraction of the normal rows.
    case falsePositiveBudget(Double)

    /// The threshold for `scores` (reference scores for `.contamination`), with labels where the
    /// strategy needs them.
    /// - Throws: ``EvaluationError`` or ``DataError`` as the underlying metric does.
    public func threshold(scores: [Double], labels: [Int]?) throws -> Double {
        switch self {
        case .fixed(let value):
            guard value.isFinite else { throw EvaluationError.nonFiniteThreshold(found: "\(value)") }
            return value
        case .contamination(let contamination):
            return try Metrics.contaminationThreshold(trainingScores: scores, contamination: contamination)
        case .bestF1:
            guard let labels else { throw ConfigurationError.invalidSetting(name: "threshold", reason: "best F1 needs labels") }
            return try Metrics.bestF1Threshold(scores: scores, labels: labels).threshold
        case .falsePositiveBudget(let budget):
            guard let labels else { throw ConfigurationError.invalidSetting(name: "threshold", reason: "a false-positive budget needs labels") }
            return try Metrics.falsePositiveBudgetThreshold(scores: scores, labels: labels, budget: budget)
        }
    }

    /// A short description (`contamination 0.1`, `best F1`, ...).
    public var summary: String {
        switch self {
        case .fixed(let value): return "fixed \(value)"
        case .contamination(let value): return "contamination \(value)"
        case .bestF1: return "best F1"
        case .falsePositiveBudget(let value): return "false-positive budget \(value)"
        }
    }
}

/// Scores judged against labels: the metrics at the chosen threshold and the thresholds each
/// strategy would choose, as `anomaly-distill evaluate` prints them.
public struct ScoreEvaluation: Sendable, Codable, Equatable {
    /// The strategy that set `report.threshold`.
    public var strategy: String
    /// Every metric at that threshold.
    public var report: MetricReport
    /// The best-F1 threshold and its F1, precision and recall.
    public var bestF1: F1Optimum
    /// The threshold from the observed anomaly ratio as contamination (capped at 0.5).
    public var contaminationThreshold: Double
    /// The threshold flagging at most `falsePositiveBudget` of the normal rows.
    public var falsePositiveBudgetThreshold: Double
    /// The budget used for `falsePositiveBudgetThreshold`.
    public var falsePositiveBudget: Double

    /// Evaluates `scores` against `labels`.
    ///
    /// - Parameters:
    ///   - strategy: How to set the threshold; `nil` uses the observed anomaly ratio as contamination.
    ///   - falsePositiveBudget: The budget reported beside the chosen threshold.
    /// - Throws: ``EvaluationError`` or ``DataError`` for bad input or single-class labels.
    public init(scores: [Double], labels: [Int], strategy: ThresholdStrategy? = nil, falsePositiveBudget: Double = 0.01) throws {
        let anomalies = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        let ratio = labels.isEmpty ? 0 : Double(anomalies) / Double(labels.count)
        let contamination = min(0.5, max(ratio, Double.ulpOfOne))
        let chosen = strategy ?? .contamination(contamination)
        let threshold = try chosen.threshold(scores: scores, labels: labels)
        self.strategy = chosen.summary
        report = try MetricReport(scores: scores, labels: labels, threshold: threshold)
        bestF1 = try Metrics.bestF1Threshold(scores: scores, labels: labels)
        contaminationThreshold = try Metrics.contaminationThreshold(trainingScores: scores, contamination: contamination)
        falsePositiveBudgetThreshold = try Metrics.falsePositiveBudgetThreshold(scores: scores, labels: labels, budget: falsePositiveBudget)
        self.falsePositiveBudget = falsePositiveBudget
    }

    enum CodingKeys: String, CodingKey {
        case strategy, report
        case bestF1 = "best_f1"
        case contaminationThreshold = "contamination_threshold"
        case falsePositiveBudgetThreshold = "false_positive_budget_threshold"
        case falsePositiveBudget = "false_positive_budget"
    }
}
