// Thresholds: turning scores into decisions. Every threshold here is meant for `score > threshold`.

/// The threshold that maximises F1 on labelled rows, with the rates it reaches.
public struct F1Optimum: Sendable, Hashable, Codable {
    /// The threshold; rows with `score > threshold` are flagged.
    public var threshold: Double
    /// The F1 score at the threshold.
    public var f1: Double
    /// The precision at the threshold.
    public var precision: Double
    /// The recall at the threshold.
    public var recall: Double

    public init(threshold: Double, f1: Double, precision: Double, recall: Double) {
        self.threshold = threshold
        self.f1 = f1
        self.precision = precision
        self.recall = recall
    }
}

extension Metrics {
    /// The `q`-th percentile of `values`, as NumPy's `percentile(values, q)` (method `"linear"`).
    ///
    /// With the values sorted ascending as v₀ … vₘ₋₁, the virtual index is `(m − 1) × q / 100`; the
    /// result interpolates linearly between its two neighbours, in the same floating-point steps as
    /// NumPy so that thresholds tie (or not) with the scores exactly as they do there.
    ///
    /// - Parameters:
    ///   - values: Finite values, at least one.
    ///   - q: The percentile, in [0, 100].
    /// - Throws: ``EvaluationError`` for empty or non-finite values or `q` outside [0, 100].
    /// - Complexity: O(*m* log *m*).
    public static func percentile(_ values: [Double], _ q: Double) throws(EvaluationError) -> Double {
        try validate(scores: values, context: "percentile")
        let quantile = q / 100
        guard quantile >= 0 && quantile <= 1 else { throw .percentileOutOfRange(found: "\(q)") }
        return Statistics.quantile(sorted: values.sorted(), quantile)
    }

    /// PyOD's threshold for an expected fraction of anomalies in the training data.
    ///
    /// As PyOD's `BaseDetector._process_decision_scores`: `threshold_ = percentile(decision_scores_,
    /// 100 × (1 − contamination))`, so that flagging `score > threshold` flags about a `contamination`
    /// fraction of the training rows (fewer when scores tie at the threshold).
    ///
    /// - Parameters:
    ///   - trainingScores: The scores of the training rows (PyOD's `decision_scores_`), finite.
    ///   - contamination: The expected fraction of anomalies, in (0, 0.5] as PyOD requires.
    /// - Returns: The threshold (PyOD's `threshold_`).
    /// - Throws: ``EvaluationError`` for empty or non-finite scores, or a contamination outside (0, 0.5].
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func contaminationThreshold(
        trainingScores: [Double], contamination: Double
    ) throws(EvaluationError) -> Double {
        guard contamination > 0 && contamination <= 0.5 else {
            throw .contaminationOutOfRange(found: "\(contamination)")
        }
        try validate(scores: trainingScores, context: "contamination threshold")
        return try percentile(trainingScores, 100 * (1 - contamination))
    }

    /// The threshold that maximises the F1 score of `score > threshold` on labelled rows.
    ///
    /// The candidates are every distinct score *s* (flagging the rows scoring above *s*) and the
    /// largest double below the lowest score (flagging every row); these are all the different ways
    /// `score > threshold` can split the rows. Among candidates with the same best F1 the largest
    /// threshold wins, the one that flags the fewest rows.
    ///
    /// - Parameters:
    ///   - scores: One finite score per row, higher = more anomalous.
    ///   - labels: One label per row, 1 = anomaly, 0 = normal; at least one anomaly.
    /// - Returns: The threshold with its F1, precision and recall.
    /// - Throws: ``EvaluationError`` for empty, mismatched, non-finite or non-0/1 input;
    ///   ``DataError/singleClassLabels(context:label:)`` when there is no anomaly (F1 is 0 everywhere).
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func bestF1Threshold(scores: [Double], labels: [Int]) throws -> F1Optimum {
        let context = "best-F1 threshold"
        let positives = try validate(scores: scores, labels: labels, context: context)
        guard positives > 0 else { throw DataError.singleClassLabels(context: context, label: 0) }
        // Walk the groups of equal scores from the highest down. Before group g, the rows flagged
        // are those above it: that is the split made by threshold = g's score.
        var best = F1Optimum(threshold: 0, f1: -1, precision: 0, recall: 0)
        var truePositives = 0
        var falsePositives = 0
        func consider(threshold: Double) {
            let matrix = ConfusionMatrix(
                truePositives: truePositives, falsePositives: falsePositives,
                trueNegatives: labels.count - positives - falsePositives,
                falseNegatives: positives - truePositives)
            if matrix.f1 > best.f1 {
                best = F1Optimum(
                    threshold: threshold, f1: matrix.f1, precision: matrix.precision, recall: matrix.recall)
            }
        }
        let groups = groupsByDecreasingScore(scores: scores, labels: labels)
        for group in groups {
            consider(threshold: group.score)
            truePositives += group.positives
            falsePositives += group.negatives
        }
        consider(threshold: groups[groups.count - 1].score.nextDown)
        return best
    }

    /// The smallest threshold at which at most a `budget` fraction of the normal rows is flagged.
    ///
    /// The fraction flagged, `#{normal rows with score > t} / #{normal rows}`, only falls as *t*
    /// rises; the result is the smallest *t* where it is at most `budget`. That is the
    /// (*k* + 1)-th highest normal score, *k* being the largest count with `k / normals ≤ budget`;
    /// with ties fewer than *k* normal rows may be flagged. When every normal row may be flagged
    /// (*k* = normals) the result is the largest double below the lowest score, which flags every row.
    ///
    /// - Parameters:
    ///   - scores: One finite score per row, higher = more anomalous.
    ///   - labels: One label per row, 1 = anomaly, 0 = normal; at least one normal row.
    ///   - budget: The largest fraction of normal rows that may be flagged (false-positive rate), in [0, 1].
    /// - Returns: The threshold.
    /// - Throws: ``EvaluationError`` for bad input or a budget outside [0, 1];
    ///   ``DataError/singleClassLabels(context:label:)`` when there is no normal row.
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func falsePositiveBudgetThreshold(
        scores: [Double], labels: [Int], budget: Double
    ) throws -> Double {
        let context = "false-positive budget threshold"
        guard budget >= 0 && budget <= 1 else {
            throw EvaluationError.rateOutOfRange(name: "false-positive budget", found: "\(budget)")
        }
        let positives = try validate(scores: scores, labels: labels, context: context)
        let normals = labels.count - positives
        guard normals > 0 else { throw DataError.singleClassLabels(context: context, label: 1) }
        // k: the most normal rows that may be flagged, judged by the same division as the rate.
        var allowed = min(normals, Int((budget * Double(normals)).rounded(.down)))
        while allowed < normals && Double(allowed + 1) / Double(normals) <= budget { allowed += 1 }
        while allowed > 0 && Double(allowed) / Double(normals) > budget { allowed -= 1 }
        if allowed == normals { return (scores.min() ?? 0).nextDown }
        let normalScores = scores.indices.filter { labels[$0] == 0 }.map { scores[$0] }.sorted(by: >)
        return normalScores[allowed]
    }
}
