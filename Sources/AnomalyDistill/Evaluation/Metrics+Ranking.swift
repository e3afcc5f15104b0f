// Ranking metrics: they judge the order of the scores, not a threshold.

extension Metrics {
    /// The area under the ROC curve, as scikit-learn's `roc_auc_score(labels, scores)`.
    ///
    /// The ROC curve has one point per distinct score (rows with equal scores enter together), and
    /// the area is the trapezoid rule over those points (Hanley & McNeil 1982). This equals the
    /// Mann–Whitney U statistic with average ranks for ties divided by `positives × negatives`: the
    /// probability that a random anomaly scores higher than a random normal row, ties counting ½.
    ///
    /// - Parameters:
    ///   - scores: One finite score per row, higher = more anomalous.
    ///   - labels: One label per row, 1 = anomaly, 0 = normal; both classes must occur.
    /// - Returns: The area, in [0, 1]; 0.5 for scores that do not separate the classes.
    /// - Throws: ``EvaluationError`` for empty, mismatched, non-finite or non-0/1 input;
    ///   ``DataError/singleClassLabels(context:label:)`` when only one class occurs.
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func rocAUC(scores: [Double], labels: [Int]) throws -> Double {
        let context = "ROC-AUC"
        let positives = try validateBothClasses(scores: scores, labels: labels, context: context)
        let negatives = labels.count - positives
        // Each group of equal scores adds a trapezoid of width (its normal rows) and mean height
        // (anomalies above it + half of its own anomalies), in counts; normalised at the end.
        var area = 0.0
        var positivesAbove = 0
        for group in groupsByDecreasingScore(scores: scores, labels: labels) {
            area += Double(group.negatives) * (Double(positivesAbove) + Double(group.positives) / 2)
            positivesAbove += group.positives
        }
        return area / (Double(positives) * Double(negatives))
    }

    /// The average precision, as scikit-learn's `average_precision_score(labels, scores)`.
    ///
    /// `AP = Σₙ (Rₙ − Rₙ₋₁) Pₙ`, where *n* runs over the distinct scores from the highest down,
    /// and Pₙ, Rₙ are the precision and recall of flagging every row scoring at least that score
    /// (R₀ = 0). Rows with equal scores enter together; there is no interpolation, so this is not
    /// the trapezoidal area under the precision–recall curve.
    ///
    /// - Parameters:
    ///   - scores: One finite score per row, higher = more anomalous.
    ///   - labels: One label per row, 1 = anomaly, 0 = normal; both classes must occur.
    /// - Returns: The average precision, in (0, 1].
    /// - Throws: ``EvaluationError`` for empty, mismatched, non-finite or non-0/1 input;
    ///   ``DataError/singleClassLabels(context:label:)`` when only one class occurs.
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func averagePrecision(scores: [Double], labels: [Int]) throws -> Double {
        let context = "average precision"
        let positives = Double(try validateBothClasses(scores: scores, labels: labels, context: context))
        var sum = 0.0
        var truePositives = 0
        var flagged = 0
        for group in groupsByDecreasingScore(scores: scores, labels: labels) {
            let previousRecall = Double(truePositives) / positives
            truePositives += group.positives
            flagged += group.positives + group.negatives
            guard group.positives > 0 else { continue }  // recall unchanged: the term is 0
            let recall = Double(truePositives) / positives
            sum += (recall - previousRecall) * (Double(truePositives) / Double(flagged))
        }
        return max(0, sum)
    }

    /// The precision among the *n* highest-scoring rows, as PyOD's `precision_n_scores(y, y_pred, n)`.
    ///
    /// As PyOD does (through `get_label_n`), rows are flagged when their score is strictly above the
    /// `100 × (1 − n / count)`-th percentile of the scores (NumPy's linear interpolation), and the
    /// result is scikit-learn's `precision_score` of those flags, 0 when nothing is flagged. With
    /// distinct scores exactly *n* rows are flagged; rows tied at the cut-off are all left out, so
    /// ties can flag fewer (all-equal scores flag none and give 0).
    ///
    /// - Parameters:
    ///   - scores: One finite score per row, higher = more anomalous.
    ///   - labels: One label per row, 1 = anomaly, 0 = normal.
    ///   - n: How many top rows to judge, in `1...scores.count`; `nil` (PyOD's default) means the
    ///     number of anomalies in `labels` (R-precision), which must then be at least 1.
    /// - Returns: The precision at rank *n*, in [0, 1].
    /// - Throws: ``EvaluationError`` for empty, mismatched, non-finite or non-0/1 input, and
    ///   ``EvaluationError/countOutOfRange(name:found:maximum:)`` for *n* outside `1...count`.
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func precisionAtN(scores: [Double], labels: [Int], n: Int? = nil) throws -> Double {
        let context = "precision@n"
        let positives = try validate(scores: scores, labels: labels, context: context)
        let n = n ?? positives
        guard n >= 1 && n <= scores.count else {
            throw EvaluationError.countOutOfRange(name: "n", found: n, maximum: scores.count)
        }
        let fraction = Double(n) / Double(scores.count)
        let threshold = try percentile(scores, 100 * (1 - fraction))
        return try ConfusionMatrix(scores: scores, labels: labels, threshold: threshold).precision
    }
}
