import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// Isolation forest (Liu et al. 2008): c(n), path lengths of a hand-built tree, the tree growth
/// rules, reproducibility across thread counts.
@Suite struct IsolationForestTests {
    /// c(n) against values computed in double precision with Python's `math` (2(ln(n − 1) + γ) − 2(n − 1)/n).
    @Test("c(n) matches the average unsuccessful-search path length", arguments: [
        (0, 0.0), (1, 0.0), (2, 1.0), (3, 1.207392357589623), (4, 1.8516559071392855),
        (8, 3.2962516279136924), (10, 3.748880484475505), (256, 10.244770920119917),
    ])
    func averagePathLength(n: Int, expected: Double) {
        #expect(IsolationForestStorage.averagePathLength(n).isApproximatelyEqual(to: expected, absoluteTolerance: 1e-12))
    }

    /// Root splits feature 0 at 0.5: left is a leaf of 3 rows (depth 1); right splits feature 1 at 0
    /// into leaves of 1 and 4 rows (depth 2). ψ = 8.
    static let handTree = IsolationTreeBuilder.Tree(
        feature: [0, -1, 1, -1, -1], threshold: [0.5, 0, 0, 0, 0],
        left: [1, -1, 3, -1, -1], right: [2, -1, 4, -1, -1], size: [8, 3, 5, 1, 4])

    static let handCases: [([Float], Double)] = [
        ([0, 0], 1 + 1.207392357589623),  // left leaf: 1 + c(3)
        ([0.5, 7], 1 + 1.207392357589623),  // x ≤ threshold goes left
        ([1, -1], 2.0),  // right-left leaf: 2 + c(1)
        ([1, 0], 2.0),
        ([1, 1], 2 + 1.8516559071392855),  // right-right leaf: 2 + c(4)
    ]

    @Test("a hand-built tree gives depth + c(leaf size)", arguments: handCases)
    func handBuiltTree(row: [Float], expected: Double) {
        let forest = IsolationForestStorage(trees: [Self.handTree], subsample: 8)
        let path = forest.meanPathLengths(Matrix([row]), threads: 1)[0]
        #expect(path.isApproximatelyEqual(to: expected, absoluteTolerance: 1e-6))
        let score = forest.scores(Matrix([row]), threads: 1)[0]
        #expect(Double(score).isApproximatelyEqual(to: pow(2, -expected / 3.2962516279136924), relativeTolerance: 1e-6))
    }

    @Test("the mean path length averages over trees")
    func averageOverTrees() {
        let single = IsolationTreeBuilder.Tree(feature: [-1], threshold: [0], left: [-1], right: [-1], size: [8])
        let forest = IsolationForestStorage(trees: [Self.handTree, single], subsample: 8)
        let path = forest.meanPathLengths(Matrix([[1, 1]]), threads: 1)[0]
        #expect(path.isApproximatelyEqual(to: (2 + 1.8516559071392855 + 3.2962516279136924) / 2, absoluteTolerance: 1e-6))
    }

    @Test("trees respect the depth limit, the subsample and the split rule")
    func growthRules() throws {
        var random = RandomSource(seed: 3)
        let x = PlantedOutliers.make(inliers: 1000, outliers: 0, features: 4, seed: 1).x
        let fitted = try IsolationForest(trees: 20, subsample: 64).fit(x, using: &random)
        #expect(fitted.subsample == 64 && fitted.maxDepth == 6 && fitted.trees == 20)
        for tree in fitted.forest.trees {
            #expect(tree.size[0] == 64)
            var depth = [0]
            for i in 0..<tree.feature.count {
                if i > 0 { #expect(depth[i] <= 6) }
                if tree.feature[i] >= 0 {
                    #expect(tree.size[Int(tree.left[i])] + tree.size[Int(tree.right[i])] == tree.size[i])
                    #expect(tree.size[Int(tree.left[i])] > 0 && tree.size[Int(tree.right[i])] > 0)
                    while depth.count <= Int(tree.right[i]) { depth.append(0) }
                    depth[Int(tree.left[i])] = depth[i] + 1
                    depth[Int(tree.right[i])] = depth[i] + 1
                } else {
                    #expect(tree.size[i] == 1 || depth[i] == 6)
                }
            }
        }
    }

    @Test("constant features are never split on; all-constant nodes become leaves")
    func constantFeatures() throws {
        var rows = [[Float]]()
        for i in 0..<50 { rows.append([3, Float(i % 7), -1]) }
        var random = RandomSource(seed: 9)
        let fitted = try IsolationForest(trees: 10, subsample: 32).fit(Matrix(rows), using: &random)
        for tree in fitted.forest.trees {
            #expect(tree.feature.allSatisfy { $0 == -1 || $0 == 1 })
        }
        #expect(fitted.trainingScores.allSatisfy { $0.isFinite })
    }

    @Test("the forest is the same with 1 and 2 threads", arguments: [1, 3, 100])
    func threadCountIndependence(trees: Int) throws {
        let x = PlantedOutliers.make(inliers: 700, outliers: 20, features: 6, seed: 5).x
        var one = IsolationForest(trees: trees)
        one.threads = 1
        var two = one
        two.threads = 2
        var randomOne = RandomSource(seed: 42), randomTwo = RandomSource(seed: 42)
        let a = try one.fit(x, using: &randomOne)
        let b = try two.fit(x, using: &randomTwo)
        #expect(a.forest == b.forest)
        #expect(a.trainingScores == b.trainingScores)
        var bSerial = b
        bSerial.threads = 1
        #expect(try bSerial.scores(x) == b.scores(x))
    }

    @Test("another seed grows another forest")
    func seedsDiffer() throws {
        let x = PlantedOutliers.make(inliers: 300, outliers: 10, features: 3, seed: 2).x
        var r1 = RandomSource(seed: 1), r2 = RandomSource(seed: 2)
        let a = try IsolationForest(trees: 10).fit(x, using: &r1)
        let b = try IsolationForest(trees: 10).fit(x, using: &r2)
        #expect(a.trainingScores != b.trainingScores)
    }

    @Test("all-identical rows give the finite score 0.5")
    func identicalRows() throws {
        var random = RandomSource(seed: 0)
        let fitted = try IsolationForest().fit(Matrix(rows: 300, columns: 3, repeating: 2), using: &random)
        #expect(fitted.trainingScores.allSatisfy { $0 == 0.5 })
        #expect(try fitted.scores(Matrix([[100, -4, 2]])) == [0.5])
    }

    @Test("fewer rows than the subsample use all rows")
    func smallData() throws {
        var random = RandomSource(seed: 0)
        let fitted = try IsolationForest(subsample: 256).fit(Matrix([[0], [1], [2], [10]]), using: &random)
        #expect(fitted.subsample == 4 && fitted.maxDepth == 2)
        #expect(fitted.trainingScores.allSatisfy { $0.isFinite })
    }

    @Test("a single row is refused with a clear error")
    func singleRow() {
        var random = RandomSource(seed: 0)
        #expect(throws: DataError.self) { try IsolationForest().fit(Matrix([[1, 2]]), using: &random) }
    }

    @Test("a malformed tree in a model file is refused")
    func malformedTree() throws {
        var random = RandomSource(seed: 0)
        let x = PlantedOutliers.make(inliers: 100, outliers: 0, features: 2, seed: 0).x
        let fitted = try IsolationForest(trees: 2, subsample: 16).fit(x, using: &random)
        var (metadata, tensors) = try DetectorFile.encode(fitted)
        tensors = tensors.map { tensor in
            guard tensor.name == "left" else { return tensor }
            var left = (try? tensor.int32s()) ?? []
            left[0] = 0  // a node that is its own child
            return Tensor(name: "left", shape: tensor.shape, int32s: left)
        }
        metadata.kind = FittedIsolationForest.kind
        let file = ModelFile(metadata: metadata, tensors: tensors)
        #expect(throws: ModelError.self) { try DetectorFile.decode(FittedIsolationForest.self, from: file) }
    }
}
