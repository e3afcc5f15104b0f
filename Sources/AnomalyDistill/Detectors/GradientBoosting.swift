import Foundation

/// Histogram-based gradient-boosted decision trees for labelled data; the score is the logit of "anomaly"
/// (higher = more anomalous), the teacher logit distillation uses.
///
/// Gradient boosting (Friedman 2001, "Greedy function approximation: a gradient boosting machine") with the
/// logistic loss and Newton steps (second-order leaves, Chen & Guestrin 2016), on features binned into at most
/// 255 quantile bins with histogram subtraction (Ke et al. 2017, LightGBM), as scikit-learn's
/// `HistGradientBoostingClassifier`:
/// - trees grow leaf-wise (best gain first) up to ``maxLeafNodes`` leaves, optionally ``maxDepth``; a leaf
///   needs ``minSamplesLeaf`` rows and a hessian of 1e-3; gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` with
///   λ = ``l2Regularization``; leaf value `−G/(H+λ)` shrunk by ``learningRate``;
/// - the start is the log-odds of the (weighted) anomaly rate;
/// - a missing value (NaN) has a bin of its own; each split learns where it goes (the side with the larger
///   gain, as LightGBM and scikit-learn do), and a feature with no missing value at training sends NaN to the
///   side with more training rows. (The command line's preprocessing imputes missing values before any
///   detector; the routing serves matrices given to the library directly.)
/// - early stopping on a stratified validation split: stop when the validation log-loss has not improved by
///   ``tolerance`` for ``patience`` iterations (``EarlyStopping/auto``: only above 10,000 rows, as scikit-learn);
/// - ``balancesClasses`` weighs the classes `n / (2 · n_class)`.
///
/// Histograms are built for every feature in parallel (both cores). The same seed gives the same model.
/// Defaults are scikit-learn 1.9's: 100 iterations, learning rate 0.1, 31 leaves, 20 rows per leaf, λ = 0,
/// 255 bins, early stopping above 10,000 rows with 10% validation, patience 10, tolerance 1e-7.
public struct GradientBoosting: Detector {
    /// Quantile-mapped inputs: the trees split on bins of each column's quantiles and see only the order of its
    /// values, so the map changes nothing for them; a student network distilled from them learns on evenly spread
    /// inputs instead of standardised heavy tails (Polish bankruptcy: student ROC-AUC 0.75 standardised, 0.97
    /// quantile-mapped, teacher 0.97; `Scripts/compare-gbt.py`).
    public var inputScaling: Preprocessor.Scaling { .quantile }

    /// When the validation split stops training.
    public enum EarlyStopping: String, Sendable, Codable {
        /// On when there are more than 10,000 training rows.
        case auto
        case on
        case off
    }

    /// Boosting iterations (trees) at most.
    public var maxIterations: Int
    /// Shrinkage of every leaf value, in (0, 1].
    public var learningRate: Double
    /// Leaves per tree at most (≥ 2).
    public var maxLeafNodes: Int
    /// Depth limit of a tree (edges from the root), `nil` for none.
    public var maxDepth: Int?
    /// Training rows a leaf must hold at least.
    public var minSamplesLeaf: Int
    /// L2 penalty λ on the leaf values.
    public var l2Regularization: Double
    /// Bins per feature for non-missing values, 2…255.
    public var maxBins: Int
    public var earlyStopping: EarlyStopping
    /// Share of the rows held out (stratified) for early stopping.
    public var validationFraction: Double
    /// Iterations without improvement before stopping.
    public var patience: Int
    /// Improvement of the validation log-loss that counts.
    public var tolerance: Double
    /// Weigh the classes `n / (2 · n_class)` (balanced); otherwise each row weighs 1.
    public var balancesClasses: Bool
    public var contamination: Double

    public init(
        maxIterations: Int = 100, learningRate: Double = 0.1, maxLeafNodes: Int = 31, maxDepth: Int? = nil,
        minSamplesLeaf: Int = 20, l2Regularization: Double = 0, maxBins: Int = 255,
        earlyStopping: EarlyStopping = .auto, validationFraction: Double = 0.1, patience: Int = 10,
        tolerance: Double = 1e-7, balancesClasses: Bool = false, contamination: Double = Contamination.default
    ) {
        self.maxIterations = maxIterations
        self.learningRate = learningRate
        self.maxLeafNodes = maxLeafNodes
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.l2Regularization = l2Regularization
        self.maxBins = maxBins
        self.earlyStopping = earlyStopping
        self.validationFraction = validationFraction
        self.patience = patience
        self.tolerance = tolerance
        self.balancesClasses = balancesClasses
        self.contamination = contamination
    }

    public var description: String {
        "GradientBoosting(maxIterations: \(maxIterations), learningRate: \(learningRate), maxLeafNodes: \(maxLeafNodes), "
            + "maxDepth: \(maxDepth.map(String.init) ?? "none"), minSamplesLeaf: \(minSamplesLeaf), "
            + "l2Regularization: \(l2Regularization), maxBins: \(maxBins), earlyStopping: \(earlyStopping.rawValue), "
            + "validationFraction: \(validationFraction), patience: \(patience), tolerance: \(tolerance), "
            + "balancesClasses: \(balancesClasses), contamination: \(contamination))"
    }

    public func validate() throws {
        func invalid(_ name: String, _ reason: String) -> ConfigurationError { .invalidSetting(name: name, reason: reason) }
        guard (1...100_000).contains(maxIterations) else { throw invalid("max iterations", "expected 1 to 100,000, found \(maxIterations)") }
        guard learningRate > 0, learningRate <= 1, learningRate.isFinite else {
            throw invalid("learning rate", "expected a value in (0, 1], found \(learningRate)")
        }
        guard (2...65_536).contains(maxLeafNodes) else { throw invalid("max leaf nodes", "expected 2 to 65,536, found \(maxLeafNodes)") }
        if let maxDepth, !(1...64).contains(maxDepth) { throw invalid("max depth", "expected 1 to 64, found \(maxDepth)") }
        guard minSamplesLeaf >= 1 else { throw invalid("min samples leaf", "expected at least 1, found \(minSamplesLeaf)") }
        guard l2Regularization >= 0, l2Regularization.isFinite else {
            throw invalid("l2 regularization", "expected a finite value ≥ 0, found \(l2Regularization)")
        }
        guard (2...255).contains(maxBins) else { throw invalid("max bins", "expected 2 to 255, found \(maxBins)") }
        guard validationFraction > 0, validationFraction < 1 else {
            throw invalid("validation fraction", "expected a value in (0, 1), found \(validationFraction)")
        }
        guard patience >= 1 else { throw invalid("patience", "expected at least 1, found \(patience)") }
        guard tolerance >= 0, tolerance.isFinite else { throw invalid("tolerance", "expected a finite value ≥ 0, found \(tolerance)") }
        try Contamination.validate(contamination)
    }

    /// Trains the trees on the rows of `x` (NaN = missing) and their 0/1 `labels` (1 = anomaly).
    ///
    /// - Throws: `TrainingError.labelsRequired` without labels, `DataError.singleClassLabels` when all labels are
    ///   equal, `DataError.invalidInput` for an infinite value or a label other than 0 and 1,
    ///   `ConfigurationError.invalidSetting` for bad settings.
    /// - Complexity: O(iterations · (rows · features + leaves · features · bins)), histograms on every core.
    public func fit(_ x: Matrix, labels: [Int]?, using random: inout RandomSource) throws -> FittedGradientBoosting {
        try validate()
        guard let labels else { throw TrainingError.labelsRequired(detector: FittedGradientBoosting.kind) }
        guard x.rows > 0 else { throw TrainingError.noTrainingRows }
        guard x.columns > 0 else { throw DataError.invalidInput(name: "features", reason: "expected at least one feature, found none") }
        if let bad = x.scalars.firstIndex(where: { $0.isInfinite }) {
            throw DataError.invalidInput(name: "features", reason: "expected finite values or NaN (missing), found \(x.scalars[bad]) at row \(bad / x.columns + 1), column \(bad % x.columns + 1)")
        }
        guard labels.count == x.rows else {
            throw DataError.invalidInput(name: "labels", reason: "expected \(x.rows) labels, found \(labels.count)")
        }
        if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw DataError.invalidInput(name: "labels", reason: "expected 0 or 1, found \(labels[bad]) at row \(bad + 1)")
        }
        guard Set(labels).count == 2 else {
            throw DataError.singleClassLabels(context: "gradient boosting training labels", label: labels[0])
        }
        let stops = earlyStopping == .on || (earlyStopping == .auto && x.rows > 10_000)
        let split = stops ? try Split(count: x.rows, labels: labels, validation: 0, test: validationFraction, using: &random) : nil
        let train = split?.train ?? Array(0..<x.rows)
        let validation = split?.test ?? []

        let binner = FeatureBinner(x, rows: train, maxBins: maxBins, using: &random)
        let bins = binner.bin(x)
        let trainLabels = train.map { labels[$0] }
        let positives = Double(trainLabels.reduce(0, +)), n = Double(train.count)
        let weights: (negative: Double, positive: Double) = balancesClasses && positives > 0 && positives < n
            ? (n / (2 * (n - positives)), n / (2 * positives)) : (1, 1)
        let weightedPositive = positives * weights.positive, weightedNegative = (n - positives) * weights.negative
        guard weightedPositive > 0, weightedNegative > 0 else {
            throw DataError.singleClassLabels(context: "gradient boosting training rows (after the validation split)", label: trainLabels[0])
        }
        let baseline = log(weightedPositive / weightedNegative)

        let builder = BoostedTreeBuilder(
            bins: bins, rowCount: x.rows, features: x.columns, binCounts: binner.binCounts, edges: binner.edges,
            maxLeafNodes: maxLeafNodes,
            maxDepth: maxDepth, minSamplesLeaf: minSamplesLeaf, lambda: l2Regularization,
            learningRate: learningRate)
        var raw = [Double](repeating: baseline, count: x.rows)
        var trees: [BoostedTree] = []
        var history: [Double] = []
        var gradient = [Float](repeating: 0, count: x.rows), hessian = [Float](repeating: 0, count: x.rows)
        for _ in 0..<maxIterations {
            for r in train {
                let p = 1 / (1 + exp(-raw[r]))
                let w = labels[r] == 1 ? weights.positive : weights.negative
                gradient[r] = Float(w * (p - Double(labels[r])))
                hessian[r] = Float(w * max(p * (1 - p), 1e-16))
            }
            let tree = builder.grow(rows: train, gradient: gradient, hessian: hessian)
            trees.append(tree.tree)
            for (leaf, rows) in tree.leafRows { for r in rows { raw[r] += Double(tree.tree.value[leaf]) } }
            guard !validation.isEmpty else { continue }
            var loss = 0.0
            for r in validation {
                raw[r] += Double(tree.tree.value[tree.tree.leafOfBinned(bins, row: r, rowCount: x.rows)])
                let w = labels[r] == 1 ? weights.positive : weights.negative
                // log(1 + e^−z) for the true class, written to stay finite.
                let z = labels[r] == 1 ? raw[r] : -raw[r]
                loss += w * (z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z)))
            }
            history.append(-loss / Double(validation.count))
            if history.count > patience {
                let reference = history[history.count - patience - 1]
                if !history.suffix(patience).contains(where: { $0 > reference + tolerance }) { break }
            }
        }
        let model = BoostedTrees(baseline: Float(baseline), trees: trees)
        let trainingScores = model.logits(x)
        if let bad = trainingScores.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.nonFiniteScores(detector: FittedGradientBoosting.kind, row: bad)
        }
        let state = try DetectorState(trainingScores: trainingScores, contamination: contamination, featureCount: x.columns)
        return FittedGradientBoosting(model: model, state: state, trainingScores: trainingScores)
    }
}

// MARK: - Binning

/// Each feature's bin edges from the training rows: the midpoints between distinct values when there are at most
/// `maxBins` of them, otherwise midpoint quantiles (scikit-learn's binning); bin b holds `edge[b−1] < x ≤ edge[b]`,
/// NaN the bin ``missingBin``.
struct FeatureBinner {
    /// The bin of a missing value.
    static let missingBin = 255
    /// Edges per feature (increasing, Float so that binning and prediction compare the same numbers).
    var edges: [[Float]]
    /// Non-missing bins per feature (edges + 1).
    var binCounts: [Int] { edges.map { $0.count + 1 } }

    init(_ x: Matrix, rows: [Int], maxBins: Int, using random: inout RandomSource) {
        // As scikit-learn, at most 200,000 rows (a seeded sample) decide the edges.
        var sample = rows
        if sample.count > 200_000 {
            for i in 0..<200_000 { sample.swapAt(i, i + random.index(below: sample.count - i)) }
            sample = Array(sample.prefix(200_000))
        }
        edges = (0..<x.columns).map { c in
            var values = sample.map { x[$0, c] }.filter { !$0.isNaN }
            values.sort()
            guard !values.isEmpty else { return [] }
            var distinct: [Float] = []
            for v in values where distinct.last != v { distinct.append(v) }
            var cut: [Float] = []
            if distinct.count <= maxBins {
                for i in 0..<(distinct.count - 1) { cut.append(Float((Double(distinct[i]) + Double(distinct[i + 1])) / 2)) }
            } else {
                // numpy.percentile(values, linspace(0, 100, maxBins + 1)[1:-1], method="midpoint")
                let n = values.count
                for k in 1..<maxBins {
                    let position = Double(k) / Double(maxBins) * Double(n - 1)
                    let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
                    cut.append(Float((Double(values[low]) + Double(values[high])) / 2))
                }
            }
            var unique: [Float] = []
            for e in cut where unique.last.map({ e > $0 }) ?? true { unique.append(e) }
            return unique
        }
    }

    /// The bin of every value, column by column (`bins[c · rows + r]`).
    func bin(_ x: Matrix) -> [UInt8] {
        var bins = [UInt8](repeating: 0, count: x.rows * x.columns)
        for c in 0..<x.columns {
            let e = edges[c]
            for r in 0..<x.rows {
                let v = x[r, c]
                if v.isNaN { bins[c * x.rows + r] = UInt8(Self.missingBin); continue }
                var low = 0, high = e.count  // first edge ≥ v
                while low < high {
                    let mid = (low + high) / 2
                    if e[mid] < v { low = mid + 1 } else { high = mid }
                }
                bins[c * x.rows + r] = UInt8(low)
            }
        }
        return bins
    }
}
