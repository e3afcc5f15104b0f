import Foundation
import Testing

@testable import AnomalyDistill

/// Small labelled problems for the gradient-boosted teacher.
enum BoostingProblems {
    /// `rows` rows of `features` uniform features in [−1, 1]; label 1 when x0 and x1 have different signs
    /// (XOR: no linear score separates it, two levels of splits do), `flip` of the labels flipped.
    static func xor(rows: Int, features: Int = 4, flip: Double = 0.02, seed: UInt64) -> (x: Matrix, labels: [Int]) {
        var random = RandomSource(seed: seed)
        var x = Matrix(rows: rows, columns: features)
        var labels: [Int] = []
        for r in 0..<rows {
            for c in 0..<features { x[r, c] = random.uniformFloat() * 2 - 1 }
            var label = (x[r, 0] > 0) != (x[r, 1] > 0) ? 1 : 0
            if Double(random.uniformFloat()) < flip { label = 1 - label }
            labels.append(label)
        }
        return (x, labels)
    }
}

@Suite struct GradientBoostingTests {
    static func auc(_ scores: [Float], _ labels: [Int]) throws -> Double {
        try Metrics.rocAUC(scores: scores.map(Double.init), labels: labels)
    }

    @Test("learns XOR, which no linear score can (ROC-AUC on fresh rows > 0.95), and scores are its logits")
    func xor() throws {
        let train = BoostingProblems.xor(rows: 800, seed: 1), test = BoostingProblems.xor(rows: 400, seed: 2)
        var random = RandomSource(seed: 3)
        let fitted = try GradientBoosting(maxIterations: 60).fit(train.x, labels: train.labels, using: &random)
        let scores = try fitted.scores(test.x)
        #expect(try Self.auc(scores, test.labels) > 0.95)
        // The logit sign agrees with the majority of fresh rows' labels (a calibrated classifier, not a ranking only).
        let correct = zip(scores, test.labels).filter { ($0 > 0) == ($1 == 1) }.count
        #expect(Double(correct) / Double(test.labels.count) > 0.9)
        #expect(fitted.trees == 60)
        #expect(fitted.trainingScores == (try fitted.scores(train.x)))
        let probabilities = try fitted.anomalyProbabilities(test.x)
        #expect(probabilities.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test("the same seed gives the same model; the threshold flags the contamination share of training rows")
    func reproducible() throws {
        let data = BoostingProblems.xor(rows: 300, seed: 4)
        var a = RandomSource(seed: 9), b = RandomSource(seed: 9)
        let detector = GradientBoosting(maxIterations: 20, earlyStopping: .on, contamination: 0.2)
        let first = try detector.fit(data.x, labels: data.labels, using: &a)
        let second = try detector.fit(data.x, labels: data.labels, using: &b)
        #expect(first == second)
        let flagged = first.trainingScores.filter { Double($0) > first.threshold }.count
        #expect(abs(Double(flagged) / 300 - 0.2) < 0.05)
    }

    @Test("early stopping ends training when the validation loss stops improving")
    func earlyStopping() throws {
        // Labels independent of the features: the validation loss cannot improve for long.
        var random = RandomSource(seed: 5)
        var x = Matrix(rows: 600, columns: 3)
        for i in 0..<x.scalars.count { x.scalars[i] = random.uniformFloat() }
        let labels = (0..<600).map { _ in random.index(below: 2) }
        let fitted = try GradientBoosting(maxIterations: 200, earlyStopping: .on, patience: 5)
            .fit(x, labels: labels, using: &random)
        #expect(fitted.trees < 200)
        let all = try GradientBoosting(maxIterations: 30, earlyStopping: .off).fit(x, labels: labels, using: &random)
        #expect(all.trees == 30)
    }

    @Test("missing values get a bin of their own and are routed by the split: informative missingness is learned")
    func missingValues() throws {
        var random = RandomSource(seed: 6)
        var x = Matrix(rows: 500, columns: 3)
        var labels: [Int] = []
        for r in 0..<500 {
            for c in 0..<3 { x[r, c] = random.uniformFloat() }
            let anomaly = r % 10 == 0
            if anomaly { x[r, 1] = .nan }
            labels.append(anomaly ? 1 : 0)
        }
        let fitted = try GradientBoosting(maxIterations: 20, minSamplesLeaf: 5).fit(x, labels: labels, using: &random)
        #expect(try Self.auc(fitted.trainingScores, labels) > 0.99)
        // A fresh row with the value missing is an anomaly, one with it present is not.
        let fresh = Matrix([[0.5, .nan, 0.5], [0.5, 0.5, 0.5]])
        let scores = try fitted.scores(fresh)
        #expect(scores[0] > 0 && scores[1] < 0)
    }

    @Test("a model file round trip scores bitwise the same")
    func roundTrip() throws {
        let data = BoostingProblems.xor(rows: 300, seed: 7)
        var random = RandomSource(seed: 1)
        let fitted = try GradientBoosting(maxIterations: 15).fit(data.x, labels: data.labels, using: &random)
        let loaded = try NeuralDetectorProblems.roundTrip(fitted)
        #expect(try loaded.scores(data.x) == (try fitted.scores(data.x)))
        #expect(loaded.trees == fitted.trees && loaded.threshold == fitted.threshold)
        let registered = try ModelRegistry.decode(ModelFile(metadata: try DetectorFile.encode(fitted).metadata,
                                                            tensors: try DetectorFile.encode(fitted).tensors))
        #expect(registered.detector is FittedGradientBoosting)
        let soft = try SoftTargets(teacher: fitted, temperature: 2)
        #expect(soft.threshold == 0 && soft.spread == 1, "the teacher's real logits are distilled")
    }

    @Test("a malformed tree in a model file is refused", arguments: ["left", "feature", "missing_left", "value", "cover"])
    func malformedTree(tensorName: String) throws {
        let data = BoostingProblems.xor(rows: 200, seed: 8)
        var random = RandomSource(seed: 1)
        let fitted = try GradientBoosting(maxIterations: 3).fit(data.x, labels: data.labels, using: &random)
        var (metadata, tensors) = try DetectorFile.encode(fitted)
        tensors = tensors.map { tensor in
            guard tensor.name == tensorName else { return tensor }
            if tensor.name == "value" {
                var values = (try? tensor.floats()) ?? []
                if let leaf = fitted.model.trees[0].feature.firstIndex(of: -1) { values[leaf] = .infinity }
                return Tensor(name: tensor.name, shape: tensor.shape, floats: values)
            }
            var values = (try? tensor.int32s()) ?? []
            switch tensor.name {
            case "left": values[0] = 0  // the root its own child
            case "feature": values[0] = 99  // a feature the model does not have
            default: values[0] = 2  // not a boolean
            }
            return Tensor(name: tensor.name, shape: tensor.shape, int32s: values)
        }
        let file = ModelFile(metadata: metadata, tensors: tensors)
        #expect(throws: ModelError.self) { try DetectorFile.decode(FittedGradientBoosting.self, from: file) }
    }

    @Test("bad input and settings are clear errors")
    func errors() throws {
        var random = RandomSource(seed: 0)
        let data = BoostingProblems.xor(rows: 50, seed: 9)
        #expect(throws: TrainingError.labelsRequired(detector: "gradient_boosting")) {
            try GradientBoosting().fit(data.x, labels: nil, using: &random)
        }
        // Each error says what was wrong and where.
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return String(describing: error) }
            return "no error"
        }
        #expect(throws: DataError.singleClassLabels(context: "gradient boosting training labels", label: 0)) {
            try GradientBoosting().fit(data.x, labels: [Int](repeating: 0, count: 50), using: &random)
        }
        var infinite = data.x
        infinite[3, 1] = .infinity
        let nonFinite = message { _ = try GradientBoosting().fit(infinite, labels: data.labels, using: &random) }
        #expect(nonFinite.contains("inf") && nonFinite.contains("row 4, column 2"), "\(nonFinite)")
        let badLabel = message { _ = try GradientBoosting().fit(data.x, labels: [2] + data.labels.dropFirst(), using: &random) }
        #expect(badLabel.contains("expected 0 or 1, found 2 at row 1"), "\(badLabel)")
        let short = message { _ = try GradientBoosting().fit(data.x, labels: Array(data.labels.dropFirst()), using: &random) }
        #expect(short.contains("expected 50 labels, found 49"), "\(short)")
        for bad in [GradientBoosting(maxIterations: 0), GradientBoosting(learningRate: 0), GradientBoosting(maxLeafNodes: 1),
                    GradientBoosting(maxDepth: 0), GradientBoosting(minSamplesLeaf: 0), GradientBoosting(l2Regularization: -1),
                    GradientBoosting(maxBins: 256), GradientBoosting(validationFraction: 1), GradientBoosting(patience: 0)] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try bad.validate() }
        }
    }

    @Test("the catalog builds it by name with the tree count and learning rate given")
    func catalog() throws {
        var options = DetectorOptions(contamination: 0.05)
        options.trees = 7
        options.learningRate = 0.3
        let detector = try #require(try DetectorCatalog.make("gbt", options: options) as? GradientBoosting)
        #expect(detector.maxIterations == 7 && detector.learningRate == 0.3 && detector.contamination == 0.05)
    }

    /// A tree's expected output given the features in `present` (bit mask) at the row's values, the others
    /// averaged over the training rows at each node (the covers): the coalition value TreeSHAP's Shapley values use.
    static func conditional(_ tree: BoostedTree, _ row: [Float], _ present: Int, node: Int = 0) -> Double {
        let d = Int(tree.feature[node])
        guard d >= 0 else { return Double(tree.value[node]) }
        let left = Int(tree.left[node]), right = left + 1
        if present & (1 << d) != 0 {
            let v = row[d]
            let goesLeft = v.isNaN ? tree.missingLeft[node] : v <= tree.threshold[node]
            return conditional(tree, row, present, node: goesLeft ? left : right)
        }
        let cover = Double(tree.cover[node])
        return (Double(tree.cover[left]) * conditional(tree, row, present, node: left)
            + Double(tree.cover[right]) * conditional(tree, row, present, node: right)) / cover
    }

    @Test("TreeSHAP equals the Shapley values computed from their definition, and adds up to logit − expected logit")
    func treeShap() throws {
        let data = BoostingProblems.xor(rows: 400, features: 4, seed: 10)
        var random = RandomSource(seed: 2)
        let fitted = try GradientBoosting(maxIterations: 5, maxLeafNodes: 8, minSamplesLeaf: 10)
            .fit(data.x, labels: data.labels, using: &random)
        let rows = Matrix(rows: 12, columns: 4, scalars: Array(data.x.scalars.prefix(48)))
        let explained = try fitted.attributions(rows, baseline: [])
        let m = 4
        func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
        for r in 0..<rows.rows {
            let row = (0..<m).map { rows[r, $0] }
            var total: Float = 0
            for j in 0..<m {
                var exact = 0.0
                for subset in 0..<(1 << m) where subset & (1 << j) == 0 {
                    let size = subset.nonzeroBitCount
                    let weight = factorial(size) * factorial(m - size - 1) / factorial(m)
                    for tree in fitted.model.trees {
                        exact += weight * (Self.conditional(tree, row, subset | (1 << j)) - Self.conditional(tree, row, subset))
                    }
                }
                #expect(abs(Double(explained.contributions[r, j]) - exact) < 1e-5, "row \(r) feature \(j): \(explained.contributions[r, j]) vs \(exact)")
                total += explained.contributions[r, j]
            }
            #expect(abs(total - (explained.scores[r] - explained.references[r])) < 1e-4)
        }
        #expect(explained.references[0] == fitted.expectedLogit)
        // Features 2 and 3 carry no signal: XOR's two features carry most of every row's explanation.
        let signal = (0..<rows.rows).map { abs(explained.contributions[$0, 0]) + abs(explained.contributions[$0, 1]) }.reduce(0, +)
        let noise = (0..<rows.rows).map { abs(explained.contributions[$0, 2]) + abs(explained.contributions[$0, 3]) }.reduce(0, +)
        #expect(signal > 3 * noise)
    }
}
