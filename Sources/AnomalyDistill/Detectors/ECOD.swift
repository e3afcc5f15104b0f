import Foundation

/// ECOD: outliers are the rows that sit far in the tails of the features' empirical distributions.
///
/// Li, Zhao, Hu, Botta, Ionescu & Chen 2022, "ECOD: Unsupervised Outlier Detection Using Empirical
/// Cumulative Distribution Functions" (IEEE TKDE). Parameter-free: for every feature j it keeps the
/// empirical CDF of the training values and scores a value z by its left tail probability
/// #{xᵢⱼ ≤ z} / n and its right tail probability #{xᵢⱼ ≥ z} / n. With Uₗ = −log(left),
/// Uᵣ = −log(right) and the sign of the feature's sample skewness γⱼ choosing the tail of
/// U_auto (left when γⱼ < 0, right when γⱼ > 0), the score combines the paper's three views
/// O-left, O-right and O-auto; see ``Aggregation`` for how.
///
/// Corresponds to PyOD's `ECOD` (as of PyOD 3.x). On training rows the scores are PyOD's
/// `decision_scores_` (same ECDF with ties, same skewness sign, same per-feature maximum). For new
/// rows PyOD refits the ECDFs and the skewness on the concatenation of the training rows and the
/// new batch, so a row's score depends on the rest of its batch. Here a new row is scored against
/// the stored training columns as if it had been concatenated alone: left = (#{xᵢⱼ ≤ z} + 1) / (n + 1),
/// and likewise on the right, with the training skewness. A score then does not depend on the batch,
/// is never infinite, and a single row can be scored. On the 19 shared data sets the two rules give
/// test ROC-AUCs within 0.005 of each other (`Scripts/compare-pyod.py` prints both).
public struct ECOD: Detector, Equatable {
    /// How per-feature tail scores become a row's score.
    public enum Aggregation: String, Codable, Sendable, CaseIterable {
        /// PyOD's: per feature, max(Uₗ, Uᵣ, U_skew), summed over features, where U_skew is Uₗ for
        /// negative skewness, Uᵣ for positive and Uₗ + Uᵣ for zero (PyOD's sign arithmetic; only a
        /// constant feature has zero skewness, and its tails are then both 1, so it adds 0).
        case pyod
        /// The paper's Algorithm 1: max(Σ Uₗ, Σ Uᵣ, Σ U_auto), with U_auto = Uₗ when γⱼ < 0, else Uᵣ.
        case paper
    }

    /// The expected fraction of anomalies (PyOD's `contamination`).
    public var contamination: Double
    /// How tails are combined; PyOD's rule by default.
    public var aggregation: Aggregation
    /// Threads for scoring; results do not depend on it.
    var threads: Int?

    /// An ECOD configuration.
    ///
    /// - Parameters:
    ///   - contamination: Expected fraction of anomalies in (0, 0.5] (default 0.1).
    ///   - aggregation: How tails are combined (default ``Aggregation/pyod``).
    public init(contamination: Double = Contamination.default, aggregation: Aggregation = .pyod) {
        self.contamination = contamination
        self.aggregation = aggregation
    }

    public var description: String {
        "ECOD(contamination: \(contamination), aggregation: \(aggregation.rawValue))"
    }

    /// - Throws: `ConfigurationError.invalidSetting` for a contamination outside (0, 0.5].
    public func validate() throws {
        try Contamination.validate(contamination)
    }

    /// Sorts each feature's training values, computes the skewness signs and scores the training rows.
    ///
    /// - Parameters:
    ///   - x: Training rows, finite values.
    ///   - labels: Ignored.
    ///   - random: Unused (ECOD is deterministic); taken for the common interface.
    /// - Throws: `ConfigurationError.invalidSetting` for a bad configuration, `DataError.nonFinite` naming the
    ///   row and column of a NaN or infinite value, `TrainingError.noTrainingRows` for no rows.
    /// - Complexity: O(d · n log n).
    public func fit(_ x: Matrix, labels: [Int]? = nil, using random: inout RandomSource) throws -> FittedECOD {
        try validate()
        try ClassicDetectorSupport.checkTraining(x)
        let n = x.rows, d = x.columns
        var sorted = x.transposed()  // d × n: one feature per row
        var signs = [Int32](repeating: 0, count: d)
        sorted.scalars.withUnsafeMutableBufferPointer { values in
            for j in 0..<d {
                var column = UnsafeMutableBufferPointer(rebasing: values[(j * n)..<((j + 1) * n)])
                column.sort()
                signs[j] = ECOD.skewnessSign(UnsafeBufferPointer(column))
            }
        }
        let model = ECODColumns(sorted: sorted, skewSigns: signs, aggregation: aggregation)
        let threadCount = threads ?? ClassicDetectorSupport.defaultThreads
        let scores = model.scores(x, training: true, threads: threadCount)
        let state = try DetectorState(trainingScores: scores, contamination: contamination, featureCount: d)
        return FittedECOD(columns: model, threads: threadCount, state: state, trainingScores: scores)
    }

    /// The sign of the sample skewness m₃ / m₂^{3/2} (biased moments, as `scipy.stats.skew`); 0 for a
    /// constant column, where SciPy's NaN becomes 0 in PyOD.
    static func skewnessSign(_ values: UnsafeBufferPointer<Float>) -> Int32 {
        let n = Double(values.count)
        var mean = 0.0
        for v in values { mean += Double(v) }
        mean /= n
        var m2 = 0.0, m3 = 0.0
        for v in values {
            let delta = Double(v) - mean
            m2 += delta * delta
            m3 += delta * delta * delta
        }
        m2 /= n
        m3 /= n
        // SciPy treats a variance lost in rounding as zero (`m2 <= (10 · resolution · mean)²` with a
        // float64 resolution of 1e-15), giving NaN, which PyOD turns into 0.
        let eps = 1e-14 * mean
        if m2 <= eps * eps { return 0 }
        let skewness = m3 / (m2 * m2.squareRoot())
        return skewness > 0 ? 1 : (skewness < 0 ? -1 : 0)
    }
}
