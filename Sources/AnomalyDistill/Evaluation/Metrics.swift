/// Evaluation metrics for anomaly scores, computed as scikit-learn, SciPy, NumPy and PyOD do.
///
/// Conventions, the same in every member:
/// - Scores are `[Double]` (every metric also has a `[Float]` overload) and **higher means more
///   anomalous**, as PyOD's `decision_scores_`. Arithmetic is done in `Double`.
/// - Labels are `[Int]` of 0 (normal, inlier) and 1 (anomaly, outlier), as PyOD's `y`.
/// - A row is flagged as an anomaly at a threshold when `score > threshold`, strictly, as PyOD's
///   `labels_ = (decision_scores_ > threshold_).astype(int)`; every threshold this namespace returns
///   is meant to be used with that comparison.
/// - Bad input is thrown (``EvaluationError``, or ``DataError/singleClassLabels(context:label:)``
///   when a metric needs both classes); no metric traps or returns NaN.
///
/// The members are grouped by concern: ranking metrics (`Metrics+Ranking.swift`), thresholds
/// (`Metrics+Thresholds.swift`), agreement between two detectors (`Metrics+Agreement.swift`), and
/// the `[Float]` overloads (`Metrics+Float.swift`); counts at a threshold are ``ConfusionMatrix``.
public enum Metrics {}

// MARK: - Validation shared by the metrics

extension Metrics {
    /// Checks that `scores` is non-empty and finite.
    static func validate(scores: [Double], context: String) throws(EvaluationError) {
        guard !scores.isEmpty else { throw .emptyInput(context: context) }
        if let index = scores.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteScore(context: context, index: index, found: "\(scores[index])")
        }
    }

    /// Checks that `labels` has `count` values, each 0 or 1.
    static func validate(labels: [Int], count: Int, context: String) throws(EvaluationError) {
        guard labels.count == count else {
            throw .lengthMismatch(context: context, expected: count, found: labels.count)
        }
        if let index = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalidLabel(context: context, index: index, found: labels[index])
        }
    }

    /// Checks scores and labels together and returns the number of anomalies (labels equal to 1).
    static func validate(scores: [Double], labels: [Int], context: String) throws(EvaluationError) -> Int {
        try validate(scores: scores, context: context)
        try validate(labels: labels, count: scores.count, context: context)
        return labels.reduce(0, +)
    }

    /// Checks scores and labels and that both classes are present, as ROC-AUC and AP need.
    ///
    /// - Returns: The number of anomalies.
    static func validateBothClasses(scores: [Double], labels: [Int], context: String) throws -> Int {
        let positives = try validate(scores: scores, labels: labels, context: context)
        if positives == 0 { throw DataError.singleClassLabels(context: context, label: 0) }
        if positives == labels.count { throw DataError.singleClassLabels(context: context, label: 1) }
        return positives
    }

    /// Row indices sorted by decreasing score; equal scores keep their row order (a stable sort).
    static func indicesByDecreasingScore(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }

    /// The counts of anomalies and normal rows in each group of equal scores, from the highest score
    /// down; these are the distinct thresholds of scikit-learn's `_binary_clf_curve`.
    static func groupsByDecreasingScore(
        scores: [Double], labels: [Int]
    ) -> [(score: Double, positives: Int, negatives: Int)] {
        let order = indicesByDecreasingScore(scores)
        var groups: [(score: Double, positives: Int, negatives: Int)] = []
        for index in order {
            let isPositive = labels[index] == 1
            if let last = groups.last, last.score == scores[index] {
                groups[groups.count - 1].positives += isPositive ? 1 : 0
                groups[groups.count - 1].negatives += isPositive ? 0 : 1
            } else {
                groups.append((scores[index], isPositive ? 1 : 0, isPositive ? 0 : 1))
            }
        }
        return groups
    }
}
