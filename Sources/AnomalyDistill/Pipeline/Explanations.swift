/// Why a model scored each row as it did: each feature column's contribution to the row's score.
///
/// Contributions name the user's columns: a categorical column's one-hot slots are summed back into it, and the
/// preprocessing is part of the explained function, so a contribution is that of the raw value. They are the
/// model's ``AttributingDetector/attributions(_:baseline:)``: for networks, integrated gradients from the training
/// median row (numeric columns at their median; categorical columns at no category), so that a row's
/// contributions sum to its score minus the median row's; for ECOD, its per-column tail terms; for the isolation
/// forest, each column's share of the isolation along the row's paths; for ensembles, the members' combined; for a
/// student distilled with ``StudentExplanation/distilled``, its head's estimate of the teacher's contributions.
/// A missing value is explained with the value it was imputed with, and marked ``Reason/imputed``.
public struct Explanations: Sendable {
    /// One reason: a column and its contribution.
    public struct Reason: Sendable, Equatable {
        public var column: String
        public var contribution: Float
        /// The row's value was missing and is explained with its imputed value.
        public var imputed: Bool
    }

    /// The feature columns, in ``ScoringModel/featureNames`` order.
    public let columns: [String]
    /// Rows explained.
    public let count: Int
    /// count × columns, row-major.
    public let contributions: [Float]
    /// count × columns: whether the value was missing (imputed).
    public let imputed: [Bool]
    /// The explained scores (as the explainer computed them).
    public let scores: [Float]
    /// What each row's contributions are measured from: `Σ contributions = score − reference`.
    public let references: [Float]

    /// Row `row`'s contributions, in column order.
    public func contributions(row: Int) -> ArraySlice<Float> {
        contributions[(row * columns.count)..<((row + 1) * columns.count)]
    }

    /// Row `row`'s `k` largest contributions, most anomalous (largest) first; ties in column order.
    public func reasons(row: Int, top k: Int) -> [Reason] {
        let width = columns.count
        let order = (0..<width).sorted { a, b in
            let ca = contributions[row * width + a], cb = contributions[row * width + b]
            return ca != cb ? ca > cb : a < b
        }
        return order.prefix(max(0, k)).map {
            Reason(column: columns[$0], contribution: contributions[row * width + $0], imputed: imputed[row * width + $0])
        }
    }
}

extension ScoringModel {
    /// Whether this model's rows can be explained (see ``Explanations``).
    public var canExplain: Bool { detector is any AttributingDetector }

    /// The baseline row of path attributions: the training median of each numeric column (preprocessed), no
    /// category for a categorical column.
    public var explanationBaseline: [Float] {
        var baseline = [Float](repeating: 0, count: inputWidth)
        for item in layout where item.numeric { baseline[item.offset] = numericFeatures[item.index].fill }
        return baseline
    }

    /// The contributions of each row's columns to its score.
    ///
    /// - Throws: `AttributionError.unsupportedKind` for a model without an explainer (kNN, MO-GAAL, the
    ///   discrepancy detector, or an ensemble with one of them).
    /// - Complexity: networks O(rows · 17 · parameters) (more steps for rows whose path needs them); ECOD
    ///   O(rows · d · log n); the isolation forest O(rows · trees · depth).
    public func explain(_ rows: RawRows) throws -> Explanations {
        guard let explainer = detector as? any AttributingDetector else { throw AttributionError.unsupportedKind(kind) }
        let attributions = try explainer.attributions(matrix(rows), baseline: explanationBaseline)
        let width = layout.count, input = inputWidth
        var contributions = [Float](repeating: 0, count: rows.count * width)
        var imputed = [Bool](repeating: false, count: rows.count * width)
        let nNumeric = numericFeatures.count, nCategorical = categoricalFeatures.count
        for r in 0..<rows.count {
            for (column, item) in layout.enumerated() {
                var sum: Float = 0
                for slot in item.offset..<(item.offset + item.width) { sum += attributions.contributions.scalars[r * input + slot] }
                contributions[r * width + column] = sum
                imputed[r * width + column] = item.numeric
                    ? rows.numeric[r * nNumeric + item.index].isNaN
                    : rows.categories[r * nCategorical + item.index] < 0
            }
        }
        return Explanations(columns: featureNames, count: rows.count, contributions: contributions, imputed: imputed,
                            scores: attributions.scores, references: attributions.references)
    }
}
