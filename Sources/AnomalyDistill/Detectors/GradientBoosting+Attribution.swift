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
        // One buffer holds the path of every level of the recursion (each level copies its parent's path after it).
        let levels = (model.trees.map(\.depth).max() ?? 0) + 2
        let capacity = (levels + 1) * (levels + 2) / 2 + levels
        let path = UnsafeMutablePointer<TreeShap.Element>.allocate(capacity: capacity)
        path.initialize(repeating: TreeShap.Element(feature: -1, zero: 0, one: 0, weight: 0), count: capacity)
        let phi = UnsafeMutablePointer<Double>.allocate(capacity: x.columns)
        defer { path.deallocate(); phi.deallocate() }
        x.scalars.withUnsafeBufferPointer { rows in
            for r in 0..<x.rows {
                phi.initialize(repeating: 0, count: x.columns)
                let row = rows.baseAddress! + r * x.columns
                for tree in model.trees {
                    TreeShap.recurse(tree, row: row, node: 0, parent: path, depth: 0, zero: 1, one: 1, feature: -1, phi: phi)
                }
                for j in 0..<x.columns { contributions[r, j] = Float(phi[j]) }
            }
        }
        return FeatureAttributions(contributions: contributions, scores: try scores(x),
                                   references: [Float](repeating: reference, count: x.rows))
    }
}

/// TreeSHAP's recursion over the unique path of features split on from the root: for each, the fraction of
/// "zero" paths (the feature absent: cover-weighted) and "one" paths (present: the row's way) flowing through, and
/// the permutation weights (the shap package's `tree_shap_recursive`, written from the paper's Algorithm 2).
enum TreeShap {
    struct Element {
        var feature: Int
        var zero: Double
        var one: Double
        var weight: Double
    }

    /// EXTEND: appends a feature to the path of `depth` + 1 elements.
    static func extend(_ path: UnsafeMutablePointer<Element>, _ depth: Int, zero z: Double, one o: Double, feature d: Int) {
        path[depth] = Element(feature: d, zero: z, one: o, weight: depth == 0 ? 1 : 0)
        var i = depth - 1
        while i >= 0 {
            path[i + 1].weight += o * path[i].weight * Double(i + 1) / Double(depth + 1)
            path[i].weight = z * path[i].weight * Double(depth - i) / Double(depth + 1)
            i -= 1
        }
    }

    /// UNWIND: removes element `index` from the path whose last element is at `depth`.
    static func unwind(_ path: UnsafeMutablePointer<Element>, _ depth: Int, _ index: Int) {
        let o = path[index].one, z = path[index].zero
        var next = path[depth].weight
        var i = depth - 1
        while i >= 0 {
            if o != 0 {
                let t = path[i].weight
                path[i].weight = next * Double(depth + 1) / (Double(i + 1) * o)
                next = t - path[i].weight * z * Double(depth - i) / Double(depth + 1)
            } else {
                path[i].weight = path[i].weight * Double(depth + 1) / (z * Double(depth - i))
            }
            i -= 1
        }
        var k = index
        while k < depth {
            path[k].feature = path[k + 1].feature
            path[k].zero = path[k + 1].zero
            path[k].one = path[k + 1].one
            k += 1
        }
    }

    /// The total permutation weight with element `index` unwound, the path unchanged.
    static func unwoundSum(_ path: UnsafeMutablePointer<Element>, _ depth: Int, _ index: Int) -> Double {
        let o = path[index].one, z = path[index].zero
        var next = path[depth].weight, total = 0.0
        var i = depth - 1
        if o != 0 {
            while i >= 0 {
                let t = next / (Double(i + 1) * o)
                total += t
                next = path[i].weight - t * z * Double(depth - i)
                i -= 1
            }
        } else {
            while i >= 0 {
                total += path[i].weight / (z * Double(depth - i))
                i -= 1
            }
        }
        return total * Double(depth + 1)
    }

    /// RECURSE: adds the tree's contributions for `row` to `phi`; this level's path starts after its parent's.
    static func recurse(_ tree: BoostedTree, row: UnsafePointer<Float>, node: Int, parent: UnsafeMutablePointer<Element>,
                        depth parentDepth: Int, zero: Double, one: Double, feature: Int, phi: UnsafeMutablePointer<Double>) {
        var depth = parentDepth
        let path = parent + depth + 1
        path.update(from: parent, count: depth + 1)
        extend(path, depth, zero: zero, one: one, feature: feature)
        let d = Int(tree.feature[node])
        if d < 0 {
            let value = Double(tree.value[node])
            if depth >= 1 {
                for i in 1...depth {
                    phi[path[i].feature] += unwoundSum(path, depth, i) * (path[i].one - path[i].zero) * value
                }
            }
            return
        }
        let left = Int(tree.left[node]), right = left + 1
        let (hot, cold) = tree.goesLeft(node, value: row[d]) ? (left, right) : (right, left)
        var incomingZero = 1.0, incomingOne = 1.0
        var k = 0
        while k <= depth && path[k].feature != d { k += 1 }
        if k <= depth {
            incomingZero = path[k].zero
            incomingOne = path[k].one
            unwind(path, depth, k)
            depth -= 1
        }
        let cover = Double(tree.cover[node])
        recurse(tree, row: row, node: hot, parent: path, depth: depth + 1,
                zero: incomingZero * Double(tree.cover[hot]) / cover, one: incomingOne, feature: d, phi: phi)
        recurse(tree, row: row, node: cold, parent: path, depth: depth + 1,
                zero: incomingZero * Double(tree.cover[cold]) / cover, one: 0, feature: d, phi: phi)
    }
}
