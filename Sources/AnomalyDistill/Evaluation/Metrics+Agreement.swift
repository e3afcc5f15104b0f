// Agreement between two detectors on the same rows, such as a teacher and its distilled student.

extension Metrics {
    /// Spearman's rank correlation of two score vectors, as SciPy's `stats.spearmanr(a, b).statistic`.
    ///
    /// The Pearson correlation of the ranks of `a` and of `b`, where tied values get the average of
    /// the ranks they span (SciPy's `rankdata(method="average")`) (Spearman 1904).
    ///
    /// - Parameters:
    ///   - a: One finite score per row.
    ///   - b: One finite score per row, as many as `a`.
    /// - Returns: The correlation, in [−1, 1].
    /// - Throws: ``EvaluationError`` for empty, mismatched or non-finite input, and
    ///   ``EvaluationError/constantInput(context:)`` when either vector is constant (SciPy returns NaN).
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func spearman(_ a: [Double], _ b: [Double]) throws(EvaluationError) -> Double {
        let context = "Spearman correlation"
        try validatePair(a, b, context: context)
        let rankA = averageRanks(a)
        let rankB = averageRanks(b)
        let mean = Double(a.count + 1) / 2  // the mean of any average-rank vector
        var covariance = 0.0
        var varianceA = 0.0
        var varianceB = 0.0
        for index in a.indices {
            let da = rankA[index] - mean
            let db = rankB[index] - mean
            covariance += da * db
            varianceA += da * da
            varianceB += db * db
        }
        guard varianceA > 0 && varianceB > 0 else { throw .constantInput(context: context) }
        return min(1, max(-1, covariance / (varianceA * varianceB).squareRoot()))
    }

    /// The fraction of the *k* highest-scoring rows of `a` that are also among the *k* highest of `b`.
    ///
    /// `|topₖ(a) ∩ topₖ(b)| / k`. Each top-*k* set holds exactly *k* rows: rows are ranked by
    /// decreasing score and rows with equal scores by increasing row index (NumPy's
    /// `argsort(-scores, kind="stable")[:k]`).
    ///
    /// - Parameters:
    ///   - a: One finite score per row, higher = more anomalous.
    ///   - b: One finite score per row, as many as `a`.
    ///   - k: The size of the top sets, in `1...a.count`.
    /// - Returns: The overlap, in [0, 1].
    /// - Throws: ``EvaluationError`` for empty, mismatched or non-finite input, or *k* out of range.
    /// - Complexity: O(*n* log *n*) for *n* rows.
    public static func topKOverlap(_ a: [Double], _ b: [Double], k: Int) throws(EvaluationError) -> Double {
        try validatePair(a, b, context: "top-k overlap")
        guard k >= 1 && k <= a.count else { throw .countOutOfRange(name: "k", found: k, maximum: a.count) }
        let topA = Set(indicesByDecreasingScore(a).prefix(k))
        let shared = indicesByDecreasingScore(b).prefix(k).reduce(0) { $0 + (topA.contains($1) ? 1 : 0) }
        return Double(shared) / Double(k)
    }

    /// The fraction of rows on which two decision vectors agree (both flag, or both do not).
    ///
    /// - Parameters:
    ///   - a: One decision per row (`true` = flagged as an anomaly).
    ///   - b: One decision per row, as many as `a`.
    /// - Returns: The agreement, in [0, 1].
    /// - Throws: ``EvaluationError`` for empty or mismatched input.
    /// - Complexity: O(*n*).
    public static func decisionAgreement(_ a: [Bool], _ b: [Bool]) throws(EvaluationError) -> Double {
        let context = "decision agreement"
        guard !a.isEmpty else { throw .emptyInput(context: context) }
        guard a.count == b.count else { throw .lengthMismatch(context: context, expected: a.count, found: b.count) }
        let agreeing = zip(a, b).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(agreeing) / Double(a.count)
    }

    /// 1-based ranks in ascending order, tied values getting the mean of the ranks they span.
    static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            let rank = Double(start + 1 + end) / 2  // mean of ranks start+1 ... end
            for position in start..<end { ranks[order[position]] = rank }
            start = end
        }
        return ranks
    }

    private static func validatePair(_ a: [Double], _ b: [Double], context: String) throws(EvaluationError) {
        try validate(scores: a, context: context)
        guard a.count == b.count else { throw .lengthMismatch(context: context, expected: a.count, found: b.count) }
        try validate(scores: b, context: context)
    }
}
