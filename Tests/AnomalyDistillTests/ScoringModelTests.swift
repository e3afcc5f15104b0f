import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// A small mixed data set (numeric, categorical, missing values) with a fitted teacher and student.
enum ScoringFixture {
    /// 240 rows: `a`, `b` numeric (a few missing), `colour` categorical, `label`; 12 planted anomalies.
    static let csv: String = {
        var random = RandomSource(seed: 11)
        var lines = ["a,b,colour,label"]
        let colours = ["red", "green", "blue"]
        for r in 0..<240 {
            let anomaly = r % 20 == 0
            let a = Double(random.uniformFloat()) * (anomaly ? 12 : 2) + 100
            let b = Double(random.uniformFloat()) * (anomaly ? -9 : 1)
            let colour = anomaly ? "purple" : colours[r % 3]
            let aText = r % 17 == 5 ? "" : String(format: "%.4f", a)
            let bText = r % 23 == 7 ? "NA" : String(format: "%.4f", b)
            lines.append("\(aText),\(bText),\(colour),\(anomaly ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    struct Models: Sendable {
        var table: Table
        var preprocessor: Preprocessor
        var teacher: FittedIsolationForest
        var student: FittedStudent
    }

    static let models = fitted(scaling: .standard)
    /// The same with quantile-mapped numeric columns (the gradient-boosted teacher's preprocessing).
    static let quantileModels = fitted(scaling: .quantile)

    static func fitted(scaling: Preprocessor.Scaling) -> Models {
        // swiftlint:disable force_try
        let path = try! TestFiles.write(Data(csv.utf8))
        defer { TestFiles.remove(path) }
        let table = try! Table.read(path)
        let preprocessor = try! Preprocessor.fit(table, scaling: scaling)
        let x = try! preprocessor.transform(table)
        var random = RandomSource(seed: 3)
        let teacher = try! IsolationForest(trees: 40, contamination: 0.05).fit(x, using: &random)
        let student = try! Distiller(epochs: 6, rowsPerEpoch: 1_000).distill(teacher: teacher, x: x, using: &random)
        // swiftlint:enable force_try
        return Models(table: table, preprocessor: preprocessor, teacher: teacher, student: student)
    }

    static func student(_ models: Models = models) throws -> ScoringModel {
        try ScoringModel(detector: models.student, preprocessor: models.preprocessor)
    }

    static func teacher() throws -> ScoringModel {
        try ScoringModel(detector: models.teacher, preprocessor: models.preprocessor)
    }
}

@Suite struct ScoringModelTests {
    static func close(_ a: Float, _ b: Float, _ tolerance: Float = 1e-5) -> Bool {
        a.isApproximatelyEqual(to: b, absoluteTolerance: tolerance, relativeTolerance: tolerance)
    }

    @Test("a student is compiled; single-row and batch scores are bitwise equal and match the network",
          arguments: [Preprocessor.Scaling.standard, .quantile])
    func compiledPaths(scaling: Preprocessor.Scaling) throws {
        let models = scaling == .quantile ? ScoringFixture.quantileModels : ScoringFixture.models
        let model = try ScoringFixture.student(models)
        #expect(model.isCompiled)
        let table = models.table
        let rows = try model.rows(table)
        let batch = try model.scores(rows)
        let reference = try models.student.scores(try models.preprocessor.transform(table))
        // The general path (preprocess, then the network) agrees too.
        let general = try models.student.scores(model.matrix(rows))
        let scorer = RowScorer(model)
        for r in 0..<rows.count {
            let single = try rows.numeric.withUnsafeBufferPointer { numeric in
                try rows.categories.withUnsafeBufferPointer { categories in
                    try scorer.score(
                        numeric: UnsafeBufferPointer(rebasing: numeric[(r * 2)..<(r * 2 + 2)]),
                        categories: UnsafeBufferPointer(rebasing: categories[r..<(r + 1)]))
                }
            }
            #expect(single == batch[r], "row \(r): single \(single), batch \(batch[r])")
            #expect(Self.close(batch[r], reference[r]), "row \(r): \(batch[r]) vs network \(reference[r])")
            #expect(Self.close(general[r], reference[r]), "row \(r): general path \(general[r]) vs \(reference[r])")
        }
    }

    /// Shapes that take every branch of the kernel: wide layers (four or more output blocks, two rows × two
    /// blocks in a batch, an odd block left), narrow ones (one or two blocks), odd input counts,
    /// each activation.
    static let shapes: [NetworkArchitecture] = [
        // swiftlint:disable force_try
        try! .mlp(inputWidth: 21, hidden: [32, 16], outputWidth: 1, activation: .relu),
        try! .mlp(inputWidth: 7, hidden: [40, 9], outputWidth: 1, activation: .leakyReLU(slope: 0.1)),
        try! .mlp(inputWidth: 5, hidden: [3], outputWidth: 1, activation: .tanh),
        try! .mlp(inputWidth: 12, hidden: [24, 8], outputWidth: 1, activation: .sigmoid),
        try! .mlp(inputWidth: 33, hidden: [64, 33, 17], outputWidth: 1, activation: .relu),
        // swiftlint:enable force_try
    ]

    @Test("every kernel shape scores a row bitwise the same alone as in batches of any size, and as the network",
          arguments: shapes)
    func kernelShapes(_ architecture: NetworkArchitecture) throws {
        var random = RandomSource(seed: 5)
        let network = Network(architecture: architecture, random: &random)
        let compiled = try #require(CompiledNetwork(network))
        let rows = 131  // more than two of the kernel's 64-row input blocks, odd
        var x = Matrix(rows: rows, columns: architecture.inputWidth)
        for i in 0..<x.scalars.count { x.scalars[i] = random.uniformFloat() * 4 - 2 }
        let reference = network.predict(x)
        let batch = compiled.outputs(x)
        let scratch = compiled.makeScratch()
        defer { scratch.deallocate() }
        var single = [Float](repeating: .nan, count: rows)
        x.scalars.withUnsafeBufferPointer { input in
            single.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows {
                    compiled.forward(input.baseAddress! + r * architecture.inputWidth, inputStride: architecture.inputWidth,
                                     rows: 1, into: out.baseAddress! + r, outputStride: 1, scratch: scratch)
                }
            }
        }
        for r in 0..<rows {
            #expect(single[r] == batch[r, 0], "row \(r): alone \(single[r]), in the batch \(batch[r, 0])")
            #expect(Self.close(batch[r, 0], reference[r, 0], 1e-5), "row \(r): \(batch[r, 0]) vs \(reference[r, 0])")
        }
        // A batch starting at an odd row pairs the rows differently: still the same bits.
        let tail = Matrix(rows: rows - 1, columns: architecture.inputWidth,
                          scalars: Array(x.scalars[architecture.inputWidth...]))
        let shifted = compiled.outputs(tail)
        for r in 1..<rows { #expect(shifted[r - 1, 0] == batch[r, 0], "row \(r) in a shifted batch") }
    }

    @Test("a large batch split across threads gives the same scores as small ones")
    func parallelBatch() throws {
        let model = try ScoringFixture.student()
        let rows = try model.rows(ScoringFixture.models.table)
        let small = try model.scores(rows)
        let repeats = ScoringModel.parallelMinimum / rows.count + 2
        var numeric: [Float] = [], categories: [Int32] = []
        for _ in 0..<repeats { numeric += rows.numeric; categories += rows.categories }
        let large = RawRows(numeric: numeric, categories: categories, numericWidth: 2, categoricalWidth: 1)
        let scores = try model.scores(large)
        #expect(scores.count == rows.count * repeats)
        for k in [0, repeats / 2, repeats - 1] {
            #expect(Array(scores[(k * rows.count)..<((k + 1) * rows.count)]) == small)
        }
    }

    @Test("a model with categorical columns only is compiled and scores alone as in a batch")
    func categoricalOnly() throws {
        let normal = ["red,0", "green,0", "blue,0"]
        let lines: [String] = (0..<120).map { (r: Int) -> String in r % 30 == 0 ? "purple,1" : normal[r % 3] }
        let text = "colour,label\n" + lines.joined(separator: "\n") + "\n"
        try TestFiles.with(text) { path in
            let table = try Table.read(path)
            let preprocessor = try Preprocessor.fit(table)
            let x = try preprocessor.transform(table)
            var random = RandomSource(seed: 2)
            let student = try Distiller(epochs: 3, rowsPerEpoch: 300).distill(
                teacher: try IsolationForest(trees: 10).fit(x, using: &random), x: x, using: &random)
            let model = try ScoringModel(detector: student, preprocessor: preprocessor)
            #expect(model.isCompiled && model.numericFeatures.isEmpty)
            let rows = try model.rows(table)
            let batch = try model.scores(rows)
            let scorer = RowScorer(model)
            let single = try rows.categories.withUnsafeBufferPointer { c in
                try scorer.score(numeric: UnsafeBufferPointer(start: nil, count: 0), categories: UnsafeBufferPointer(rebasing: c[0..<1]))
            }
            #expect(single == batch[0])
            #expect(batch.allSatisfy { $0.isFinite })
        }
    }

    @Test("a teacher goes through its own scorer and equals preprocess-then-score exactly")
    func generalPath() throws {
        let model = try ScoringFixture.teacher()
        #expect(!model.isCompiled)
        let table = ScoringFixture.models.table
        let scored = try model.score(table)
        let direct = try ScoringFixture.models.teacher.scores(try ScoringFixture.models.preprocessor.transform(table))
        #expect(scored.scores == direct)
        #expect(model.matrix(try model.rows(table)) == (try ScoringFixture.models.preprocessor.transform(table)))
        let scorer = RowScorer(model)
        let rows = try model.rows(table)
        let first = try rows.numeric.withUnsafeBufferPointer { n in
            try rows.categories.withUnsafeBufferPointer { c in
                try scorer.score(numeric: UnsafeBufferPointer(rebasing: n[0..<2]), categories: UnsafeBufferPointer(rebasing: c[0..<1]))
            }
        }
        #expect(first == direct[0])
    }

    @Test("networks with batch norm and dropout compile to the same function", arguments: [
        Activation.relu, .tanh, .sigmoid, .leakyReLU(slope: 0.1),
    ])
    func compiledNetworkMatches(activation: Activation) throws {
        var random = RandomSource(seed: 5)
        let architecture = try NetworkArchitecture.mlp(
            inputWidth: 13, hidden: [19, 9], outputWidth: 3, activation: activation, dropout: 0.2, batchNorm: true)
        var network = Network(architecture: architecture, random: &random)
        var x = Matrix(rows: 37, columns: 13)
        for i in x.scalars.indices { x.scalars[i] = random.uniformFloat() * 4 - 2 }
        // Train-mode passes give the batch norms running statistics that are not the identity.
        for _ in 0..<5 { network.forward(x, training: true) }
        let expected = network.predict(x)
        let compiled = try #require(CompiledNetwork(network))
        let got = compiled.outputs(x)
        #expect(got.rows == 37 && got.columns == 3)
        for i in expected.scalars.indices {
            #expect(Self.close(got.scalars[i], expected.scalars[i], 1e-4), "\(i): \(got.scalars[i]) vs \(expected.scalars[i])")
        }
        // One row at a time: bitwise the batch's result.
        let single = compiled.outputs(x.rows(at: [17]))
        #expect(Array(single.scalars) == Array(got.scalars[(17 * 3)..<(18 * 3)]))
    }

    @Test("the Float threshold decides exactly as the Double one", arguments: [0.1, -3.7, 1e-3, 2.0, 0.5 + 1e-12])
    func floatThreshold(threshold: Double) {
        let t = ScoringModel.floatThreshold(threshold)
        var s = Float(threshold).nextDown.nextDown
        for _ in 0..<5 {
            #expect((s > t) == (Double(s) > threshold), "score \(s), threshold \(threshold)")
            s = s.nextUp
        }
    }

    @Test("probability is 0.5 at the threshold, monotone, and above 0.5 exactly for flagged rows")
    func probability() throws {
        let model = try ScoringFixture.student()
        #expect(model.probability(model.decisionThreshold) == 0.5)
        let scored = try model.score(ScoringFixture.models.table)
        for r in 0..<scored.count {
            #expect(scored.isAnomaly[r] == (scored.probabilities[r] > 0.5) || scored.scores[r] == model.decisionThreshold)
            #expect(scored.probabilities[r] >= 0 && scored.probabilities[r] <= 1)
        }
        let order = scored.scores.indices.sorted { scored.scores[$0] < scored.scores[$1] }
        for (a, b) in zip(order, order.dropFirst()) { #expect(scored.probabilities[a] <= scored.probabilities[b]) }
        #expect(scored.anomalies > 0)
    }

    @Test("a threshold override changes the decisions only")
    func thresholdOverride() throws {
        let model = try ScoringFixture.student()
        let low = try model.withThreshold(-1e9)
        let table = ScoringFixture.models.table
        #expect(try low.score(table).scores == model.score(table).scores)
        #expect(try low.score(table).anomalies == table.rowCount)
        #expect(throws: ModelError.self) { try model.withThreshold(.nan) }
    }

    @Test("JSON arrays and objects score as the table does; null imputes; unseen categories take the unseen slot")
    func jsonRows() throws {
        let model = try ScoringFixture.student()
        let arrays: [[JSONValue]] = [[.number(100.5), .number(0.4), .string("red")], [.null, .null, .string("never seen")],
                                     [.number(101), .number(0.2), .null, .number(1)]]
        let rows = try model.rows(arrays: arrays)
        #expect(rows.count == 3)
        let colour = model.categoricalFeatures[0]
        #expect(rows.categories == [colour.slot(of: "red"), Int32(colour.categories.count), -1])
        #expect(rows.numeric[2].isNaN && rows.numeric[3].isNaN)
        let objects: [[String: JSONValue]] = [["a": .number(100.5), "b": .number(0.4), "colour": .string("red"), "id": .number(9)],
                                              ["a": .null, "b": .null, "colour": .string("never seen")],
                                              ["a": .number(101), "b": .number(0.2), "colour": .null, "label": .number(1)]]
        let fromObjects = try model.rows(objects: objects)
        #expect(fromObjects.numeric.map(\.bitPattern) == rows.numeric.map(\.bitPattern))
        #expect(fromObjects.categories == rows.categories)
        let scores = try model.scores(rows)
        #expect(scores.allSatisfy { $0.isFinite })
        // Missing values score as the training median would.
        let median = model.numericFeatures.map { JSONValue.number(Double($0.median)) }
        let imputed = try model.rows(arrays: [[median[0], median[1], .string("never seen")]])
        #expect(try model.scores(imputed)[0] == scores[1])
    }

    @Test("bad JSON rows name the row and the field", arguments: [
        ([JSONValue.string("x"), .number(1), .string("red")], "a"),
        ([.number(1), .number(1e300), .string("red")], "b"),
        ([.number(1), .bool(true), .string("red")], "b"),
        ([.number(1), .number(2), .array([])], "colour"),
        ([.number(1), .number(2)], "*"),
    ])
    func badJSONRows(row: [JSONValue], field: String) throws {
        let model = try ScoringFixture.student()
        let good: [JSONValue] = [.number(1), .number(2), .string("red")]
        let error = #expect(throws: DataError.self) { try model.rows(arrays: [good, row]) }
        guard case let .invalidField(index, name, _) = error else {
            Issue.record("expected invalidField, found \(String(describing: error))")
            return
        }
        #expect(index == 1 && name == field)
    }

    @Test("a missing key in an object is an error naming it")
    func missingKey() throws {
        let model = try ScoringFixture.student()
        let error = #expect(throws: DataError.self) { try model.rows(objects: [["a": .number(1), "colour": .string("red")]]) }
        #expect(error == .invalidField(row: 0, field: "b", reason: "expected a value (null for a missing one), found none"))
    }

    @Test("a model file round trip scores the same; a file that is not a model is a ModelError")
    func fromFile() throws {
        let path = TestFiles.uniquePath(suffix: ".safetensors")
        defer { TestFiles.remove(path) }
        try DetectorFile.write(ScoringFixture.models.student, preprocessor: ScoringFixture.models.preprocessor,
                               to: URL(fileURLWithPath: path))
        let loaded = try ScoringModel(contentsOf: URL(fileURLWithPath: path))
        #expect(loaded.kind == FittedStudent.Shape.mlp.rawValue && loaded.file == path && loaded.metadata != nil)
        let table = ScoringFixture.models.table
        #expect(try loaded.score(table) == ScoringFixture.student().score(table))
        try TestFiles.with("a,b\n1,2\n") { csv in
            #expect(throws: ModelError.self) { try ScoringModel(contentsOf: URL(fileURLWithPath: csv)) }
        }
    }

    @Test("bench measures both paths from raw rows")
    func benchmark() throws {
        let model = try ScoringFixture.student()
        let rows = try model.rows(ScoringFixture.models.table)
        let result = try ScoringBenchmark.measure(
            model, on: rows, options: ScoringBenchmark.Options(batchRows: 1_000, minimumSeconds: 0))
        #expect(result.compiled && result.rows == 240 && result.batchRows >= 1_000)
        #expect(result.singleRowLatencyNanoseconds > 0 && result.singleRowLatencyNanoseconds < 1e8)
        #expect(result.batchRowsPerSecond > 0 && result.peakMemoryBytes > 0)
        #expect(result.parameters == ScoringFixture.models.student.network.parameterCount)
        #expect(throws: DataError.self) { try ScoringBenchmark.measure(model, on: model.emptyRows()) }
    }
}
