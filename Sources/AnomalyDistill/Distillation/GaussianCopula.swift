import RealModule

/// A generator of synthetic rows that follow the training rows' marginals and rank correlations without
/// copying a row (the Gaussian copula of synthetic-data tools; Patki et al. 2016, "The Synthetic Data Vault").
///
/// Fitting turns each column into normal scores `zᵢⱼ = Φ⁻¹(rankᵢⱼ / (n + 1))` (tied values share their mean rank)
/// and keeps the correlation matrix of those scores, shrunk by 1% towards the identity so that one-hot groups and
/// duplicated columns stay positive definite. Sampling draws `z ~ N(0, R)` and maps each coordinate back through
/// its column's empirical quantile function at `Φ(zⱼ)`:
/// - a column with at most ``discreteLimit`` distinct values takes one of them (binary and count features stay on
///   their values: a uniform probe in the bounding box would not);
/// - any other column interpolates between adjacent order statistics, so a value is never a training value unless
///   it lies where two equal ones meet.
///
/// Each column alone is a sample from its own distribution; rows mix the columns of different training rows, so a
/// synthetic row is not a training row. Used by ``TransferSet`` for `--transfer synthetic` (issue 11's privacy
/// case: a student that never sees a real row).
public struct GaussianCopula: Sendable {
    /// At most this many distinct values makes a column discrete.
    public static let discreteLimit = 32

    /// Each column's training values, sorted.
    private let sortedColumns: [[Float]]
    /// Whether each column keeps its values (``discreteLimit``).
    private let discrete: [Bool]
    /// The lower Cholesky factor of the normal scores' correlation matrix, row-major d × d.
    private let factor: [Double]

    /// The number of columns a sample has.
    public var columns: Int { sortedColumns.count }

    /// Fits the copula to the rows of `x`.
    ///
    /// - Throws: `DataError.invalidInput` for no rows, no columns or a value that is not finite.
    /// - Complexity: O(d · n log n + n · d² + d³).
    public init(fitting x: Matrix) throws {
        let n = x.rows, d = x.columns
        guard n > 0 && d > 0 else {
            throw DataError.invalidInput(name: "synthetic rows", reason: "expected rows with at least one feature, found \(n)×\(d)")
        }
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidInput(name: "synthetic rows",
                                         reason: "row \(bad / d + 1), column \(bad % d + 1) is \(x.scalars[bad]); expected finite values")
        }
        var sortedColumns: [[Float]] = [], discrete: [Bool] = []
        var scores = [Double](repeating: 0, count: n * d)
        for j in 0..<d {
            let order = (0..<n).sorted { x.scalars[$0 * d + j] < x.scalars[$1 * d + j] }
            var column = [Float](), distinct = 0
            column.reserveCapacity(n)
            var start = 0
            while start < n {
                let value = x.scalars[order[start] * d + j]
                var end = start + 1
                while end < n && x.scalars[order[end] * d + j] == value { end += 1 }
                let z = Self.normalQuantile((Double(start + end + 1) / 2) / Double(n + 1))
                for k in start..<end {
                    scores[order[k] * d + j] = z
                    column.append(value)
                }
                distinct += 1
                start = end
            }
            sortedColumns.append(column)
            discrete.append(distinct <= Self.discreteLimit)
        }
        self.sortedColumns = sortedColumns
        self.discrete = discrete
        factor = Self.choleskyFactor(Self.shrunkCorrelation(scores, rows: n, columns: d), size: d)
    }

    /// `count` synthetic rows.
    public func sample(_ count: Int, using random: inout RandomSource) -> Matrix {
        let d = columns
        var scalars = [Float](), normal = [Double](repeating: 0, count: d)
        scalars.reserveCapacity(count * d)
        for _ in 0..<count {
            for j in 0..<d { normal[j] = random.normal() }
            for j in 0..<d {
                var z = 0.0
                for k in 0...j { z += factor[j * d + k] * normal[k] }
                scalars.append(value(column: j, probability: Self.normalProbability(z)))
            }
        }
        return Matrix(rows: count, columns: d, scalars: scalars)
    }

    /// Column `j`'s empirical quantile at `p` ∈ (0, 1).
    private func value(column j: Int, probability p: Double) -> Float {
        let sorted = sortedColumns[j], n = sorted.count
        if discrete[j] { return sorted[min(n - 1, Int(p * Double(n)))] }
        let position = p * Double(n - 1), low = min(n - 1, Int(position))
        let high = min(n - 1, low + 1), fraction = Float(position - Double(low))
        return sorted[low] + fraction * (sorted[high] - sorted[low])
    }

    /// The correlation matrix of the columns of `scores` (n × d), shrunk 1% towards the identity; a constant column
    /// is uncorrelated with the rest.
    private static func shrunkCorrelation(_ scores: [Double], rows n: Int, columns d: Int) -> [Double] {
        let covariance = Statistics.centredCrossProducts(rows: n, columns: d) { scores[$0 * d + $1] }.products
        var correlation = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            for k in 0...j {
                let scale = (covariance[j * d + j] * covariance[k * d + k]).squareRoot()
                let r = j == k ? 1 : scale > 0 ? 0.99 * covariance[j * d + k] / scale : 0
                correlation[j * d + k] = r
                correlation[k * d + j] = r
            }
        }
        return correlation
    }

    /// The lower Cholesky factor of a symmetric matrix; pivots that round to ≤ 0 (a singular direction) are set to
    /// a small positive value, so the factor always exists.
    private static func choleskyFactor(_ a: [Double], size d: Int) -> [Double] {
        var l = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var pivot = a[j * d + j]
            for k in 0..<j { pivot -= l[j * d + k] * l[j * d + k] }
            let diagonal = max(pivot, 1e-6).squareRoot()
            l[j * d + j] = diagonal
            for i in (j + 1)..<d {
                var sum = a[i * d + j]
                for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = sum / diagonal
            }
        }
        return l
    }

    /// Φ(z), the standard normal distribution function.
    static func normalProbability(_ z: Double) -> Double {
        0.5 * Double.erfc(-z / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) for p ∈ (0, 1): Acklam's rational approximation (relative error 1.2e-9), then one Halley step on Φ.
    static func normalQuantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let e = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low || p > 1 - low {
            let q = (-2 * Double.log(p < low ? p : 1 - p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1)
            if p > 1 - low { x = -x }
        } else {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        let error = normalProbability(x) - p
        let u = error * (2 * Double.pi).squareRoot() * Double.exp(x * x / 2)
        return x - u / (1 + x * u / 2)
    }
}
