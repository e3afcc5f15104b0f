/// The summary statistics the library computes — quantiles, mean, standard deviation — in one place, with
/// one rounding: NumPy's. (Before, the preprocessor, the soft targets, MO-GAAL and the metrics each had
/// their own quantile, with different floating-point steps.)
public enum Statistics {
    /// The `q` quantile (`q` in [0, 1]) of values sorted ascending, as `numpy.quantile(values, q)` (linear
    /// method): the virtual index `(m − 1)·q` interpolated between its two neighbours with NumPy's `_lerp`,
    /// which starts from the nearer end so that q = 1 gives the largest value exactly.
    ///
    /// - Precondition: `sorted` is non-empty and ascending; `q` in [0, 1].
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty, "a quantile of no values")
        let virtualIndex = Double(sorted.count - 1) * q
        guard virtualIndex < Double(sorted.count - 1) else { return sorted[sorted.count - 1] }
        let lower = virtualIndex.rounded(.down)
        let below = sorted[Int(lower)], above = sorted[Int(lower) + 1]
        let gamma = virtualIndex - lower
        let difference = above - below
        return gamma >= 0.5 ? above - difference * (1 - gamma) : below + difference * gamma
    }

    /// ``quantile(sorted:_:)`` of `Float` values, computed in `Double`.
    public static func quantile(sorted: [Float], _ q: Double) -> Float {
        precondition(!sorted.isEmpty, "a quantile of no values")
        let virtualIndex = Double(sorted.count - 1) * q
        guard virtualIndex < Double(sorted.count - 1) else { return sorted[sorted.count - 1] }
        let lower = virtualIndex.rounded(.down)
        let below = Double(sorted[Int(lower)]), above = Double(sorted[Int(lower) + 1])
        let gamma = virtualIndex - lower
        let difference = above - below
        return Float(gamma >= 0.5 ? above - difference * (1 - gamma) : below + difference * gamma)
    }

    /// The values that are not missing (`NaN`), in `Double`, ascending.
    public static func sortedPresent(_ values: [Float]) -> [Double] {
        values.filter { !$0.isNaN }.map(Double.init).sorted()
    }

    /// The column means of `n` rows of `d` values, and the sums of their centred cross-products
    /// `Σᵣ (xᵣᵢ − x̄ᵢ)(xᵣⱼ − x̄ⱼ)` as a full symmetric d × d matrix (row-major), in `Double`: what a covariance or a
    /// correlation matrix is made of (PCA, the Gaussian copula). `value(r, j)` reads row r, column j.
    /// - Complexity: O(n · d²).
    public static func centredCrossProducts(rows n: Int, columns d: Int,
                                            _ value: (Int, Int) -> Double) -> (means: [Double], products: [Double]) {
        var means = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { means[j] += value(r, j) } }
        if n > 0 { for j in 0..<d { means[j] /= Double(n) } }
        // The upper triangle, then mirrored.
        var products = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for r in 0..<n {
            for j in 0..<d { centred[j] = value(r, j) - means[j] }
            for i in 0..<d {
                let ci = centred[i]
                if ci == 0 { continue }
                for j in i..<d { products[i * d + j] += ci * centred[j] }
            }
        }
        for i in 0..<d { for j in i..<d { products[j * d + i] = products[i * d + j] } }
        return (means, products)
    }

    /// The arithmetic mean; 0 for no values.
    public static func mean(_ values: some Collection<Double>) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// The population standard deviation (NumPy's `std`, `ddof = 0`) about `mean`; 0 for no values.
    public static func standardDeviation(_ values: some Collection<Double>, mean: Double) -> Double {
        values.isEmpty ? 0 : (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
    }

    /// The population standard deviation about the values' own mean.
    public static func standardDeviation(_ values: some Collection<Double>) -> Double {
        standardDeviation(values, mean: mean(values))
    }
}
