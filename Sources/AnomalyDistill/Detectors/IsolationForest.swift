import Foundation

/// Isolation forest: anomalies are the rows that random axis-parallel splits isolate in few steps.
///
/// Liu, Ting & Zhou 2008, "Isolation Forest" (ICDM), and 2012, "Isolation-Based Anomaly Detection"
/// (ACM TKDD 6(1)). Each tree is grown on a random subsample of `subsample` rows drawn without
/// replacement, to a depth of at most ⌈log₂ ψ⌉: at each node a feature is drawn at random among the
/// features that are not constant on the node's rows (the node becomes a leaf when all are
/// constant, as scikit-learn does) and the split point is drawn uniformly between the node's
/// minimum and maximum of that feature; rows with `x ≤ split` go left. A row's path length in a
/// tree is the depth of the leaf it reaches plus c(n) for the n training rows that leaf kept,
/// where c(n) = 2H(n − 1) − 2(n − 1)/n is the average path length of an unsuccessful search in a
/// binary search tree (c(2) = 1, c(1) = c(0) = 0). The score is 2^(−E[h(x)] / c(ψ)): near 1 for
/// anomalies, below 0.5 for inliers.
///
/// Corresponds to PyOD's `IForest` and to scikit-learn's `IsolationForest` with
/// `n_estimators = trees`, `max_samples = subsample`, `max_features = 1.0`, `bootstrap = False`;
/// the score is scikit-learn's `-score_samples(x)` (its sign flipped so that higher = more anomalous).
public struct IsolationForest: Detector, Equatable {
    /// Number of trees (scikit-learn's `n_estimators`).
    public var trees: Int
    /// Rows drawn for each tree, without replacement (scikit-learn's `max_samples`); a data set with
    /// fewer rows uses all of them.
    public var subsample: Int
    /// The expected fraction of anomalies (PyOD's `contamination`).
    public var contamination: Double
    /// Threads for fitting and scoring; `nil` uses the active processors. Results do not depend on it.
    var threads: Int?

    /// An isolation forest configuration.
    ///
    /// - Parameters:
    ///   - trees: Number of trees, at least 1 (default 100, as scikit-learn and PyOD).
    ///   - subsample: Rows per tree, at least 2 (default 256, the papers' ψ).
    ///   - contamination: Expected fraction of anomalies in (0, 0.5] (default 0.1).
    public init(trees: Int = 100, subsample: Int = 256, contamination: Double = Contamination.default) {
        self.trees = trees
        self.subsample = subsample
        self.contamination = contamination
    }

    public var description: String {
        "IsolationForest(trees: \(trees), subsample: \(subsample), contamination: \(contamination))"
    }

    /// - Throws: `ConfigurationError.invalidSetting` for `trees < 1`, `subsample < 2` or a contamination
    ///   outside (0, 0.5].
    public func validate() throws {
        try SettingLimits.check(trees, in: SettingLimits.trees, name: "trees")
        try SettingLimits.check(subsample, in: SettingLimits.subsample, name: "subsample")
        try Contamination.validate(contamination)
        if let threads, threads < 1 {
            throw ConfigurationError.invalidSetting(name: "threads", reason: "expected at least 1 thread, found \(threads)")
        }
    }

    /// Grows the forest on the rows of `x` and scores them.
    ///
    /// One generator per tree is split off `random` before the trees are grown in parallel, so the
    /// forest is the same whatever the number of threads.
    ///
    /// - Parameters:
    ///   - x: Training rows (at least 2), finite values.
    ///   - labels: Ignored.
    ///   - random: The seeded generator.
    /// - Returns: The fitted forest with its training scores and threshold.
    /// - Throws: `ConfigurationError.invalidSetting` for a bad configuration or fewer than 2 rows,
    ///   `DataError.nonFinite` naming the row and column of a NaN or infinite value,
    ///   `TrainingError.noTrainingRows` for an empty matrix.
    /// - Complexity: O(trees · ψ · log ψ · d) to grow (d only for nodes with constant features),
    ///   plus scoring the n training rows.
    public func fit(_ x: Matrix, labels: [Int]? = nil, using random: inout RandomSource) throws -> FittedIsolationForest {
        try validate()
        try ClassicDetectorSupport.checkTraining(x, minimumRows: 2)
        let psi = min(subsample, x.rows)
        // At most 2ψ − 1 nodes a tree, each a split (feature, threshold, children) or a leaf size.
        try SettingLimits.checkMemory(Double(trees) * Double(2 * psi) * 24, for: "an isolation forest of \(trees) trees of \(psi) rows")
        let maxDepth = Int((log2(Double(max(psi, 2)))).rounded(.up))
        let generators = (0..<trees).map { _ in random.split() }
        let threadCount = threads ?? ClassicDetectorSupport.defaultThreads
        var built = [IsolationTreeBuilder.Tree](repeating: .init(), count: trees)
        Parallel.fill(&built, chunk: 1, threads: threadCount) { range, output in
            for t in range {
                var generator = generators[t]
                output[t] = IsolationTreeBuilder.grow(x, subsample: psi, maxDepth: maxDepth, using: &generator)
            }
        }
        let forest = IsolationForestStorage(trees: built, subsample: psi)
        let scores = forest.scores(x, threads: threadCount)
        let state = try DetectorState(trainingScores: scores, contamination: contamination, featureCount: x.columns)
        return FittedIsolationForest(forest: forest, maxDepth: maxDepth, requestedSubsample: subsample,
                                     threads: threadCount, state: state, trainingScores: scores)
    }
}

/// Grows one isolation tree.
enum IsolationTreeBuilder {
    /// One tree as parallel arrays; children are indices within the tree, -1 at leaves.
    struct Tree: Sendable, Equatable {
        var feature: [Int32] = []
        var threshold: [Float] = []
        var left: [Int32] = []
        var right: [Int32] = []
        var size: [Int32] = []
    }

    /// `count` distinct indices from `0..<population` in random order: a partial Fisher–Yates
    /// shuffle when the subsample is a large part of the rows, else draws with rejection of repeats,
    /// which costs O(count) rather than O(population).
    static func sampleWithoutReplacement(_ count: Int, from population: Int, using random: inout RandomSource) -> [Int] {
        if count * 8 >= population { return random.sample(count, from: population) }
        var seen = Set<Int>(minimumCapacity: 2 * count)
        var chosen = [Int]()
        chosen.reserveCapacity(count)
        while chosen.count < count {
            let index = random.index(below: population)
            if seen.insert(index).inserted { chosen.append(index) }
        }
        return chosen
    }

    /// A tree grown on `subsample` rows of `x` drawn without replacement.
    static func grow(_ x: Matrix, subsample psi: Int, maxDepth: Int, using random: inout RandomSource) -> Tree {
        let d = x.columns
        let chosen = sampleWithoutReplacement(psi, from: x.rows, using: &random)
        // The subsample's rows, contiguous: the tree only ever reads these.
        let sample = x.rows(at: chosen).scalars
        var tree = Tree()
        tree.feature.reserveCapacity(2 * psi)
        var order = Array(0..<psi)
        var pool = Array(0..<d)
        // (node, start, end, depth) of the nodes still to split.
        var stack: [(node: Int, start: Int, end: Int, depth: Int)] = [(0, 0, psi, 0)]
        func addNode(size: Int) {
            tree.feature.append(-1)
            tree.threshold.append(0)
            tree.left.append(-1)
            tree.right.append(-1)
            tree.size.append(Int32(size))
        }
        addNode(size: psi)
        sample.withUnsafeBufferPointer { values in
            while let (node, start, end, depth) = stack.popLast() {
                let count = end - start
                guard count >= 2, depth < maxDepth else { continue }
                // Draw features without replacement until one is not constant on the node.
                var remaining = d
                var split: (feature: Int, threshold: Float)?
                while remaining > 0 {
                    let j = random.index(below: remaining)
                    let f = pool[j]
                    var low = values[order[start] * d + f], high = low
                    for i in (start + 1)..<end {
                        let v = values[order[i] * d + f]
                        low = min(low, v)
                        high = max(high, v)
                    }
                    if high > low {
                        let u = random.uniform()
                        var t = Float(Double(low) + (Double(high) - Double(low)) * u)
                        if t >= high { t = low }
                        split = (f, t)
                        break
                    }
                    remaining -= 1
                    pool.swapAt(j, remaining)
                }
                guard let split else { continue }
                // Partition: rows with x ≤ threshold first.
                var i = start, j = end - 1
                while i <= j {
                    if values[order[i] * d + split.feature] <= split.threshold {
                        i += 1
                    } else {
                        order.swapAt(i, j)
                        j -= 1
                    }
                }
                let leftIndex = tree.feature.count
                addNode(size: i - start)
                addNode(size: end - i)
                tree.feature[node] = Int32(split.feature)
                tree.threshold[node] = split.threshold
                tree.left[node] = Int32(leftIndex)
                tree.right[node] = Int32(leftIndex + 1)
                stack.append((leftIndex + 1, i, end, depth + 1))
                stack.append((leftIndex, start, i, depth + 1))
            }
        }
        return tree
    }
}
