import Foundation

/// A fitted isolation forest (Liu, Ting & Zhou 2008); see ``IsolationForest``.
///
/// Scores are 2^(−E[h(x)] / c(ψ)) in (0, 1], higher = more anomalous: scikit-learn's
/// `-IsolationForest.score_samples(x)` and PyOD's `IForest.decision_function(x) + 0.5` shifted
/// back (PyOD subtracts scikit-learn's offset of −0.5).
public struct FittedIsolationForest: FittedDetector, Equatable {
    public static let kind = "isolation_forest"

    public internal(set) var state: DetectorState
    public internal(set) var trainingScores: [Float]

    /// One comparison per node visited, `trees · c(ψ)` where `c(ψ)` is the average path length of an
    /// unsuccessful search in a binary search tree of `ψ` rows (Liu et al. 2008), plus one add per tree.
    public var flopsPerRow: Double {
        Double(trees) * (IsolationForestStorage.averagePathLength(subsample) + 1)
    }
    /// The subsample size ψ actually used: the configured one, or the number of rows when smaller.
    public var subsample: Int { forest.subsample }
    /// Number of trees.
    public var trees: Int { forest.treeCount }
    /// The depth limit ⌈log₂ ψ⌉.
    public let maxDepth: Int
    /// The subsample size the configuration asked for.
    let requestedSubsample: Int
    let forest: IsolationForestStorage
    /// Threads for scoring; results do not depend on it.
    var threads: Int

    init(forest: IsolationForestStorage, maxDepth: Int, requestedSubsample: Int, threads: Int,
         state: DetectorState, trainingScores: [Float]) {
        self.forest = forest
        self.maxDepth = maxDepth
        self.requestedSubsample = requestedSubsample
        self.threads = threads
        self.state = state
        self.trainingScores = trainingScores
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.state == rhs.state && lhs.trainingScores == rhs.trainingScores && lhs.maxDepth == rhs.maxDepth
            && lhs.requestedSubsample == rhs.requestedSubsample && lhs.forest == rhs.forest
    }

    /// The anomaly score of each row (scikit-learn's `-score_samples`).
    ///
    /// - Throws: `DataError.schemaMismatch` for another number of columns, `DataError.nonFinite`
    ///   naming the row and column of a NaN or infinite value.
    /// - Complexity: O(rows · trees · log ψ), on ``threads`` threads, without allocation per row.
    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        return forest.scores(x, threads: threads)
    }

    /// The mean path length E[h(x)] of each row over the trees.
    func meanPathLengths(_ x: Matrix) throws -> [Double] {
        try checkWidth(x)
        return forest.meanPathLengths(x, threads: threads)
    }
}

// MARK: - Flat storage and scoring

/// All trees of a forest in flat arrays, in the order they were grown, laid out for branch-free
/// scoring.
///
/// A node is `(feature, threshold, left)`; its right child is `left + 1` (the builder always
/// places the two children together). A leaf points to itself with a threshold of +∞, so a row
/// that reached it stays there: every row takes exactly the tree's depth in steps of
/// `node = left + (x[feature] > threshold)`, with no data-dependent branch. `values` holds each
/// leaf's path length, its depth plus c(rows it kept).
struct IsolationForestStorage: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        var feature: Int32
        var threshold: Float
        var left: Int32
    }

    let nodes: [Node]
    /// Path length at leaves (0 elsewhere).
    let values: [Float]
    /// Where each tree starts in `nodes`, plus the end: `treeCount + 1` entries.
    let offsets: [Int32]
    /// The depth of each tree (steps from the root to its deepest leaf).
    let depths: [Int32]
    /// The subsample size ψ.
    let subsample: Int
    /// The trees as grown (children within the tree), for saving.
    let trees: [IsolationTreeBuilder.Tree]

    var treeCount: Int { offsets.count - 1 }

    /// Flattens trees whose structure is valid (children adjacent and after their parent).
    init(trees: [IsolationTreeBuilder.Tree], subsample: Int) {
        self.trees = trees
        self.subsample = subsample
        var nodes = [Node]()
        var values = [Float]()
        var offsets: [Int32] = [0]
        var depths = [Int32]()
        let total = trees.reduce(0) { $0 + $1.feature.count }
        nodes.reserveCapacity(total)
        values.reserveCapacity(total)
        for tree in trees {
            let base = Int32(nodes.count)
            var depth = [Int](repeating: 0, count: tree.feature.count)
            for i in 0..<tree.feature.count {
                if tree.feature[i] >= 0 {
                    depth[Int(tree.left[i])] = depth[i] + 1
                    depth[Int(tree.right[i])] = depth[i] + 1
                    nodes.append(Node(feature: tree.feature[i], threshold: tree.threshold[i], left: base + tree.left[i]))
                    values.append(0)
                } else {
                    let value = Double(depth[i]) + IsolationForestStorage.averagePathLength(Int(tree.size[i]))
                    nodes.append(Node(feature: 0, threshold: .infinity, left: base + Int32(i)))
                    values.append(Float(value))
                }
            }
            depths.append(Int32(depth.max() ?? 0))
            offsets.append(Int32(nodes.count))
        }
        self.nodes = nodes
        self.values = values
        self.offsets = offsets
        self.depths = depths
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.nodes == rhs.nodes && lhs.values == rhs.values && lhs.offsets == rhs.offsets && lhs.subsample == rhs.subsample
    }

    /// Euler–Mascheroni constant, for the harmonic number H(i) ≈ ln i + γ.
    static let eulerGamma = 0.5772156649015329

    /// c(n) = 2H(n − 1) − 2(n − 1)/n, the average path length of an unsuccessful search in a binary
    /// search tree of n keys (Liu et al. 2008, eq. 1), with c(2) = 1 and c(n) = 0 for n ≤ 1 as in
    /// scikit-learn's `_average_path_length`.
    static func averagePathLength(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n - 1)
        return 2 * (Foundation.log(m) + eulerGamma) - 2 * m / Double(n)
    }

    /// The mean path length over the trees of each row.
    func meanPathLengths(_ x: Matrix, threads: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: x.rows)
        let d = x.columns
        let treeCount = self.treeCount
        nodes.withUnsafeBufferPointer { nodes in
            values.withUnsafeBufferPointer { leafValues in
                offsets.withUnsafeBufferPointer { offsets in
                    depths.withUnsafeBufferPointer { depths in
                        x.scalars.withUnsafeBufferPointer { rows in
                            sums.withUnsafeMutableBufferPointer { sums in
                                // Blocks of rows small enough to stay in cache while every tree runs over them.
                                Parallel.forEachChunk(count: x.rows, chunk: 256, threads: threads,
                                                      sharing: (nodes, leafValues, offsets, depths, rows, sums)) { block, shared in
                                    let (nodes, leafValues, offsets, depths, rows, sums) = shared
                                    Self.accumulate(block, nodes: nodes, leafValues: leafValues, offsets: offsets,
                                                    depths: depths, rows: rows, d: d, sums: sums)
                                    for r in block { sums[r] /= Double(treeCount) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return sums
    }

    /// Adds every tree's path length of the rows in `block` to `sums`, eight rows at a time so that
    /// their independent walks overlap in the pipeline.
    @inline(__always)
    private static func accumulate(
        _ block: Range<Int>, nodes: UnsafeBufferPointer<Node>, leafValues: UnsafeBufferPointer<Float>,
        offsets: UnsafeBufferPointer<Int32>, depths: UnsafeBufferPointer<Int32>, rows: UnsafeBufferPointer<Float>,
        d: Int, sums: UnsafeMutableBufferPointer<Double>
    ) {
        let base = nodes.baseAddress!, x = rows.baseAddress!
        for t in 0..<(offsets.count - 1) {
            let root = Int(offsets[t]), steps = Int(depths[t])
            var r = block.lowerBound
            while r + 8 <= block.upperBound {
                var index = (root, root, root, root, root, root, root, root)
                let p = x + r * d
                for _ in 0..<steps {
                    func step(_ i: Int, _ row: UnsafePointer<Float>) -> Int {
                        let node = base[i]
                        return Int(node.left) &+ (row[Int(node.feature)] > node.threshold ? 1 : 0)
                    }
                    index.0 = step(index.0, p)
                    index.1 = step(index.1, p + d)
                    index.2 = step(index.2, p + 2 * d)
                    index.3 = step(index.3, p + 3 * d)
                    index.4 = step(index.4, p + 4 * d)
                    index.5 = step(index.5, p + 5 * d)
                    index.6 = step(index.6, p + 6 * d)
                    index.7 = step(index.7, p + 7 * d)
                }
                sums[r] += Double(leafValues[index.0])
                sums[r + 1] += Double(leafValues[index.1])
                sums[r + 2] += Double(leafValues[index.2])
                sums[r + 3] += Double(leafValues[index.3])
                sums[r + 4] += Double(leafValues[index.4])
                sums[r + 5] += Double(leafValues[index.5])
                sums[r + 6] += Double(leafValues[index.6])
                sums[r + 7] += Double(leafValues[index.7])
                r += 8
            }
            while r < block.upperBound {
                var i = root
                let row = x + r * d
                for _ in 0..<steps {
                    let node = base[i]
                    i = Int(node.left) &+ (row[Int(node.feature)] > node.threshold ? 1 : 0)
                }
                sums[r] += Double(leafValues[i])
                r += 1
            }
        }
    }

    /// 2^(−E[h(x)] / c(ψ)) for each row.
    func scores(_ x: Matrix, threads: Int) -> [Float] {
        let normaliser = IsolationForestStorage.averagePathLength(subsample)
        return meanPathLengths(x, threads: threads).map { Float(exp2(-$0 / normaliser)) }
    }
}

// MARK: - Model file

extension FittedIsolationForest {
    /// Tensors `tree_offsets` (I32, trees + 1: where each tree starts in the node arrays),
    /// `feature` (I32, −1 at leaves), `threshold` (F32, 0 at leaves), `left` and `right` (I32,
    /// children as indices within the tree, −1 at leaves) and `size` (I32, training rows that
    /// reached the node); architecture `{trees, subsample, max_depth, requested_subsample}`.
    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        let trees = forest.trees
        let count = forest.nodes.count
        func flat(_ part: (IsolationTreeBuilder.Tree) -> [Int32]) -> [Int32] { trees.flatMap(part) }
        let tensors = [
            Tensor(name: "tree_offsets", shape: [forest.offsets.count], int32s: forest.offsets),
            Tensor(name: "feature", shape: [count], int32s: flat(\.feature)),
            Tensor(name: "threshold", shape: [count], floats: trees.flatMap(\.threshold)),
            Tensor(name: "left", shape: [count], int32s: flat(\.left)),
            Tensor(name: "right", shape: [count], int32s: flat(\.right)),
            Tensor(name: "size", shape: [count], int32s: flat(\.size)),
        ]
        let architecture: JSONValue = [
            "trees": .number(Double(forest.treeCount)),
            "subsample": .number(Double(forest.subsample)),
            "max_depth": .number(Double(maxDepth)),
            "requested_subsample": .number(Double(requestedSubsample)),
        ]
        return (tensors, architecture)
    }

    /// Rebuilds the forest, checking that every tree is a well-formed binary tree.
    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        let architecture = file.metadata.architecture
        let treeCount = try ClassicDetectorSupport.integer(architecture, "trees", file: file.file)
        let psi = try ClassicDetectorSupport.integer(architecture, "subsample", file: file.file)
        let maxDepth = try ClassicDetectorSupport.integer(architecture, "max_depth", file: file.file)
        let requested = try ClassicDetectorSupport.integer(architecture, "requested_subsample", file: file.file)
        guard treeCount >= 1, psi >= 2 else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected at least 1 tree and a subsample of at least 2, found \(treeCount) and \(psi)")
        }
        let offsets = try ClassicDetectorSupport.int32s(file, "tree_offsets", shape: [treeCount + 1])
        let count = Int(offsets.last ?? 0)
        let feature = try ClassicDetectorSupport.int32s(file, "feature", shape: [count])
        let threshold = try ClassicDetectorSupport.floats(file, "threshold", shape: [count])
        let left = try ClassicDetectorSupport.int32s(file, "left", shape: [count])
        let right = try ClassicDetectorSupport.int32s(file, "right", shape: [count])
        let size = try ClassicDetectorSupport.int32s(file, "size", shape: [count])
        func bad(_ reason: String) -> ModelError { .invalidMetadata(file: file.file, reason: reason) }
        guard offsets.first == 0 else { throw bad("expected tree_offsets to start at 0") }
        var trees = [IsolationTreeBuilder.Tree]()
        for t in 0..<treeCount {
            let start = Int(offsets[t]), end = Int(offsets[t + 1])
            guard start < end, end <= count else {
                throw bad("expected tree \(t)'s nodes within the \(count) nodes, increasing, found offsets \(start)..<\(end)")
            }
            let n = end - start
            guard n <= 2 * psi - 1 else {
                throw bad("tree \(t): expected at most \(2 * psi - 1) nodes for a subsample of \(psi), found \(n)")
            }
            let tree = IsolationTreeBuilder.Tree(
                feature: Array(feature[start..<end]), threshold: Array(threshold[start..<end]),
                left: Array(left[start..<end]), right: Array(right[start..<end]), size: Array(size[start..<end]))
            // Every node but the root has exactly one parent, which comes before it: the nodes form one tree.
            var parents = [UInt8](repeating: 0, count: n)
            for i in 0..<n {
                if tree.feature[i] >= 0 {
                    guard Int(tree.feature[i]) < state.featureCount, tree.threshold[i].isFinite,
                          tree.left[i] > Int32(i), tree.right[i] == tree.left[i] + 1, Int(tree.right[i]) < n
                    else { throw bad("tree \(t) node \(i): expected a feature below \(state.featureCount), a finite threshold and adjacent children after the node") }
                    guard tree.size[i] >= 2, Int(tree.size[i]) <= psi else {
                        throw bad("tree \(t) node \(i): expected a split of 2 to \(psi) rows, found \(tree.size[i])")
                    }
                    parents[Int(tree.left[i])] += 1
                    parents[Int(tree.right[i])] += 1
                } else {
                    guard tree.feature[i] == -1, tree.size[i] >= 1, Int(tree.size[i]) <= psi else {
                        throw bad("tree \(t) node \(i): expected a leaf (feature −1) of 1 to \(psi) rows, found feature \(tree.feature[i]), size \(tree.size[i])")
                    }
                }
            }
            if let orphan = (1..<max(n, 1)).first(where: { parents[$0] != 1 }) {
                throw bad("tree \(t) node \(orphan): expected one parent, found \(parents[orphan])")
            }
            trees.append(tree)
        }
        self.init(forest: IsolationForestStorage(trees: trees, subsample: psi), maxDepth: maxDepth,
                  requestedSubsample: requested, threads: ClassicDetectorSupport.defaultThreads,
                  state: state, trainingScores: trainingScores)
    }
}
