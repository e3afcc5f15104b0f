/// Turns a ``Table`` into the numeric ``Matrix`` that detectors see, with statistics fitted on
/// training rows only.
///
/// Numeric columns: missing values are imputed with the training median, then centred and scaled
/// (mean and population standard deviation, as scikit-learn's `StandardScaler`; or median and
/// interquartile range, as `RobustScaler`; or left as they are; or first mapped through their training
/// quantiles onto [0, 1], as `QuantileTransformer`, then standardised). A constant column gets scale 1.
/// Categorical columns: one-hot over the training categories plus one "unseen" slot for categories
/// first met after fitting (scikit-learn's `OneHotEncoder(handle_unknown="infrequent_if_exist")`
/// comes closest); a missing category is all zeros.
///
/// The state is `Codable`, so a model file carries it and scores raw rows later.
public struct Preprocessor: Codable, Sendable, Equatable {
    /// How numeric columns are centred and scaled.
    public enum Scaling: String, Codable, Sendable, CaseIterable {
        /// Mean and population standard deviation.
        case standard
        /// Median and interquartile range (robust to outliers).
        case robust
        /// No scaling (imputation only).
        case none
        /// Each column through its ``QuantileMap`` (training quantiles onto [0, 1]), then mean and standard
        /// deviation of the mapped training values.
        case quantile
    }

    /// One input column and how it becomes output columns.
    public enum Feature: Codable, Sendable, Equatable {
        /// `x` (missing: `median`) becomes `(q(x) − center) / scale`, where `q` is `quantiles`' map, or the
        /// identity without one.
        case numeric(name: String, median: Double, center: Double, scale: Double, quantiles: QuantileMap? = nil)
        case categorical(name: String, categories: [String])

        public var name: String {
            switch self {
            case .numeric(let name, _, _, _, _), .categorical(let name, _): return name
            }
        }

        /// Output columns: 1 for a number, one per category plus the unseen slot.
        public var width: Int {
            switch self {
            case .numeric: return 1
            case .categorical(_, let categories): return categories.count + 1
            }
        }
    }

    /// The scaling used for numeric columns.
    public var scaling: Scaling
    /// The feature columns, in the order of the output.
    public var features: [Feature]
    /// The schema of the data the preprocessor was fitted on (label and ignored columns included); with a
    /// ``window``, the windowed rows' schema (``Window/outputSchema``).
    public var schema: Schema
    /// The window that turns raw rows into the rows this preprocessor reads, for time series; `nil` for rows
    /// scored one at a time. Raw files and streams then have ``Window/input``'s columns.
    public var window: Window?
    /// Each numeric feature's training distribution in ten decile bins, by name, for drift monitoring (`nil` in
    /// files written before it was kept).
    public var reference: [String: BinnedDistribution]?

    /// The columns raw files must have: the window's input schema, or ``schema``.
    public var inputSchema: Schema { window?.input ?? schema }

    /// Number of output columns.
    public var outputWidth: Int { features.reduce(0) { $0 + $1.width } }

    /// Names of the output columns (`age`, `color=red`, `color=<unseen>`).
    public var outputNames: [String] {
        features.flatMap { feature -> [String] in
            switch feature {
            case .numeric(let name, _, _, _, _): return [name]
            case .categorical(let name, let categories):
                return categories.map { "\(name)=\($0)" } + ["\(name)=<unseen>"]
            }
        }
    }

    /// Fits the statistics on `table` (the training rows).
    ///
    /// - Throws: `DataError.noRows` for an empty table.
    /// - Complexity: O(rows × columns + rows log rows per numeric column) for the medians.
    public static func fit(_ table: Table, scaling: Scaling = .standard) throws -> Preprocessor {
        guard table.rowCount > 0 else { throw DataError.noRows(file: table.source) }
        var features: [Feature] = []
        var reference: [String: BinnedDistribution] = [:]
        for (column, values) in zip(table.schema.columns, table.values) {
            switch (column.kind, values) {
            case (.numeric, .numeric(let numbers)):
                let present = Statistics.sortedPresent(numbers)
                reference[column.name] = BinnedDistribution(sorted: present)
                let median = quantile(present, 0.5) ?? 0
                var center = 0.0, scale = 1.0
                var quantiles: QuantileMap?
                // The column after imputation, sorted (robust and quantile scaling read it).
                func imputedSorted() -> [Double] {
                    (present + [Double](repeating: median, count: numbers.count - present.count)).sorted()
                }
                switch scaling {
                case .standard where !present.isEmpty:
                    // Statistics after imputation, as a pipeline of imputer then scaler computes them.
                    let missing = Double(numbers.count - present.count)
                    let n = Double(numbers.count)
                    let mean = (present.reduce(0, +) + missing * median) / n
                    let squares = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } + missing * (median - mean) * (median - mean)
                    center = mean
                    let deviation = (squares / n).squareRoot()
                    scale = deviation > 0 && deviation.isFinite ? deviation : 1
                case .robust where !present.isEmpty:
                    let imputed = imputedSorted()
                    center = quantile(imputed, 0.5) ?? 0
                    let iqr = (quantile(imputed, 0.75) ?? 0) - (quantile(imputed, 0.25) ?? 0)
                    scale = iqr > 0 && iqr.isFinite ? iqr : 1
                case .quantile where !present.isEmpty:
                    let imputed = imputedSorted()
                    let map = QuantileMap.fit(sorted: imputed)
                    let mapped = imputed.map { Double(map.apply(Float($0))) }
                    center = Statistics.mean(mapped)
                    let deviation = Statistics.standardDeviation(mapped, mean: center)
                    scale = deviation > 0 && deviation.isFinite ? deviation : 1
                    quantiles = map
                default:
                    break
                }
                features.append(.numeric(name: column.name, median: median, center: center, scale: scale,
                                         quantiles: quantiles))
            case (.categorical, .categorical(let codes, let categories)):
                var seen = [Bool](repeating: false, count: categories.count)
                for code in codes where code >= 0 { seen[Int(code)] = true }
                features.append(.categorical(name: column.name, categories: categories.indices.filter { seen[$0] }.map { categories[$0] }))
            default:
                continue
            }
        }
        return Preprocessor(scaling: scaling, features: features, schema: table.schema, reference: reference)
    }

    /// The preprocessed rows of `table`.
    ///
    /// - Throws: `DataError.missingColumn` when a fitted column is absent, `DataError.schemaMismatch`
    ///   when a column has another kind than at fitting time.
    /// - Complexity: O(rows × output columns).
    public func transform(_ table: Table) throws -> Matrix {
        let width = outputWidth
        var output = Matrix(rows: table.rowCount, columns: width)
        let index = Dictionary(table.schema.columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var offset = 0
        for feature in features {
            guard let position = index[feature.name] else {
                throw DataError.missingColumn(file: table.source, name: feature.name, available: table.schema.columns.map(\.name))
            }
            switch (feature, table.values[position]) {
            case let (.numeric(_, median, center, scale, quantiles), .numeric(numbers)):
                let (fill, c, s) = Self.numericCoefficients(median: median, center: center, scale: scale,
                                                            quantiles: quantiles)
                output.scalars.withUnsafeMutableBufferPointer { out in
                    for r in 0..<numbers.count {
                        let x = numbers[r]
                        out[r * width + offset] = x.isNaN ? fill : ((quantiles?.apply(x) ?? x) - c) * s
                    }
                }
            case let (.categorical(_, categories), .categorical(codes, tableCategories)):
                let slots = Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                let unseen = categories.count
                let map = tableCategories.map { slots[$0] ?? unseen }
                output.scalars.withUnsafeMutableBufferPointer { out in
                    for r in 0..<codes.count where codes[r] >= 0 {
                        out[r * width + offset + map[Int(codes[r])]] = 1
                    }
                }
            default:
                let found = table.schema.columns[position].kind.rawValue
                let expected = feature.width == 1 && { if case .numeric = feature { return true } else { return false } }() ? "numeric" : "categorical"
                throw DataError.schemaMismatch(file: table.source,
                                               reason: "column \(feature.name.debugDescription) was \(expected) when the model was fitted, found \(found)")
            }
            offset += feature.width
        }
        return output
    }

    /// What is wrong with a preprocessor read from a file (a scale of 0, a non-finite statistic, a repeated
    /// name), or `nil` when it can be used.
    public var problem: String? {
        if let window {
            if let problem = window.problem { return problem }
            guard window.outputSchema == schema else {
                return "the window's output columns are not the preprocessing's schema"
            }
        }
        for (name, distribution) in reference ?? [:] {
            if let problem = distribution.problem { return "drift reference of \(name.debugDescription): \(problem)" }
        }
        var names = Set<String>()
        for feature in features {
            guard names.insert(feature.name).inserted else { return "feature \(feature.name.debugDescription) appears twice" }
            if case let .numeric(name, median, center, scale, quantiles) = feature {
                guard median.isFinite, center.isFinite else {
                    return "feature \(name.debugDescription): expected finite median and centre, found \(median) and \(center)"
                }
                guard scale > 0, scale.isFinite, (1 / scale).isFinite else {
                    return "feature \(name.debugDescription): expected a positive finite scale, found \(scale)"
                }
                if let quantiles, let problem = QuantileMap.problem(values: quantiles.values, levels: quantiles.levels) {
                    return "feature \(name.debugDescription): quantile map: \(problem)"
                }
            }
        }
        return nil
    }

    /// The `Float`s a numeric column is transformed with: a missing value becomes `fill`, a value `x` becomes
    /// `(q(x) − center) · inverseScale` (q: the column's quantile map, or the identity). Every path that
    /// preprocesses numbers uses these, so they round alike.
    static func numericCoefficients(median: Double, center: Double, scale: Double, quantiles: QuantileMap? = nil)
        -> (fill: Float, center: Float, inverseScale: Float) {
        let filled = quantiles.map { Double($0.apply(Float(median))) } ?? median
        return (Float((filled - center) / scale), Float(center), Float(1 / scale))
    }

    /// ``Statistics/quantile(sorted:_:)``, `nil` when there are no values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double? {
        sorted.isEmpty ? nil : Statistics.quantile(sorted: sorted, q)
    }
}
