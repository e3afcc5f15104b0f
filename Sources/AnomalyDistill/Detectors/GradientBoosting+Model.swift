import Foundation

/// A detector whose scores are real logits of "anomaly" (a classifier trained on labels): distillation takes
/// them as the teacher's logits as they are, with no rescaling around a threshold.
public protocol LogitScorer: FittedDetector {}

extension FittedSupervisedNetwork: LogitScorer {}

/// A fitted ``GradientBoosting``: the score is the logit of "anomaly", `baseline + Σ tree values`.
public struct FittedGradientBoosting: LogitScorer, Equatable {
    public static let kind = "gradient_boosting"

    public internal(set) var state: DetectorState
    public internal(set) var trainingScores: [Float]
    let model: BoostedTrees

    init(model: BoostedTrees, state: DetectorState, trainingScores: [Float]) {
        self.model = model
        self.state = state
        self.trainingScores = trainingScores
    }

    /// Number of trees (boosting iterations run).
    public var trees: Int { model.trees.count }
    /// Leaves over all trees.
    public var leaves: Int { model.trees.reduce(0) { $0 + $1.feature.filter { $0 < 0 }.count } }

    /// One comparison per level visited (at most each tree's depth) and one add per tree.
    public var flopsPerRow: Double { Double(model.trees.reduce(0) { $0 + $1.depth + 1 }) }

    /// The logit of each row (NaN = missing, routed as at training).
    ///
    /// - Throws: `DataError.schemaMismatch` when `x` has another number of columns.
    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        return model.logits(x)
    }

    /// σ(logit): the model's probability that each row is an anomaly (with ``GradientBoosting/balancesClasses``,
    /// on the balanced scale).
    public func anomalyProbabilities(_ x: Matrix) throws -> [Float] {
        try scores(x).map { Float(1 / (1 + Foundation.exp(-Double($0)))) }
    }

    // MARK: - Model file

    /// Tensors `baseline` (F32, 1), `tree_offsets` (I32, trees + 1), `feature` (I32, −1 at leaves), `threshold`
    /// (F32), `missing_left` (I32, 0 or 1), `left` (I32, −1 at leaves; the right child is `left + 1`), `value`
    /// (F32, the shrunk leaf values), `cover` (I32, training rows per node); architecture `{trees}`.
    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        let trees = model.trees
        var offsets: [Int32] = [0]
        for tree in trees { offsets.append(offsets.last! + Int32(tree.count)) }
        let count = Int(offsets.last!)
        let tensors = [
            Tensor(name: "baseline", shape: [1], floats: [model.baseline]),
            Tensor(name: "tree_offsets", shape: [offsets.count], int32s: offsets),
            Tensor(name: "feature", shape: [count], int32s: trees.flatMap(\.feature)),
            Tensor(name: "threshold", shape: [count], floats: trees.flatMap(\.threshold)),
            Tensor(name: "missing_left", shape: [count], int32s: trees.flatMap { $0.missingLeft.map { $0 ? 1 : 0 } }),
            Tensor(name: "left", shape: [count], int32s: trees.flatMap(\.left)),
            Tensor(name: "value", shape: [count], floats: trees.flatMap(\.value)),
            Tensor(name: "cover", shape: [count], int32s: trees.flatMap(\.cover)),
        ]
        return (tensors, ["trees": .number(Double(trees.count))])
    }

    /// Rebuilds the trees, checking that each is a well-formed binary tree over the model's features.
    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        func bad(_ reason: String) -> ModelError { .invalidMetadata(file: file.file, reason: reason) }
        let treeCount = try ClassicDetectorSupport.integer(file.metadata.architecture, "trees", file: file.file)
        guard treeCount >= 1 else { throw bad("expected at least 1 tree, found \(treeCount)") }
        let baseline = try ClassicDetectorSupport.floats(file, "baseline", shape: [1])[0]
        guard baseline.isFinite else { throw bad("expected a finite baseline, found \(baseline)") }
        let offsets = try ClassicDetectorSupport.int32s(file, "tree_offsets", shape: [treeCount + 1])
        let count = Int(offsets.last ?? 0)
        guard offsets.first == 0, count >= 1 else { throw bad("expected tree_offsets from 0 to the node count") }
        let feature = try ClassicDetectorSupport.int32s(file, "feature", shape: [count])
        let threshold = try ClassicDetectorSupport.floats(file, "threshold", shape: [count])
        let missing = try ClassicDetectorSupport.int32s(file, "missing_left", shape: [count])
        let left = try ClassicDetectorSupport.int32s(file, "left", shape: [count])
        let value = try ClassicDetectorSupport.floats(file, "value", shape: [count])
        let cover = try ClassicDetectorSupport.int32s(file, "cover", shape: [count])
        var trees: [BoostedTree] = []
        for t in 0..<treeCount {
            let start = Int(offsets[t]), end = Int(offsets[t + 1])
            guard start < end, end <= count else {
                throw bad("expected tree \(t)'s nodes within the \(count) nodes, increasing, found offsets \(start)..<\(end)")
            }
            let n = end - start
            let tree = BoostedTree(
                feature: Array(feature[start..<end]), threshold: Array(threshold[start..<end]),
                bin: [UInt8](repeating: 0, count: n), missingLeft: missing[start..<end].map { $0 != 0 },
                left: Array(left[start..<end]), value: Array(value[start..<end]), cover: Array(cover[start..<end]))
            var parents = [UInt8](repeating: 0, count: n)
            for i in 0..<n {
                guard missing[start + i] == 0 || missing[start + i] == 1 else {
                    throw bad("tree \(t) node \(i): expected missing_left 0 or 1, found \(missing[start + i])")
                }
                guard tree.cover[i] >= 1 else { throw bad("tree \(t) node \(i): expected a cover of at least 1 row, found \(tree.cover[i])") }
                if tree.feature[i] >= 0 {
                    guard Int(tree.feature[i]) < state.featureCount, !tree.threshold[i].isNaN,
                          tree.left[i] > Int32(i), Int(tree.left[i]) + 1 < n
                    else { throw bad("tree \(t) node \(i): expected a feature below \(state.featureCount), a threshold and two children after the node") }
                    guard tree.cover[Int(tree.left[i])] + tree.cover[Int(tree.left[i]) + 1] == tree.cover[i] else {
                        throw bad("tree \(t) node \(i): expected its children's covers to add up to its own \(tree.cover[i])")
                    }
                    parents[Int(tree.left[i])] += 1
                    parents[Int(tree.left[i]) + 1] += 1
                } else {
                    guard tree.feature[i] == -1, tree.left[i] == -1, tree.value[i].isFinite else {
                        throw bad("tree \(t) node \(i): expected a leaf (feature −1, no children) with a finite value")
                    }
                }
            }
            if let orphan = (1..<max(n, 1)).first(where: { parents[$0] != 1 }) {
                throw bad("tree \(t) node \(orphan): expected one parent, found \(parents[orphan])")
            }
            trees.append(tree)
        }
        self.init(model: BoostedTrees(baseline: baseline, trees: trees), state: state, trainingScores: trainingScores)
    }
}
