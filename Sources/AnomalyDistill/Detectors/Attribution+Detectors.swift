import Foundation

extension FittedECOD: AttributingDetector {
    /// Each feature's tail term, `−log` of its tail probability (the term the aggregation picks: with PyOD's
    /// rule, the largest of the left, right and skew-chosen tails; with the paper's, the tail of whichever sum
    /// wins), which is how Li et al. (2022) explain a row. The terms sum to the score; the reference is 0.
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        let d = x.columns
        var contributions = Matrix(rows: x.rows, columns: d)
        var scores = [Float](repeating: 0, count: x.rows)
        for r in 0..<x.rows {
            var left = [Double](repeating: 0, count: d), right = left, auto = left, pyod = left
            for j in 0..<d {
                let tails = columns.tails(x[r, j], feature: j, training: false)
                let uLeft = -Foundation.log(tails.left), uRight = -Foundation.log(tails.right)
                let sign = columns.skewSigns[j]
                left[j] = uLeft
                right[j] = uRight
                auto[j] = sign < 0 ? uLeft : uRight
                pyod[j] = ECODColumns.pyodTerm(left: uLeft, right: uRight, sign: sign)
            }
            let terms: [Double]
            switch aggregation {
            case .pyod: terms = pyod
            case .paper:
                let sums = [left, right, auto].map { $0.reduce(0, +) }
                terms = sums[0] >= sums[1] && sums[0] >= sums[2] ? left : (sums[1] >= sums[2] ? right : auto)
            }
            for j in 0..<d { contributions[r, j] = Float(terms[j]) }
            // The score is the sum of the terms, added in the scorer's order.
            scores[r] = Float(terms.reduce(0, +))
        }
        return FeatureAttributions(contributions: contributions, scores: scores,
                                   references: [Float](repeating: 0, count: x.rows))
    }
}

extension FittedIsolationForest: AttributingDetector {
    /// Path-based attribution: along each tree's path, a split on feature `j` that sends the row from a node of
    /// `n` training rows to a child of `n′` is credited `log₂(n / n′)` — how much of the row's isolation it did
    /// (a split that cuts the row off alone earns most; an even split, one bit). Each feature's share of the
    /// credit over all trees, times the score, is its contribution: they sum to the score (reference 0).
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        let d = x.columns
        let scores = try self.scores(x)
        var contributions = Matrix(rows: x.rows, columns: d)
        var credit = [Double](repeating: 0, count: d)
        for r in 0..<x.rows {
            for j in 0..<d { credit[j] = 0 }
            for tree in forest.trees {
                var node = 0
                while tree.feature[node] >= 0 {
                    let feature = Int(tree.feature[node])
                    let child = Int(x[r, feature] > tree.threshold[node] ? tree.right[node] : tree.left[node])
                    let parentSize = Double(tree.size[node]), childSize = Double(tree.size[child])
                    if childSize > 0 && parentSize > childSize { credit[feature] += log2(parentSize / childSize) }
                    node = child
                }
            }
            let total = credit.reduce(0, +)
            guard total > 0 else { continue }
            for j in 0..<d { contributions[r, j] = Float(Double(scores[r]) * credit[j] / total) }
        }
        return FeatureAttributions(contributions: contributions, scores: scores,
                                   references: [Float](repeating: 0, count: x.rows))
    }
}

extension FittedEnsemble: AttributingDetector {
    /// The members' contributions, each multiplied by the slope of its normalisation between its reference and
    /// its score (`1 / σ` for z-scores; the rank's rise over the score's for ranks), then combined as the scores
    /// are: averaged (mean), the top member's (max), or the average of each group's top member's (AOM).
    ///
    /// - Throws: `AttributionError.unsupportedKind` when a member has no explainer.
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        let parts = try members.map { member -> FeatureAttributions in
            guard let explainer = member as? any AttributingDetector else {
                throw AttributionError.unsupportedKind(member.modelKind)
            }
            return try explainer.attributions(x, baseline: baseline)
        }
        let d = x.columns, rows = x.rows
        // Normalised scores and the slope from reference to score, per member and row.
        var normalised: [[Double]] = [], slopes: [[Double]] = []
        for (part, scaler) in zip(parts, scalers) {
            let scaledScores = scaler.scale(part.scores), scaledReferences = scaler.scale(part.references)
            normalised.append(scaledScores)
            slopes.append((0..<rows).map { r in
                let rise = Double(part.scores[r]) - Double(part.references[r])
                if abs(rise) > 1e-12 { return (scaledScores[r] - scaledReferences[r]) / rise }
                return normalization == .zscore ? 1 / scaler.deviation : 0
            })
        }
        let scores = Self.combine(parts.map(\.scores), scalers: scalers, combination: combination, groups: groups)
        var contributions = Matrix(rows: rows, columns: d)
        var references = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            let chosen: [Int]
            switch combination {
            case .mean: chosen = Array(parts.indices)
            case .max: chosen = [parts.indices.max { normalised[$0][r] < normalised[$1][r] } ?? 0]
            case .averageOfMaximum:
                chosen = groups.filter { !$0.isEmpty }.map { group in group.max { normalised[$0][r] < normalised[$1][r] } ?? group[0] }
            }
            var total: Float = 0
            for j in 0..<d {
                var sum = 0.0
                for m in chosen { sum += Double(parts[m].contributions[r, j]) * slopes[m][r] }
                let c = Float(sum / Double(chosen.count))
                contributions[r, j] = c
                total += c
            }
            references[r] = scores[r] - total
        }
        return FeatureAttributions(contributions: contributions, scores: scores, references: references)
    }
}
