// `[Float]` overloads: each converts the scores to `Double` and calls the `[Double]` metric, so
// results are identical to those on the same values given as `Double`. They are disfavoured so that
// literals such as `[1, 2, 2]` pick the `[Double]` metric instead of being ambiguous.

extension Metrics {
    /// ROC-AUC of `Float` scores; see ``rocAUC(scores:labels:)-(Double,_)``.
    @_disfavoredOverload
    public static func rocAUC(scores: [Float], labels: [Int]) throws -> Double {
        try rocAUC(scores: scores.map(Double.init), labels: labels)
    }

    /// Average precision of `Float` scores; see ``averagePrecision(scores:labels:)-(Double,_)``.
    @_disfavoredOverload
    public static func averagePrecision(scores: [Float], labels: [Int]) throws -> Double {
        try averagePrecision(scores: scores.map(Double.init), labels: labels)
    }

    /// Precision@n of `Float` scores; see ``precisionAtN(scores:labels:n:)-(Double,_,_)``.
    @_disfavoredOverload
    public static func precisionAtN(scores: [Float], labels: [Int], n: Int? = nil) throws -> Double {
        try precisionAtN(scores: scores.map(Double.init), labels: labels, n: n)
    }

    /// The `q`-th percentile of `Float` values; see ``percentile(_:_:)-(Double,_)``.
    @_disfavoredOverload
    public static func percentile(_ values: [Float], _ q: Double) throws(EvaluationError) -> Double {
        try percentile(values.map(Double.init), q)
    }

    /// PyOD's contamination threshold of `Float` training scores; see
    /// ``contaminationThreshold(trainingScores:contamination:)-(Double,_)``.
    @_disfavoredOverload
    public static func contaminationThreshold(
        trainingScores: [Float], contamination: Double
    ) throws(EvaluationError) -> Double {
        try contaminationThreshold(trainingScores: trainingScores.map(Double.init), contamination: contamination)
    }

    /// The best-F1 threshold of `Float` scores; see ``bestF1Threshold(scores:labels:)-(Double,_)``.
    @_disfavoredOverload
    public static func bestF1Threshold(scores: [Float], labels: [Int]) throws -> F1Optimum {
        try bestF1Threshold(scores: scores.map(Double.init), labels: labels)
    }

    /// The false-positive-budget threshold of `Float` scores; see
    /// ``falsePositiveBudgetThreshold(scores:labels:budget:)-(Double,_,_)``.
    @_disfavoredOverload
    public static func falsePositiveBudgetThreshold(
        scores: [Float], labels: [Int], budget: Double
    ) throws -> Double {
        try falsePositiveBudgetThreshold(scores: scores.map(Double.init), labels: labels, budget: budget)
    }

    /// Spearman correlation of `Float` scores; see ``spearman(_:_:)-(Double,Double)``.
    @_disfavoredOverload
    public static func spearman(_ a: [Float], _ b: [Float]) throws(EvaluationError) -> Double {
        try spearman(a.map(Double.init), b.map(Double.init))
    }

    /// Top-k overlap of `Float` scores; see ``topKOverlap(_:_:k:)-(Double,Double,_)``.
    @_disfavoredOverload
    public static func topKOverlap(_ a: [Float], _ b: [Float], k: Int) throws(EvaluationError) -> Double {
        try topKOverlap(a.map(Double.init), b.map(Double.init), k: k)
    }
}

extension ConfusionMatrix {
    /// Counts the rows of `Float` scores flagged at a threshold; see
    /// ``init(scores:labels:threshold:)-(Double,_,_)``.
    @_disfavoredOverload
    public init(scores: [Float], labels: [Int], threshold: Double) throws(EvaluationError) {
        try self.init(scores: scores.map(Double.init), labels: labels, threshold: threshold)
    }
}
