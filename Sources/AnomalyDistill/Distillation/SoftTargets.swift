import RealModule

/// How a teacher's anomaly scores become logits and temperature-scaled soft labels for distillation
/// (Hinton et al. 2015, "Distilling the Knowledge in a Neural Network", adapted to anomaly scores;
/// DESIGN.md, *Distillation*).
///
/// The teacher's logit for a row is its score standardised on the training scores and centred on
/// the threshold, `ℓ = (s − threshold) / spread`, so `ℓ > 0` exactly where the teacher flags the row;
/// the soft target is `p_T = σ(ℓ / T)`. A higher temperature T softens the targets and keeps the
/// ranking of the rows far from the threshold visible to the student.
///
/// The spread is a robust scale of the training scores — the interquartile range divided by 1.349
/// (the IQR of a standard normal); where that is zero, the median absolute deviation times 1.4826;
/// then the population standard deviation; then 1. For a supervised teacher
/// (``FittedSupervisedNetwork``, ``FittedGradientBoosting``: a ``LogitScorer``), whose scores already are logits, threshold 0 and spread 1 keep
/// its real logits.
public struct SoftTargets: Codable, Sendable, Equatable {
    /// The teacher's threshold: the score that maps to logit 0.
    public var threshold: Double
    /// The score scale that maps to one logit unit; positive.
    public var spread: Double
    /// The temperature T > 0.
    public var temperature: Double

    /// Soft targets from explicit parameters.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` for a temperature or spread that is not positive and finite.
    public init(threshold: Double, spread: Double, temperature: Double) throws {
        try Self.validate(temperature: temperature)
        guard spread > 0 && spread.isFinite else {
            throw DataError.invalidInput(name: "spread", reason: "expected a positive finite value, found \(spread)")
        }
        guard threshold.isFinite else {
            throw ConfigurationError.invalidSetting(name: "threshold", reason: "expected a finite value, found \(threshold)")
        }
        self.threshold = threshold
        self.spread = spread
        self.temperature = temperature
    }

    /// Soft targets for the training scores and threshold of a teacher (the spread is fitted on the scores).
    ///
    /// - Throws: `ConfigurationError.invalidSetting` for a temperature ≤ 0, no scores or a non-finite score.
    public init(trainingScores: [Float], threshold: Double, temperature: Double) throws {
        try self.init(threshold: threshold, spread: try Self.robustSpread(trainingScores), temperature: temperature)
    }

    /// Soft targets for a fitted teacher: its real logits for a classifier trained on labels (a ``LogitScorer``:
    /// the supervised network, gradient boosting), otherwise its
    /// training scores standardised around its threshold.
    public init(teacher: any FittedDetector, temperature: Double) throws {
        if teacher is any LogitScorer {
            try self.init(threshold: 0, spread: 1, temperature: temperature)
        } else {
            try self.init(trainingScores: teacher.trainingScores, threshold: teacher.state.threshold,
                          temperature: temperature)
        }
    }

    /// - Throws: `ConfigurationError.invalidSetting` unless `temperature` is positive and finite.
    public static func validate(temperature: Double) throws {
        try SettingLimits.check(temperature, in: SettingLimits.temperature, name: "temperature")
    }

    /// The teacher's logit of a score, `(s − threshold) / spread`.
    public func logit(_ score: Float) -> Float { Float((Double(score) - threshold) / spread) }

    /// The logits of scores.
    public func logits(_ scores: [Float]) -> [Float] { scores.map(logit) }

    /// The soft target of a score, `σ(ℓ / T)`.
    public func probability(_ score: Float) -> Float { Logistic.sigmoid(logit(score) / Float(temperature)) }

    /// The soft targets of scores.
    public func probabilities(_ scores: [Float]) -> [Float] { scores.map(probability) }

    /// IQR / 1.349; else MAD · 1.4826; else the population standard deviation; else 1.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` for no scores or a non-finite score.
    public static func robustSpread(_ scores: [Float]) throws -> Double {
        guard !scores.isEmpty else {
            throw DataError.invalidInput(name: "training scores", reason: "expected at least one score, found none")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidInput(
                name: "training scores", reason: "expected finite scores, found \(scores[bad]) at row \(bad + 1)")
        }
        let values = scores.map(Double.init)
        let sorted = values.sorted()
        let iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25)
        if iqr > 0 { return iqr / 1.349 }
        let median = quantile(sorted, 0.5)
        let mad = quantile(values.map { abs($0 - median) }.sorted(), 0.5)
        if mad > 0 { return mad * 1.4826 }
        let deviation = Statistics.standardDeviation(values)
        return deviation > 0 ? deviation : 1
    }

    static func quantile(_ sorted: [Double], _ q: Double) -> Double { Statistics.quantile(sorted: sorted, q) }
}
