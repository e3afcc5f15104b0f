import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// Normal rows of six numeric columns (different scales, two correlated) and a categorical column, and test
/// rows with one numeric value pushed to the training mean ± 8 standard deviations.
enum PlantedFixture {
    static let numeric = ["a", "b", "c", "d", "e", "f"]
    static let scales: [Double] = [1, 10, 0.1, 3, 50, 2]

    static func normalRow(_ random: inout RandomSource) -> [Double] {
        let z = (0..<6).map { _ in random.normal() }
        var row = zip(z, scales).map { $0 * $1 + 5 }
        row[1] = 10 * (0.8 * z[0] + 0.6 * z[1]) + 5  // b follows a
        return row
    }

    static func csv(_ rows: [[Double]], colours: [String]) -> String {
        (["a,b,c,d,e,f,colour"] + zip(rows, colours).map { row, colour in
            row.map { String(format: "%.6g", $0) }.joined(separator: ",") + "," + colour
        }).joined(separator: "\n") + "\n"
    }

    struct Data: @unchecked Sendable {
        var preprocessor: Preprocessor
        var x: Matrix
        var test: Table
        var planted: [Int]
    }

    static let data: Data = {
        // swiftlint:disable force_try
        var random = RandomSource(seed: 21)
        let colours = ["red", "green", "blue"]
        let train = (0..<400).map { _ in normalRow(&random) }
        let trainPath = try! TestFiles.write(Foundation.Data(csv(train, colours: (0..<400).map { colours[$0 % 3] }).utf8))
        defer { TestFiles.remove(trainPath) }
        let table = try! Table.read(trainPath)
        var means = [Double](repeating: 0, count: 6), deviations = [Double](repeating: 0, count: 6)
        for j in 0..<6 {
            var sum = 0.0
            for row in train { sum += row[j] }
            means[j] = sum / 400
            var squares = 0.0
            for row in train { squares += (row[j] - means[j]) * (row[j] - means[j]) }
            deviations[j] = (squares / 400).squareRoot()
        }
        var test: [[Double]] = [], planted: [Int] = []
        for _ in 0..<60 {
            var row = normalRow(&random)
            let j = random.index(below: 6)
            row[j] = means[j] + (random.uniform() < 0.5 ? -8 : 8) * deviations[j]
            test.append(row)
            planted.append(j)
        }
        let testPath = try! TestFiles.write(Foundation.Data(csv(test, colours: (0..<60).map { colours[$0 % 3] }).utf8))
        defer { TestFiles.remove(testPath) }
        let preprocessor = try! Preprocessor.fit(table)
        return Data(preprocessor: preprocessor, x: try! preprocessor.transform(table), test: try! Table.read(testPath),
                    planted: planted)
        // swiftlint:enable force_try
    }()

    /// The planted column's rank among each row's reasons: how often it is first, and in the top three.
    static func hits(_ model: ScoringModel) throws -> (first: Double, top3: Double) {
        let explanations = try model.explain(try model.rows(data.test))
        var first = 0, top3 = 0
        for (r, j) in data.planted.enumerated() {
            let reasons = explanations.reasons(row: r, top: 3).map(\.column)
            if reasons.first == numeric[j] { first += 1 }
            if reasons.contains(numeric[j]) { top3 += 1 }
        }
        let n = Double(data.planted.count)
        return (Double(first) / n, Double(top3) / n)
    }
}

@Suite struct ExplanationTests {
    static func model(_ detector: any FittedDetector) throws -> ScoringModel {
        try ScoringModel(detector: detector, preprocessor: PlantedFixture.data.preprocessor)
    }

    static let teachers: (forest: FittedIsolationForest, ecod: FittedECOD, ensemble: FittedEnsemble) = {
        // swiftlint:disable force_try
        var random = RandomSource(seed: 4)
        let x = PlantedFixture.data.x
        let forest = try! IsolationForest(trees: 100).fit(x, using: &random)
        let ecod = try! ECOD().fit(x, labels: nil, using: &random)
        let ensemble = try! Ensemble(members: [IsolationForest(trees: 100), ECOD(),
                                               Autoencoder(hidden: [8, 4], epochs: 5, networks: 1)])
            .fit(x, labels: nil, using: &random)
        // swiftlint:enable force_try
        return (forest, ecod, ensemble)
    }()

    @Test("a planted value (mean ± 8σ in one column) is the first reason for ≥ 90% of rows and in the top 3 for ≥ 97%",
          arguments: ["isolation_forest", "ecod", "ensemble", "student", "distilled_student"])
    func plantedAnomalies(_ which: String) throws {
        let detector: any FittedDetector
        switch which {
        case "isolation_forest": detector = Self.teachers.forest
        case "ecod": detector = Self.teachers.ecod
        case "ensemble": detector = Self.teachers.ensemble
        case "distilled_student": detector = Self.distilledStudent
        default:
            var random = RandomSource(seed: 9)
            detector = try Distiller(epochs: 30, rowsPerEpoch: 4_000)
                .distill(teacher: Self.teachers.ensemble, x: PlantedFixture.data.x, using: &random)
        }
        let (first, top3) = try PlantedFixture.hits(try Self.model(detector))
        #expect(first >= 0.90, "\(which): planted column first for \(first)")
        #expect(top3 >= 0.97, "\(which): planted column in the top 3 for \(top3)")
    }

    /// A student of the ensemble whose explanations are distilled from the ensemble's (``ExplanationHead``).
    static let distilledStudent: FittedStudent = {
        var random = RandomSource(seed: 9)
        var distiller = Distiller(epochs: 30, rowsPerEpoch: 4_000)
        distiller.explanation = .distilled
        // swiftlint:disable:next force_try
        return try! distiller.distill(teacher: teachers.ensemble, x: PlantedFixture.data.x,
                                      baseline: try! model(teachers.ensemble).explanationBaseline, using: &random)
    }()

    @Test("a distilled explanation names the teacher's top reason on planted rows, is not the gradients' explanation of the same scores, and survives a save")
    func distilledExplanation() throws {
        let student = Self.distilledStudent
        #expect(student.explanation == .distilled && student.explainer?.outputWidth == PlantedFixture.data.x.columns)
        let teacher = try Self.model(Self.teachers.ensemble)
        var gradients = student
        gradients.explainer = nil
        // The 60 planted test rows and 200 training rows: how often the top reasons agree.
        func agreement(_ studentModel: ScoringModel, _ rows: RawRows) throws -> Double {
            let byTeacher = try teacher.explain(rows), byStudent = try studentModel.explain(rows)
            let same = (0..<rows.count).filter {
                byTeacher.reasons(row: $0, top: 1).first?.column == byStudent.reasons(row: $0, top: 1).first?.column
            }
            return Double(same.count) / Double(rows.count)
        }
        let planted = try teacher.rows(PlantedFixture.data.test)
        let distilled = try agreement(try Self.model(student), planted)
        #expect(distilled >= 0.9, "distilled explanation agrees on \(distilled) of the planted rows")
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(student, preprocessor: PlantedFixture.data.preprocessor, to: url)
        let loaded = try DetectorFile.decode(FittedStudent.self, from: try ModelFile.read(from: url))
        let x = PlantedFixture.data.x
        #expect(try loaded.attributions(x, baseline: []).contributions.scalars
                == student.attributions(x, baseline: []).contributions.scalars)
        // Without the head the same student explains by gradients: a different explanation of the same scores.
        #expect(try gradients.scores(x) == student.scores(x))
        #expect(try gradients.attributions(x, baseline: [Float](repeating: 0, count: x.columns)).contributions.scalars
                != student.attributions(x, baseline: []).contributions.scalars)
    }

    @Test("a student file whose explanation head does not map the features to as many contributions is refused")
    func badHead() throws {
        var student = Self.distilledStudent
        let d = PlantedFixture.data.x.columns
        var random = RandomSource(seed: 1)
        student.explainer = Network(architecture: try .mlp(inputWidth: d, hidden: [4], outputWidth: d + 1,
                                                           activation: .relu), random: &random)
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(student, preprocessor: PlantedFixture.data.preprocessor, to: url)
        let file = try ModelFile.read(from: url)
        let error = #expect(throws: ModelError.self) { try DetectorFile.decode(FittedStudent.self, from: file) }
        #expect(error.map { "\($0)".contains("expected an explanation head from \(d) features to as many contributions") } == true)
    }

    @Test("the explanation head squashes a column only where a few values sit far out, monotonically and like the identity near its median")
    func headInputs() throws {
        var random = RandomSource(seed: 4)
        let n = 2_000
        // Column 0 normal, 1 log-normal (σ = 2), 2 normal with one value 10,000 deviations out, 3 binary and rare,
        // 4 exponential (a light tail the rule leaves alone).
        var rows = (0..<n).map { _ in
            [Float(random.normal()), Float(Double.exp(2 * random.normal())), Float(random.normal()),
             random.uniform() < 0.002 ? 1 : 0, Float(-Double.log(1 - random.uniform()))]
        }
        rows[7][2] = 10_000
        let x = Matrix(rows)
        let inputs = ExplanationHead.Inputs.fitted(to: x)
        #expect(inputs.columns == [1, 2])
        let squashed = inputs.apply(x)
        for (k, j) in inputs.columns.enumerated() {
            let order = (0..<n).sorted { x[$0, j] < x[$1, j] }
            #expect(zip(order, order.dropFirst()).allSatisfy { squashed[$0, j] <= squashed[$1, j] })
            #expect((0..<n).map { abs(squashed[$0, j]) }.max()! < 12)
            // Near the median the map is the robustly scaled value.
            let nearValue = inputs.centers[k] + 1e-3 * inputs.scales[k]
            let near = Matrix(rows: 1, columns: x.columns, scalars: (0..<x.columns).map { $0 == j ? nearValue : 0 })
            #expect(abs(inputs.apply(near)[0, j] - 1e-3) < 1e-5)
        }
        for j in [0, 3, 4] { #expect((0..<n).allSatisfy { squashed[$0, j] == x[$0, j] }) }
        #expect(ExplanationHead.Inputs.identity.apply(x).scalars == x.scalars)
    }

    @Test("--explanations distilled-tails squashes the heavy-tailed column; distilled reads every column as it is",
          arguments: [StudentExplanation.distilled, .distilledTails])
    func distilledTails(_ mode: StudentExplanation) throws {
        var x = PlantedFixture.data.x
        x[3, 1] = 10_000
        var random = RandomSource(seed: 5)
        var distiller = Distiller(epochs: 3, rowsPerEpoch: 1_000)
        distiller.explanation = mode
        let student = try distiller.distill(teacher: Self.teachers.ecod, x: x, baseline: nil, using: &random)
        #expect(student.explanation == mode)
        #expect(student.explainerInputs.columns == (mode == .distilledTails ? [1] : []))
        #expect(student.explainer?.inputWidth == x.columns && student.explainer?.outputWidth == x.columns)
    }

    @Test("a student file whose explanation head squashes a column the model does not have, or by a zero scale, is refused",
          arguments: [([99], [Float(0)], [Float(1)], "ascending feature indices below"),
                      ([0], [Float(0)], [Float(0)], "positive finite scales"),
                      ([1, 0], [Float(0), 0], [Float(1), 1], "ascending feature indices below"),
                      ([0], [Float(0), 1], [Float(1)], "differ in length")])
    func badHeadInputs(_ columns: [Int], _ centers: [Float], _ scales: [Float], _ message: String) throws {
        var student = Self.distilledStudent
        student.explainerInputs = ExplanationHead.Inputs(columns: columns, centers: centers, scales: scales)
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(student, preprocessor: PlantedFixture.data.preprocessor, to: url)
        let file = try ModelFile.read(from: url)
        let error = #expect(throws: ModelError.self) { try DetectorFile.decode(FittedStudent.self, from: file) }
        #expect(error.map { "\($0)".contains(message) } == true, "\(String(describing: error))")
    }

    @Test("a distilled head's squashed columns survive a save and explain the same")
    func headInputsSaved() throws {
        var student = Self.distilledStudent
        let x = PlantedFixture.data.x
        student.explainerInputs = ExplanationHead.Inputs(columns: [0, 2], centers: [0.5, -1], scales: [0.25, 2])
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(student, preprocessor: PlantedFixture.data.preprocessor, to: url)
        let loaded = try DetectorFile.decode(FittedStudent.self, from: try ModelFile.read(from: url))
        #expect(loaded.explainerInputs == student.explainerInputs)
        #expect(try loaded.attributions(x, baseline: []).contributions.scalars
                == student.attributions(x, baseline: []).contributions.scalars)
        #expect(try loaded.attributions(x, baseline: []).contributions.scalars
                != Self.distilledStudent.attributions(x, baseline: []).contributions.scalars)
    }

    @Test("contributions sum to score − reference: exactly for ECOD, the forest and the ensemble, within 1e-3 for networks",
          arguments: ["isolation_forest", "ecod", "ensemble", "autoencoder", "deep_svdd", "supervised_network",
                      "distilled_student"])
    func completeness(_ which: String) throws {
        var random = RandomSource(seed: 2)
        let x = PlantedFixture.data.x
        let detector: any FittedDetector = switch which {
        case "isolation_forest": Self.teachers.forest
        case "ecod": Self.teachers.ecod
        case "ensemble": Self.teachers.ensemble
        case "distilled_student": Self.distilledStudent
        case "autoencoder": try Autoencoder(hidden: [8, 4], epochs: 3, networks: 2).fit(x, labels: nil, using: &random)
        case "deep_svdd": try DeepSVDD(hidden: [8, 4], epochs: 3).fit(x, labels: nil, using: &random)
        default: try SupervisedNetwork(hidden: [8], epochs: 3)
            .fit(x, labels: (0..<x.rows).map { $0 % 10 == 0 ? 1 : 0 }, using: &random)
        }
        let model = try Self.model(detector)
        let rows = try model.rows(PlantedFixture.data.test)
        let explanations = try model.explain(rows)
        let scores = try model.scores(rows)
        let exact = ["isolation_forest", "ecod", "ensemble"].contains(which)
        for r in 0..<rows.count {
            let sum = explanations.contributions(row: r).reduce(0, +)
            let difference = explanations.scores[r] - explanations.references[r]
            let tolerance: Float = exact ? 1e-4 * max(1, abs(difference)) : 1e-3
            #expect(abs(sum - difference) <= tolerance, "\(which) row \(r): Σ \(sum) vs \(difference)")
            #expect(explanations.scores[r].isApproximatelyEqual(to: scores[r], absoluteTolerance: 1e-4, relativeTolerance: 1e-4),
                    "\(which) row \(r): explained score \(explanations.scores[r]) vs scored \(scores[r])")
        }
    }

    @Test("a categorical column's one-hot slots are summed into one reason; a missing value is marked imputed")
    func columnsAndMissing() throws {
        let model = try Self.model(Self.teachers.ecod)
        var rows = try model.rows(PlantedFixture.data.test)
        #expect(model.featureNames == ["a", "b", "c", "d", "e", "f", "colour"])
        rows.numeric[0 * 6 + 2] = .nan
        rows.categories[1] = -1
        let explanations = try model.explain(rows)
        #expect(explanations.columns.count == 7)
        #expect(explanations.imputed[0 * 7 + 2] && explanations.imputed[1 * 7 + 6])
        #expect(explanations.imputed.filter { $0 }.count == 2)
        #expect(explanations.reasons(row: 0, top: 7).count == 7)
        #expect(explanations.reasons(row: 0, top: 99).count == 7)
    }

    @Test("the folded network's input gradient matches finite differences")
    func gradient() throws {
        var random = RandomSource(seed: 5)
        let architecture = try NetworkArchitecture.mlp(inputWidth: 4, hidden: [5, 3], outputWidth: 1, activation: .tanh)
        let network = try #require(FoldedNetwork(Network(architecture: architecture, random: &random)))
        let score = NetworkOutputScore(network)
        let x = Matrix(rows: 1, columns: 4, scalars: [0.3, -0.7, 1.1, 0.2])
        let gradient = score.evaluate(x).gradients
        for j in 0..<4 {
            var plus = x, minus = x
            plus.scalars[j] += 1e-2
            minus.scalars[j] -= 1e-2
            let numeric = (score.evaluate(plus).scores[0] - score.evaluate(minus).scores[0]) / 2e-2
            #expect(abs(numeric - gradient.scalars[j]) < 2e-3, "input \(j): \(numeric) vs \(gradient.scalars[j])")
        }
    }

    @Test("a model without an explainer says so by kind")
    func unsupported() throws {
        var random = RandomSource(seed: 1)
        let knn = try KNearestNeighbors().fit(PlantedFixture.data.x, labels: nil, using: &random)
        let model = try Self.model(knn)
        #expect(!model.canExplain)
        #expect(throws: AttributionError.unsupportedKind(model.kind)) { try model.explain(try model.rows(PlantedFixture.data.test)) }
    }
}

@Suite struct ReLUPathIntegralTests {
    @Test("the fast exact path agrees with the piecewise integral and sums to F(x) − F(b)",
          arguments: [[Int](), [7], [9, 5]], [Activation.relu, .leakyReLU(slope: 0.1)])
    func agrees(_ hidden: [Int], _ activation: Activation) throws {
        var random = RandomSource(seed: 8)
        let architecture = try NetworkArchitecture.mlp(inputWidth: 5, hidden: hidden, outputWidth: 1, activation: activation)
        let network = try #require(FoldedNetwork(Network(architecture: architecture, random: &random)))
        let baseline: [Float] = [0.1, -0.2, 0.3, 0, 0.5]
        let integral = try #require(ReLUPathIntegral(network, baseline: baseline))
        let x = Matrix(rows: 40, columns: 5, scalars: (0..<200).map { _ in Float(random.normal() * 4) })
        let generic = IntegratedGradients.attributions(x, baseline: baseline, score: NetworkOutputScore(network))
        let outputs = network.forward(x).output.scalars
        var fast = [Float](repeating: 0, count: 5), portable = fast
        var workspace = ReLUPathIntegral.Workspace(for: integral)
        for r in 0..<x.rows {
            let row = x.row(r)
            row.withUnsafeBufferPointer { integral.contributions($0.baseAddress!, into: &fast) }
            row.withUnsafeBufferPointer {
                integral.contributions($0.baseAddress!, into: &portable, workspace: &workspace, portable: true)
            }
            for j in 0..<5 { #expect(abs(portable[j] - fast[j]) < 1e-4, "row \(r) feature \(j): portable \(portable[j]) vs \(fast[j])") }
            #expect(abs(fast.reduce(0, +) - (outputs[r] - integral.reference)) < 1e-3, "row \(r)")
            for j in 0..<5 {
                #expect(abs(fast[j] - generic.contributions[r, j]) < 1e-3, "row \(r) feature \(j): \(fast[j]) vs \(generic.contributions[r, j])")
            }
        }
    }

    @Test("three hidden stages or a smooth activation take the general path")
    func otherShapes() throws {
        var random = RandomSource(seed: 1)
        let deep = try NetworkArchitecture.mlp(inputWidth: 3, hidden: [4, 4, 4], outputWidth: 1)
        #expect(ReLUPathIntegral(try #require(FoldedNetwork(Network(architecture: deep, random: &random))), baseline: [0, 0, 0]) == nil)
        let smooth = try NetworkArchitecture.mlp(inputWidth: 3, hidden: [4], outputWidth: 1, activation: .tanh)
        #expect(ReLUPathIntegral(try #require(FoldedNetwork(Network(architecture: smooth, random: &random))), baseline: [0, 0, 0]) == nil)
    }
}
