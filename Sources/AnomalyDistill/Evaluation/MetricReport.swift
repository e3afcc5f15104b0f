/// The usual evaluation of anomaly scores against labels at one threshold, in one value.
///
/// The ranking metrics (ROC-AUC, average precision, precision@n) judge the scores alone; the rest
/// judge the decisions `score > threshold` (PyOD's `labels_`). It encodes to JSON with snake_case
/// keys (`roc_auc`, `average_precision`, `precision_at_n`, `confusion_matrix`, …).
public struct MetricReport: Sendable, Hashable, Codable {
    /// The number of rows.
    public var sampleCount: Int
    /// The number of anomalies (label 1).
    public var anomalyCount: Int
    /// The number of normal rows (label 0).
    public var normalCount: Int
    /// The number of rows flagged (`score > threshold`).
    public var flaggedCount: Int
    /// The threshold the decisions were made at.
    public var threshold: Double
    /// scikit-learn's `roc_auc_score`; see ``Metrics/rocAUC(scores:labels:)``.
    public var rocAUC: Double
    /// scikit-learn's `average_precision_score`; see ``Metrics/averagePrecision(scores:labels:)``.
    public var averagePrecision: Double
    /// PyOD's `precision_n_scores` with *n* = the number of anomalies; see
    /// ``Metrics/precisionAtN(scores:labels:n:)``.
    public var precisionAtN: Double
    /// Precision of the decisions (0 when nothing is flagged).
    public var precision: Double
    /// Recall of the decisions.
    public var recall: Double
    /// F1 of the decisions.
    public var f1: Double
    /// Accuracy of the decisions.
    public var accuracy: Double
    /// The counts behind the four rates above.
    public var confusionMatrix: ConfusionMatrix

    /// Evaluates scores against labels, with decisions `score > threshold`.
    ///
    /// - Parameters:
    ///   - scores: One finite score per row, higher = more anomalous.
    ///   - labels: One label per row, 1 = anomaly, 0 = normal; both classes must occur.
    ///   - threshold: A finite threshold, such as
    ///     ``Metrics/contaminationThreshold(trainingScores:contamination:)`` of the training scores.
    /// - Throws: ``EvaluationError`` for bad input or a non-finite threshold;
    ///   ``DataError/singleClassLabels(context:label:)`` when only one class occurs.
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public init(scores: [Double], labels: [Int], threshold: Double) throws {
        let matrix = try ConfusionMatrix(scores: scores, labels: labels, threshold: threshold)
        rocAUC = try Metrics.rocAUC(scores: scores, labels: labels)
        averagePrecision = try Metrics.averagePrecision(scores: scores, labels: labels)
        precisionAtN = try Metrics.precisionAtN(scores: scores, labels: labels)
        sampleCount = matrix.count
        anomalyCount = matrix.anomalies
        normalCount = matrix.normals
        flaggedCount = matrix.flagged
        self.threshold = threshold
        precision = matrix.precision
        recall = matrix.recall
        f1 = matrix.f1
        accuracy = matrix.accuracy
        confusionMatrix = matrix
    }

    /// Evaluates `Float` scores against labels; see ``init(scores:labels:threshold:)-(Double)``.
    @_disfavoredOverload
    public init(scores: [Float], labels: [Int], threshold: Double) throws {
        try self.init(scores: scores.map(Double.init), labels: labels, threshold: threshold)
    }

    private enum CodingKeys: String, CodingKey {
        case sampleCount = "sample_count"
        case anomalyCount = "anomaly_count"
        case normalCount = "normal_count"
        case flaggedCount = "flagged_count"
        case threshold
        case rocAUC = "roc_auc"
        case averagePrecision = "average_precision"
        case precisionAtN = "precision_at_n"
        case precision
        case recall
        case f1
        case accuracy
        case confusionMatrix = "confusion_matrix"
    }
}
