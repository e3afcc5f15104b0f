/// The counts of a binary decision against labels, and the rates scikit-learn derives from them.
///
/// The positive class is the anomaly (label 1). At a threshold, a row is flagged when
/// `score > threshold`, strictly, as PyOD's `labels_ = (decision_scores_ > threshold_)`, so the
/// thresholds of ``Metrics/contaminationThreshold(trainingScores:contamination:)`` reproduce PyOD's
/// labels. Rates whose denominator is 0 are 0, as scikit-learn's default `zero_division="warn"`
/// returns (without the warning).
public struct ConfusionMatrix: Sendable, Hashable, Codable {
    /// Anomalies flagged (label 1, flagged).
    public var truePositives: Int
    /// Normal rows flagged (label 0, flagged).
    public var falsePositives: Int
    /// Normal rows not flagged (label 0, not flagged).
    public var trueNegatives: Int
    /// Anomalies missed (label 1, not flagged).
    public var falseNegatives: Int

    /// Creates a matrix from its four counts.
    public init(truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Counts the rows flagged at a threshold (`score > threshold`) against their labels.
    ///
    /// - Parameters:
    ///   - scores: One finite score per row, higher = more anomalous.
    ///   - labels: One label per row, 1 = anomaly, 0 = normal; one class alone is allowed.
    ///   - threshold: A finite threshold; rows scoring strictly above it are flagged.
    /// - Throws: ``EvaluationError`` for empty, mismatched, non-finite or non-0/1 input, or a
    ///   non-finite threshold.
    /// - Complexity: O(*n*) for *n* rows.
    public init(scores: [Double], labels: [Int], threshold: Double) throws(EvaluationError) {
        let context = "confusion matrix"
        _ = try Metrics.validate(scores: scores, labels: labels, context: context)
        guard threshold.isFinite else { throw .nonFiniteThreshold(found: "\(threshold)") }
        self.init(counting: scores.indices.lazy.map { (labels[$0] == 1, scores[$0] > threshold) })
    }

    /// Counts binary decisions (`true` = flagged as an anomaly, PyOD's `labels_` of 1) against labels.
    ///
    /// - Parameters:
    ///   - labels: One label per row, 1 = anomaly, 0 = normal.
    ///   - decisions: One decision per row.
    /// - Throws: ``EvaluationError`` for empty, mismatched or non-0/1 input.
    public init(labels: [Int], decisions: [Bool]) throws(EvaluationError) {
        let context = "confusion matrix"
        guard !decisions.isEmpty else { throw .emptyInput(context: context) }
        try Metrics.validate(labels: labels, count: decisions.count, context: context)
        self.init(counting: decisions.indices.lazy.map { (labels[$0] == 1, decisions[$0]) })
    }

    private init(counting rows: some Sequence<(isAnomaly: Bool, isFlagged: Bool)>) {
        var tp = 0, fp = 0, tn = 0, fn = 0
        for row in rows {
            switch (row.isAnomaly, row.isFlagged) {
            case (true, true): tp += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            case (true, false): fn += 1
            }
        }
        self.init(truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn)
    }

    private enum CodingKeys: String, CodingKey {
        case truePositives = "true_positives"
        case falsePositives = "false_positives"
        case trueNegatives = "true_negatives"
        case falseNegatives = "false_negatives"
    }
}

extension ConfusionMatrix {
    /// The number of rows.
    public var count: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// The number of anomalies (label 1).
    public var anomalies: Int { truePositives + falseNegatives }
    /// The number of normal rows (label 0).
    public var normals: Int { falsePositives + trueNegatives }
    /// The number of rows flagged.
    public var flagged: Int { truePositives + falsePositives }

    /// `tp / (tp + fp)`, scikit-learn's `precision_score`; 0 when nothing is flagged.
    public var precision: Double { Self.ratio(truePositives, flagged) }
    /// `tp / (tp + fn)`, scikit-learn's `recall_score` (the true-positive rate); 0 with no anomalies.
    public var recall: Double { Self.ratio(truePositives, anomalies) }
    /// `2tp / (2tp + fp + fn)`, scikit-learn's `f1_score`; 0 when there is neither an anomaly nor
    /// a flag.
    public var f1: Double { Self.ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    /// `(tp + tn) / count`, scikit-learn's `accuracy_score`.
    public var accuracy: Double { Self.ratio(truePositives + trueNegatives, count) }
    /// `fp / (fp + tn)`, the fraction of normal rows flagged; 0 with no normal rows.
    public var falsePositiveRate: Double { Self.ratio(falsePositives, normals) }

    private static func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }
}
