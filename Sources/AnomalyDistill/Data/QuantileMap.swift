/// A monotone, piecewise-linear map of one numeric column onto [0, 1] through its training quantiles, as
/// scikit-learn's `QuantileTransformer(output_distribution="uniform")` computes it: a value between two knots is
/// interpolated between their levels; a value below the first knot or above the last takes its level (the map
/// is flat outside the training range, as a tree ensemble is).
///
/// Heavy-tailed columns (financial ratios, counts, durations) put almost every standardised value in a sliver
/// near zero and a few at thousands of standard deviations; a network on them can neither resolve the bulk nor
/// learn the tail. After this map each column is spread evenly over [0, 1], in the order of its values, which
/// is all a tree ensemble looks at.
///
/// Every path computes the map with the same `Float` operations (``apply(_:)`` here, `ad_mlp_score` in C): the
/// knot `j` with `values[j] ≤ x < values[j + 1]`, then `fma(x − values[j], slopes[j], levels[j])`.
public struct QuantileMap: Codable, Sendable, Hashable {
    /// Knot positions, strictly increasing and finite.
    public let values: [Float]
    /// Each knot's level in [0, 1], non-decreasing: the fraction of training values below it (tied values
    /// share the mean of their levels, as scikit-learn averages the two interpolation directions).
    public let levels: [Float]
    /// `(levels[j + 1] − levels[j]) / (values[j + 1] − values[j])`, one fewer than the knots.
    public let slopes: [Float]

    /// The most knots a fitted map keeps (the quantile levels 0, 1/63, …, 1; fewer for fewer distinct values).
    /// Students of the gradient-boosted teacher reached the same ROC-AUC with 32, 64 and 128 knots on Polish
    /// bankruptcy and steel plates; 64 keeps the search at six steps and the ONNX graph small.
    public static let maximumKnots = 64 // AD_MAX_KNOTS in ad_mlp.h

    enum CodingKeys: String, CodingKey { case values, levels }

    /// A map with the given knots.
    /// - Throws: `DataError.invalidInput` when the knots are empty, of different counts, not finite, not
    ///   strictly increasing, or levels outside [0, 1] or decreasing.
    public init(values: [Float], levels: [Float]) throws {
        if let problem = Self.problem(values: values, levels: levels) {
            throw DataError.invalidInput(name: "quantile map", reason: problem)
        }
        self.values = values
        self.levels = levels
        slopes = Self.slopes(values: values, levels: levels)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let values = try container.decode([Float].self, forKey: .values)
        let levels = try container.decode([Float].self, forKey: .levels)
        if let problem = Self.problem(values: values, levels: levels) {
            throw DecodingError.dataCorruptedError(forKey: .values, in: container, debugDescription: problem)
        }
        self.values = values
        self.levels = levels
        slopes = Self.slopes(values: values, levels: levels)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(values, forKey: .values)
        try container.encode(levels, forKey: .levels)
    }

    /// Fits the map to a column's values (missing values already imputed).
    ///
    /// The knots are the `numpy.quantile` values at levels `i / (K − 1)`, `K = min(maximumKnots, count)`;
    /// repeated knot values merge into one at the mean of their levels.
    /// - Precondition: `sorted` is non-empty, ascending and finite.
    public static func fit(sorted: [Double], maximumKnots: Int = maximumKnots) -> QuantileMap {
        precondition(!sorted.isEmpty, "a quantile map of no values")
        let count = max(1, min(maximumKnots, sorted.count))
        var values: [Float] = [], levels: [Float] = [], tied: [Double] = []
        func close() {
            guard !tied.isEmpty else { return }
            levels.append(Float(tied.reduce(0, +) / Double(tied.count)))
            tied.removeAll()
        }
        for i in 0..<count {
            let level = count == 1 ? 0.5 : Double(i) / Double(count - 1)
            let value = Float(Statistics.quantile(sorted: sorted, level))
            if let last = values.last, value <= last {
                tied.append(level)
                continue
            }
            close()
            values.append(value)
            tied.append(level)
        }
        close()
        // Knots so close that the slope between them overflows (subnormal gaps) merge too.
        var j = 1
        while j < values.count {
            if ((levels[j] - levels[j - 1]) / (values[j] - values[j - 1])).isFinite {
                j += 1
            } else {
                levels[j - 1] = (levels[j - 1] + levels[j]) / 2
                values.remove(at: j)
                levels.remove(at: j)
            }
        }
        guard problem(values: values, levels: levels) == nil else {
            // Not reached for finite input; a constant map rather than a broken one.
            return QuantileMap(checked: [Float(sorted[sorted.count / 2])], [0.5])
        }
        return QuantileMap(checked: values, levels)
    }

    private init(checked values: [Float], _ levels: [Float]) {
        self.values = values
        self.levels = levels
        slopes = Self.slopes(values: values, levels: levels)
    }

    /// The level of `x` (not NaN): interpolated between the knots around it, flat outside them.
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        let last = values.count - 1
        guard x > values[0] else { return levels[0] }
        guard x < values[last] else { return levels[last] }
        // values[low] ≤ x < values[high]
        var low = 0, high = last
        while high - low > 1 {
            let middle = (low + high) / 2
            if values[middle] <= x { low = middle } else { high = middle }
        }
        return levels[low].addingProduct(x - values[low], slopes[low])
    }

    static func slopes(values: [Float], levels: [Float]) -> [Float] {
        guard values.count > 1 else { return [] }
        return (0..<(values.count - 1)).map { j in (levels[j + 1] - levels[j]) / (values[j + 1] - values[j]) }
    }

    /// What is wrong with the knots, or `nil`.
    static func problem(values: [Float], levels: [Float]) -> String? {
        guard !values.isEmpty, values.count == levels.count else {
            return "expected as many levels as knots (at least one), found \(values.count) knots and \(levels.count) levels"
        }
        guard values.count <= maximumKnots else {
            return "expected at most \(maximumKnots) knots, found \(values.count)"
        }
        for j in values.indices {
            guard values[j].isFinite else { return "knot \(j) is not finite (\(values[j]))" }
            guard levels[j] >= 0, levels[j] <= 1 else { return "level \(j) is outside [0, 1] (\(levels[j]))" }
            if j > 0 {
                guard values[j] > values[j - 1] else { return "knots \(j - 1) and \(j) are not increasing" }
                guard levels[j] >= levels[j - 1] else { return "levels \(j - 1) and \(j) decrease" }
                let slope = (levels[j] - levels[j - 1]) / (values[j] - values[j - 1])
                guard slope.isFinite else { return "the slope between knots \(j - 1) and \(j) is not finite" }
            }
        }
        return nil
    }
}
