import Foundation

/// One regression tree of a boosted model, as parallel node arrays (children of node i at `left[i]` and
/// `left[i] + 1`, after i). A row goes left when its value is at most `threshold` (NaN: `missingLeft`).
struct BoostedTree: Sendable, Equatable {
    /// Split feature, −1 at a leaf.
    var feature: [Int32] = []
    /// Split value (the bin edge), 0 at a leaf.
    var threshold: [Float] = []
    /// The split's bin (left: bin ≤ it), for the binned rows of training.
    var bin: [UInt8] = []
    /// Where a missing value goes.
    var missingLeft: [Bool] = []
    /// Left child, −1 at a leaf (the right child is `left + 1`).
    var left: [Int32] = []
    /// Leaf value (shrunk), 0 at an inner node.
    var value: [Float] = []
    /// Training rows that reached the node (TreeSHAP's cover).
    var cover: [Int32] = []

    var count: Int { feature.count }

    mutating func addLeaf(cover rows: Int) -> Int {
        feature.append(-1); threshold.append(0); bin.append(0); missingLeft.append(false); left.append(-1); value.append(0)
        cover.append(Int32(rows))
        return count - 1
    }

    /// Whether a raw value (NaN = missing) goes to inner node i's left child.
    @inline(__always)
    func goesLeft(_ i: Int, value v: Float) -> Bool { v.isNaN ? missingLeft[i] : v <= threshold[i] }

    /// Whether a binned value goes to inner node i's left child.
    @inline(__always)
    func goesLeft(_ i: Int, bin b: Int) -> Bool { b == FeatureBinner.missingBin ? missingLeft[i] : b <= Int(bin[i]) }

    /// The leaf a row of raw values reaches.
    @inline(__always)
    func leaf(_ row: UnsafePointer<Float>) -> Int {
        var i = 0
        while feature[i] >= 0 { i = Int(left[i]) + (goesLeft(i, value: row[Int(feature[i])]) ? 0 : 1) }
        return i
    }

    /// The leaf a row reaches through its bins (`bins[feature · rowCount + row]`).
    func leafOfBinned(_ bins: [UInt8], row: Int, rowCount: Int) -> Int {
        var i = 0
        while feature[i] >= 0 {
            i = Int(left[i]) + (goesLeft(i, bin: Int(bins[Int(feature[i]) * rowCount + row])) ? 0 : 1)
        }
        return i
    }

    /// Edges from the root to the deepest leaf.
    var depth: Int {
        var depths = [Int](repeating: 0, count: count), deepest = 0
        for i in 0..<count where feature[i] >= 0 {
            let child = Int(left[i])
            depths[child] = depths[i] + 1
            depths[child + 1] = depths[i] + 1
            deepest = max(deepest, depths[i] + 1)
        }
        return deepest
    }
}

/// The boosted model: `baseline + Σ trees`, the logit of "anomaly".
struct BoostedTrees: Sendable, Equatable {
    var baseline: Float
    var trees: [BoostedTree]

    /// The logit of every row (NaN = missing), summed in tree order in double precision; rows in parallel.
    func logits(_ x: Matrix) -> [Float] {
        var result = [Float](repeating: 0, count: x.rows)
        let columns = x.columns
        let threads = x.rows >= 8_192 ? ClassicDetectorSupport.defaultThreads : 1
        x.scalars.withUnsafeBufferPointer { values in
            result.withUnsafeMutableBufferPointer { out in
                Parallel.forEachChunk(count: x.rows, chunk: 2_048, threads: threads, sharing: (values, out)) { range, s in
                    let (values, out) = s
                    for r in range {
                        let row = values.baseAddress! + r * columns
                        var sum = Double(baseline)
                        for tree in trees { sum += Double(tree.value[tree.leaf(row)]) }
                        out[r] = Float(sum)
                    }
                }
            }
        }
        return result
    }
}

/// Grows one tree leaf-wise on binned rows (see ``GradientBoosting``).
struct BoostedTreeBuilder {
    let bins: [UInt8]
    let rowCount: Int
    let features: Int
    let binCounts: [Int]
    let edges: [[Float]]
    let maxLeafNodes: Int
    let maxDepth: Int?
    let minSamplesLeaf: Int
    let lambda: Double
    let learningRate: Double

    /// Where each feature's histogram slots start: its non-missing bins, then one slot for missing values
    /// (a one-hot column takes 3 slots, not 256).
    let slotOffsets: [Int]

    init(bins: [UInt8], rowCount: Int, features: Int, binCounts: [Int], edges: [[Float]], maxLeafNodes: Int,
         maxDepth: Int?, minSamplesLeaf: Int, lambda: Double, learningRate: Double) {
        self.bins = bins
        self.rowCount = rowCount
        self.features = features
        self.binCounts = binCounts
        self.edges = edges
        self.maxLeafNodes = maxLeafNodes
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.lambda = lambda
        self.learningRate = learningRate
        var offsets = [0]
        for count in binCounts { offsets.append(offsets.last! + count + 1) }
        slotOffsets = offsets
    }

    /// Gradient and hessian sums and row counts per (feature, bin slot).
    struct Histogram {
        var g: [Double]
        var h: [Double]
        var c: [Int32]

        /// Subtracts a child's histogram in place (the parent's becomes its sibling's).
        mutating func subtract(_ b: Histogram) {
            g.withUnsafeMutableBufferPointer { g in b.g.withUnsafeBufferPointer { bg in
                for i in 0..<g.count { g[i] -= bg[i] } } }
            h.withUnsafeMutableBufferPointer { h in b.h.withUnsafeBufferPointer { bh in
                for i in 0..<h.count { h[i] -= bh[i] } } }
            c.withUnsafeMutableBufferPointer { c in b.c.withUnsafeBufferPointer { bc in
                for i in 0..<c.count { c[i] -= bc[i] } } }
        }
    }

    struct Split {
        var feature: Int
        var bin: Int
        var missingLeft: Bool
        var gain: Double
        var leftG: Double
        var leftH: Double
    }

    struct Candidate {
        var node: Int
        var rows: [Int]
        var g: Double
        var h: Double
        var depth: Int
        var histogram: Histogram
        var split: Split?
    }

    func histogram(_ rows: [Int], _ gradient: [Float], _ hessian: [Float]) -> Histogram {
        let size = slotOffsets[features]
        let slotOffsets = slotOffsets, binCounts = binCounts
        var g = [Double](repeating: 0, count: size), h = [Double](repeating: 0, count: size)
        var c = [Int32](repeating: 0, count: size)
        let rowCount = rowCount
        let threads = rows.count * features >= 65_536 ? ClassicDetectorSupport.defaultThreads : 1
        g.withUnsafeMutableBufferPointer { g in
            h.withUnsafeMutableBufferPointer { h in
                c.withUnsafeMutableBufferPointer { c in
                    bins.withUnsafeBufferPointer { bins in
                        rows.withUnsafeBufferPointer { rows in
                            gradient.withUnsafeBufferPointer { gradient in
                                hessian.withUnsafeBufferPointer { hessian in
                                    // Each feature's bins are written by one thread only; rows are summed in order.
                                    Parallel.forEachChunk(count: features, chunk: 1, threads: threads,
                                                          sharing: (g, h, c, bins, rows, gradient, hessian)) { range, s in
                                        let (g, h, c, bins, rows, gradient, hessian) = s
                                        for f in range {
                                            let column = bins.baseAddress! + f * rowCount
                                            let base = slotOffsets[f], last = binCounts[f]
                                            for r in rows {
                                                // The missing bin (255) goes to the feature's last slot.
                                                let b = base + min(Int(column[r]), last)
                                                g[b] += Double(gradient[r])
                                                h[b] += Double(hessian[r])
                                                c[b] += 1
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Histogram(g: g, h: h, c: c)
    }

    /// The best split of a node (largest gain > 0 meeting the leaf constraints), or `nil`.
    func bestSplit(_ histogram: Histogram, g: Double, h: Double, count: Int) -> Split? {
        let parent = g * g / (h + lambda)
        var best: Split?
        for f in 0..<features {
            let base = slotOffsets[f], bins = binCounts[f]
            let mg = histogram.g[base + bins], mh = histogram.h[base + bins], mc = Int(histogram.c[base + bins])
            var lg = 0.0, lh = 0.0, lc = 0
            func consider(_ bin: Int, _ sg: Double, _ sh: Double, _ sc: Int, missingLeft: Bool) {
                let rc = count - sc
                guard sc >= minSamplesLeaf, rc >= minSamplesLeaf, sh >= 1e-3, h - sh >= 1e-3 else { return }
                let rg = g - sg, rh = h - sh
                let gain = sg * sg / (sh + lambda) + rg * rg / (rh + lambda) - parent
                if gain > 1e-12, gain > (best?.gain ?? 0) {
                    best = Split(feature: f, bin: bin, missingLeft: missingLeft, gain: gain, leftG: sg, leftH: sh)
                }
            }
            for b in 0..<bins {
                lg += histogram.g[base + b]
                lh += histogram.h[base + b]
                lc += Int(histogram.c[base + b])
                if mc > 0 {
                    if b < bins - 1 { consider(b, lg, lh, lc, missingLeft: false) }
                    consider(b, lg + mg, lh + mh, lc + mc, missingLeft: true)
                } else if b < bins - 1 {
                    // No missing value at training: NaN follows the larger side.
                    consider(b, lg, lh, lc, missingLeft: lc >= count - lc)
                }
            }
        }
        return best
    }

    /// Grows a tree on `rows` and returns it with the training rows of each leaf.
    func grow(rows: [Int], gradient: [Float], hessian: [Float]) -> (tree: BoostedTree, leafRows: [(Int, [Int])]) {
        var tree = BoostedTree()
        let root = tree.addLeaf(cover: rows.count)
        var g = 0.0, h = 0.0
        for r in rows { g += Double(gradient[r]); h += Double(hessian[r]) }
        let rootHistogram = histogram(rows, gradient, hessian)
        func splittable(_ count: Int, _ depth: Int) -> Bool {
            count >= 2 * minSamplesLeaf && (maxDepth.map { depth < $0 } ?? true)
        }
        var open = [Candidate(node: root, rows: rows, g: g, h: h, depth: 0, histogram: rootHistogram,
                              split: splittable(rows.count, 0) ? bestSplit(rootHistogram, g: g, h: h, count: rows.count) : nil)]
        var leaves = 1
        while leaves < maxLeafNodes {
            // The open leaf with the largest gain (the first on ties).
            var chosen: Int?
            for (i, candidate) in open.enumerated() {
                if let gain = candidate.split?.gain, gain > (chosen.flatMap { open[$0].split?.gain } ?? 0) { chosen = i }
            }
            guard let index = chosen else { break }
            var parent = open.remove(at: index)
            let split = parent.split!
            tree.feature[parent.node] = Int32(split.feature)
            tree.bin[parent.node] = UInt8(split.bin)
            let edgesOfFeature = edges[split.feature]
            tree.threshold[parent.node] = split.bin < edgesOfFeature.count ? edgesOfFeature[split.bin] : .greatestFiniteMagnitude
            tree.missingLeft[parent.node] = split.missingLeft
            let column = split.feature * rowCount
            var leftRows: [Int] = [], rightRows: [Int] = []
            leftRows.reserveCapacity(parent.rows.count)
            for r in parent.rows {
                if tree.goesLeft(parent.node, bin: Int(bins[column + r])) { leftRows.append(r) } else { rightRows.append(r) }
            }
            let leftChild = tree.addLeaf(cover: leftRows.count)
            _ = tree.addLeaf(cover: rightRows.count)
            tree.left[parent.node] = Int32(leftChild)
            let smallerIsLeft = leftRows.count <= rightRows.count
            let small = histogram(smallerIsLeft ? leftRows : rightRows, gradient, hessian)
            var large = parent.histogram
            parent.histogram = Histogram(g: [], h: [], c: [])  // the parent's sums become the sibling's, no copy
            large.subtract(small)
            let (leftHistogram, rightHistogram) = smallerIsLeft ? (small, large) : (large, small)
            let depth = parent.depth + 1
            let children = [
                (leftChild, leftRows, split.leftG, split.leftH, leftHistogram),
                (leftChild + 1, rightRows, parent.g - split.leftG, parent.h - split.leftH, rightHistogram),
            ]
            for (node, childRows, cg, ch, childHistogram) in children {
                open.append(Candidate(
                    node: node, rows: childRows, g: cg, h: ch, depth: depth, histogram: childHistogram,
                    split: splittable(childRows.count, depth) ? bestSplit(childHistogram, g: cg, h: ch, count: childRows.count) : nil))
            }
            leaves += 1
        }
        var leafRows: [(Int, [Int])] = []
        for candidate in open {
            tree.value[candidate.node] = Float(-candidate.g / (candidate.h + lambda) * learningRate)
            leafRows.append((candidate.node, candidate.rows))
        }
        return (tree, leafRows)
    }
}
