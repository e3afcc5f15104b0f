import Foundation

/// Principal-component detector: Hotelling's T² inside the principal subspace and the squared prediction
/// error Q (SPE) outside it (Shyu, Chen, Sarinnapakorn & Chang 2003, "A Novel Anomaly Detection Scheme Based on
/// Principal Component Classifier"; Jackson & Mudholkar 1979 for Q). The process-monitoring classic for sensor
/// data: normal operation spans a few directions, and a fault either moves a reading far along them (T²) or off
/// them (Q).
///
/// Fitting centres the (preprocessed) training rows, takes the eigen-decomposition of their covariance (sample
/// covariance, divisor n − 1, as scikit-learn's `PCA.explained_variance_`) and keeps the fewest leading components
/// whose eigenvalues explain ``variance`` of the total. For a row z (centred), with t = Vᵀz its coordinates on the
/// kept components and λₐ their eigenvalues:
/// - T² = Σₐ tₐ² / λₐ (a Mahalanobis distance inside the subspace);
/// - Q = ‖z − V t‖² (the squared distance to the subspace);
/// - ``Statistic/combined`` = ½ (Q / Q̄ + T² / k), each statistic divided by its mean on the training rows
///   (Q̄, and k for T²), so both weigh alike; when the components explain everything (Q̄ = 0) it is T² / k.
///
/// PyOD's `PCA` scores Σⱼ (z·vⱼ)² / λⱼ over every component (the T² of the whole space); ``Statistic/t2`` with
/// `variance` 1 is that score.
public struct PCA: Detector, Equatable {
    /// Which statistic is the score.
    public enum Statistic: String, Codable, Sendable, CaseIterable {
        /// ½ (Q / Q̄ + T² / k): both statistics, each at mean 1 on the training rows (the default).
        case combined
        /// The squared prediction error Q (SPE): distance to the principal subspace.
        case q
        /// Hotelling's T² inside the principal subspace.
        case t2
    }

    /// The expected fraction of anomalies (PyOD's `contamination`).
    public var contamination: Double
    /// The share of the total variance the kept components explain at least, in (0, 1].
    public var variance: Double
    /// The score.
    public var statistic: Statistic

    /// A PCA detector.
    /// - Parameters:
    ///   - contamination: Expected fraction of anomalies in (0, 0.5] (default 0.1).
    ///   - variance: Share of variance the kept components explain, in (0, 1] (default 0.95).
    ///   - statistic: The score (default ``Statistic/combined``).
    public init(contamination: Double = Contamination.default, variance: Double = 0.95,
                statistic: Statistic = .combined) {
        self.contamination = contamination
        self.variance = variance
        self.statistic = statistic
    }

    public var description: String {
        "PCA(contamination: \(contamination), variance: \(variance), statistic: \(statistic.rawValue))"
    }

    /// - Throws: `ConfigurationError.invalidSetting` for a contamination outside (0, 0.5] or a variance outside
    ///   (0, 1].
    public func validate() throws {
        try Contamination.validate(contamination)
        guard variance > 0 && variance <= 1 else {
            throw ConfigurationError.invalidSetting(name: "variance", reason: "expected a share of variance in (0, 1], found \(variance)")
        }
    }

    /// Centres the rows, decomposes their covariance and scores the training rows.
    ///
    /// - Parameters:
    ///   - x: Training rows, finite values; at least 2.
    ///   - labels: Ignored.
    ///   - random: Unused (PCA is deterministic); taken for the common interface.
    /// - Throws: `ConfigurationError.invalidSetting` for a bad configuration, `DataError.invalidInput` for fewer
    ///   than 2 rows, `DataError.nonFinite` naming a NaN or infinite value, `TrainingError.noTrainingRows`.
    /// - Complexity: O(n · d² + d³).
    public func fit(_ x: Matrix, labels: [Int]? = nil, using random: inout RandomSource) throws -> FittedPCA {
        try validate()
        try ClassicDetectorSupport.checkTraining(x, minimumRows: 2)
        let n = x.rows, d = x.columns
        let (mean, products) = Statistics.centredCrossProducts(rows: n, columns: d) { Double(x[$0, $1]) }
        let covariance = products.map { $0 / Double(n - 1) }
        let (values, vectors) = SymmetricEigen.decompose(covariance, size: d)
        let total = values.reduce(0) { $0 + max($1, 0) }
        // The fewest leading components reaching the variance share, among those with a usable eigenvalue.
        // (1e-30 keeps the floor a positive Float when every column is constant.)
        let floor = max(total * 1e-9, 1e-30)
        var kept = 0, explained = 0.0
        while kept < d && values[kept] > floor {
            explained += values[kept]
            kept += 1
            if explained >= variance * total * (1 - 1e-12) { break }
        }
        kept = max(kept, 1)
        var components = Matrix(rows: kept, columns: d)
        for a in 0..<kept { for j in 0..<d { components[a, j] = Float(vectors[a * d + j]) } }
        let eigenvalues = (0..<kept).map { Float(max(values[$0], floor)) }
        var subspace = PCASubspace(mean: mean.map(Float.init), components: components, eigenvalues: eigenvalues,
                                   statistic: statistic, residualMean: 0)
        // Q̄: the mean squared distance of the training rows to the subspace.
        let parts = subspace.statistics(x)
        let residualMean = parts.reduce(0) { $0 + $1.q } / Double(n)
        subspace.residualMean = residualMean > total * 1e-9 ? Float(residualMean) : 0
        let scores = parts.map { Float(subspace.score(t2: $0.t2, q: $0.q)) }
        let state = try DetectorState(trainingScores: scores, contamination: contamination, featureCount: d)
        return FittedPCA(subspace: subspace, variance: variance, explained: total > 0 ? explained / total : 1,
                         state: state, trainingScores: scores)
    }
}

/// Eigenvalues and eigenvectors of a real symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan,
/// *Matrix Computations*, § 8.5): slow for large matrices (O(d³) per sweep) but accurate to the last bits and
/// simple; detectors see at most a few hundred features.
enum SymmetricEigen {
    /// The eigenvalues in descending order and the eigenvectors as rows (row a belongs to value a), each with its
    /// largest-magnitude entry positive so the result does not depend on rounding.
    static func decompose(_ matrix: [Double], size d: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: d * d)
        for i in 0..<d { v[i * d + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0, diagonal = 0.0
            for i in 0..<d {
                diagonal += a[i * d + i] * a[i * d + i]
                for j in (i + 1)..<max(i + 1, d) { off += a[i * d + j] * a[i * d + j] }
            }
            if off <= 1e-30 * max(diagonal, .leastNormalMagnitude) { break }
            for p in 0..<d {
                for q in (p + 1)..<max(p + 1, d) {
                    let apq = a[p * d + q]
                    if apq == 0 { continue }
                    let app = a[p * d + p], aqq = a[q * d + q]
                    let theta = (aqq - app) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<d {  // columns p and q
                        let akp = a[k * d + p], akq = a[k * d + q]
                        a[k * d + p] = c * akp - s * akq
                        a[k * d + q] = s * akp + c * akq
                    }
                    for k in 0..<d {  // rows p and q
                        let apk = a[p * d + k], aqk = a[q * d + k]
                        a[p * d + k] = c * apk - s * aqk
                        a[q * d + k] = s * apk + c * aqk
                    }
                    for k in 0..<d {  // eigenvectors as columns of v
                        let vkp = v[k * d + p], vkq = v[k * d + q]
                        v[k * d + p] = c * vkp - s * vkq
                        v[k * d + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<d).sorted { a[$0 * d + $0] != a[$1 * d + $1] ? a[$0 * d + $0] > a[$1 * d + $1] : $0 < $1 }
        var values = [Double](repeating: 0, count: d), vectors = [Double](repeating: 0, count: d * d)
        for (row, column) in order.enumerated() {
            values[row] = a[column * d + column]
            var largest = 0.0
            for k in 0..<d where abs(v[k * d + column]) > abs(largest) { largest = v[k * d + column] }
            let sign = largest < 0 ? -1.0 : 1.0
            for k in 0..<d { vectors[row * d + k] = sign * v[k * d + column] }
        }
        return (values, vectors)
    }
}
