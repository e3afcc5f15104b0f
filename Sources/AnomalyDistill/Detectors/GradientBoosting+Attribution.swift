/// Exact TreeSHAP (Lundberg et al. 2020, "From local explanations to global understanding with explainable AI
/// for trees", Algorithm 2): each feature's Shapley value of the logit, where a coalition's value is the
/// tree's expected output given the coalition's features, the others averaged over the training rows that
/// reached each node (the node covers). Per row the contributions add up to the logit minus the model's
/// expected logit over its training rows, exactly up to rounding; the work is O(trees · leaves · depth²).
extension FittedGradientBoosting: AttributingDetector {
    /// The expected logit over the training rows: the baseline plus each tree's cover-weighted mean leaf value.
    public var expectedLogit: Float {
        var sum = Double(model.baseline)
        for tree in model.trees {
            var treeSum = 0.0
            for i in 0..<tree.count where tree.feature[i] < 0 { treeSum += Double(tree.value[i]) * Double(tree.cover[i]) }
            sum += treeSum / Double(tree.cover[0])
        }
        return Float(sum)
    }

    /// TreeSHAP contributions of every row (the baseline is not used: the reference is ``expectedLogit``).
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        let reference = expectedLogit
        var contributions = Matrix(rows: x.rows, columns: x.columns)
        var phi = [Double](repeating: 0, count: x.columns)
        var path = TreeShapPath()
        x.scalars.withUnsafeBufferPointer { rows in
            for r in 0..<x.rows {
                for j in 0..<phi.count { phi[j] = 0 }
                let row = rows.baseAddress! + r * x.columns
                for tree in model.trees {
                    path.reset()
                    TreeShap.recurse(tree, row: row, node: 0, path: &path, zero: 1, one: 1, feature: -1, phi: &phi)
                }
                for j in 0..<x.columns { contributions[r, j] = Float(phi[j]) }
            }
        }
        return FeatureAttributions(contributions: contributions, scores: try scores(x),
                                   references: [Float](repeating: reference, count: x.rows))
    }
}

/// The unique path of TreeSHAP: for each feature split on from the root to the current node, the fraction of
/// "zero" paths (feature absent: cover-weighted) and "one" paths (feature present: the row's way) that flow
/// through, and the permutation weights.
struct TreeShapPath {
    var feature: [Int] = []
    var zero: [Double] = []
    var one: [Double] = []
    var weight: [Double] = []

    var count: Int { feature.count }

    mutating func reset() {
        feature.removeAll(keepingCapacity: true)
        zero.removeAll(keepingCapacity: true)
        one.removeAll(keepingCapacity: true)
        weight.removeAll(keepingCapacity: true)
    }

    /// EXTEND: a new feature on the path with zero fraction `z` and one fraction `o`.
    mutating func extend(feature d: Int, zero z: Double, one o: Double) {
        let l = count
        feature.append(d)
        zero.append(z)
        one.append(o)
        weight.append(l == 0 ? 1 : 0)
        var i = l - 1
        while i >= 0 {
            weight[i + 1] += o * weight[i] * Double(i + 1) / Double(l + 1)
            weight[i] = z * weight[i] * Double(l - i) / Double(l + 1)
            i -= 1
        }
    }

    /// UNWIND: removes element `i` from the path (undoing its EXTEND).
    mutating func unwind(_ i: Int) {
        let l = count - 1
        let o = one[i], z = zero[i]
        var n = weight[l]
        var j = l - 1
        while j >= 0 {
            if o != 0 {
                let t = weight[j]
                weight[j] = n * Double(l + 1) / (Double(j + 1) * o)
                n = t - weight[j] * z * Double(l - j) / Double(l + 1)
            } else {
                weight[j] = weight[j] * Double(l + 1) / (z * Double(l - j))
            }
            j -= 1
        }
        for k in i..<l {
            feature[k] = feature[k + 1]
            zero[k] = zero[k + 1]
            one[k] = one[k + 1]
        }
        feature.removeLast()
        zero.removeLast()
        one.removeLast()
        weight.removeLast()
    }

    /// The total permutation weight with element `i` unwound, without changing the path.
    func unwoundSum(_ i: Int) -> Double {
        let l = count - 1
        let o = one[i], z = zero[i]
        var n = weight[l], total = 0.0
        var j = l - 1
        while j >= 0 {
            if o != 0 {
                let w = n * Double(l + 1) / (Double(j + 1) * o)
                total += w
                n = weight[j] - w * z * Double(l - j) / Double(l + 1)
            } else {
                total += weight[j] * Double(l + 1) / (z * Double(l - j))
            }
            j -= 1
        }
        return total
    }
}

enum TreeShap {
    /// RECURSE of Algorithm 2, adding the tree's contributions for `row` to `phi`.
    static func recurse(_ tree: BoostedTree, row: UnsafePointer<Float>, node: Int, path: inout TreeShapPath,
                        zero: Double, one: Double, feature: Int, phi: inout [Double]) {
        let saved = path
        path.extend(feature: feature, zero: zero, one: one)
        let d = Int(tree.feature[node])
        if d < 0 {
            let value = Double(tree.value[node])
            for i in 1..<path.count {
                phi[path.feature[i]] += path.unwoundSum(i) * (path.one[i] - path.zero[i]) * value
            }
        } else {
            let left = Int(tree.left[node]), right = left + 1
            let v = row[d]
            let goesLeft = v.isNaN ? tree.missingLeft[node] : v <= tree.threshold[node]
            let (hot, cold) = goesLeft ? (left, right) : (right, left)
            var incomingZero = 1.0, incomingOne = 1.0
            if let k = (1..<path.count).first(where: { path.feature[$0] == d }) {
                incomingZero = path.zero[k]
                incomingOne = path.one[k]
                path.unwind(k)
            }
            let cover = Double(tree.cover[node])
            recurse(tree, row: row, node: hot, path: &path, zero: incomingZero * Double(tree.cover[hot]) / cover,
                    one: incomingOne, feature: d, phi: &phi)
            recurse(tree, row: row, node: cold, path: &path, zero: incomingZero * Double(tree.cover[cold]) / cover,
                    one: 0, feature: d, phi: &phi)
        }
        path = saved
    }
}
