import Foundation
import Testing

@testable import AnomalyDistill

/// Distilling students from isolation-forest and ECOD teachers on a seeded planted-outlier problem.
@Suite struct DistillationStudentTests {
    /// 360 rows from N(0, I₄) and 20 at distance 5–8 in random directions; labels 1 for those.
    static let problem: (x: Matrix, labels: [Int]) = {
        var random = RandomSource(seed: 21)
        var scalars = [Float]()
        for _ in 0..<360 {
            for _ in 0..<4 { scalars.append(Float(random.normal())) }
        }
        for _ in 0..<20 {
            let direction = (0..<4).map { _ in random.normal() }
            let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let radius = 5 + 3 * random.uniform()
            for value in direction { scalars.append(Float(value / norm * radius)) }
        }
        return (Matrix(rows: 380, columns: 4, scalars: scalars), Array(repeating: 0, count: 360) + Array(repeating: 1, count: 20))
    }()

    enum Teacher: String, CaseIterable, Sendable {
        case isolationForest, ecod
        func fit() throws -> any FittedDetector {
            var random = RandomSource(seed: 5)
            switch self {
            case .isolationForest: return try IsolationForest(contamination: 0.05).fit(problem.x, using: &random)
            case .ecod: return try ECOD(contamination: 0.05).fit(problem.x, using: &random)
            }
        }
    }

    static let fast = Distiller(epochs: 100)

    static func distill(_ distiller: Distiller = fast, teacher: any FittedDetector, labels: [Int]? = nil,
                        seed: UInt64 = 9) throws -> FittedStudent {
        var random = RandomSource(seed: seed)
        return try distiller.distill(teacher: teacher, x: problem.x, labels: labels, using: &random)
    }

    @Test("a distilled student ranks like its teacher", arguments: Teacher.allCases)
    func fidelity(teacher kind: Teacher) throws {
        let teacher = try kind.fit()
        let student = try Self.distill(teacher: teacher)
        #expect(student.shape == .mlp)
        let fidelity = try Fidelity(teacher: teacher, student: student, on: Self.problem.x)
        #expect(fidelity.k == 19)
        #expect(fidelity.spearman > 0.8)
        #expect(fidelity.topKOverlap > 0.7)
        #expect(fidelity.decisionAgreement > 0.9)
        #expect(try Metrics.rocAUC(scores: try student.scores(Self.problem.x), labels: Self.problem.labels) > 0.95)
    }

    @Test("score matching and a linear student also follow the teacher")
    func scoreMatchingAndLinear() throws {
        let teacher = try Teacher.isolationForest.fit()
        var matching = Self.fast
        matching.objective = .scoreMatching
        let matched = try Fidelity(teacher: teacher, student: try Self.distill(matching, teacher: teacher), on: Self.problem.x)
        #expect(matched.spearman > 0.8 && matched.topKOverlap > 0.7)
        var linear = Self.fast
        linear.student = .linear
        let student = try Self.distill(linear, teacher: teacher)
        #expect(student.shape == .linear && student.network.parameterCount == 5)
    }

    @Test("hard labels mix in with weight 1 − α")
    func withLabels() throws {
        let teacher = try Teacher.ecod.fit()
        var distiller = Self.fast
        distiller.softWeight = 0.3
        let student = try Self.distill(distiller, teacher: teacher, labels: Self.problem.labels)
        #expect(try Metrics.rocAUC(scores: try student.scores(Self.problem.x), labels: Self.problem.labels) > 0.95)
    }

    @Test("the student's threshold flags the teacher's contamination of its training rows")
    func threshold() throws {
        let student = try Self.distill(teacher: try Teacher.isolationForest.fit())
        #expect(student.state.contamination == 0.05)
        let flagged = student.trainingScores.filter { Double($0) > student.threshold }.count
        #expect(flagged == 19)
    }

    @Test("the same seed gives the same student")
    func reproducible() throws {
        let teacher = try Teacher.isolationForest.fit()
        let a = try Self.distill(teacher: teacher, seed: 4), b = try Self.distill(teacher: teacher, seed: 4)
        #expect(try a.scores(Self.problem.x) == b.scores(Self.problem.x))
        let c = try Self.distill(teacher: teacher, seed: 5)
        #expect(try a.scores(Self.problem.x) != c.scores(Self.problem.x))
    }

    @Test("a saved student with its preprocessor scores raw rows as before", arguments: ["mlp:6,3", "linear"])
    func saveAndLoad(spec: String) throws {
        let csv = "a,b,label\n" + (0..<120).map { i in
            let outlier = i % 20 == 0
            return "\(outlier ? 9 + Double(i % 3) : Double(i % 10) / 10),\(outlier ? -7.5 : Double(i % 7) / 7),\(outlier ? 1 : 0)"
        }.joined(separator: "\n") + "\n"
        try TestFiles.with(csv) { path in
            let table = try Table.read(path)
            let preprocessor = try Preprocessor.fit(table)
            let x = try preprocessor.transform(table)
            var random = RandomSource(seed: 1)
            let teacher = try IsolationForest(contamination: 0.05).fit(x, using: &random)
            var distiller = Self.fast
            distiller.student = try StudentArchitecture(parsing: spec)
            let student = try distiller.distill(teacher: teacher, x: x, using: &random)
            let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
            defer { TestFiles.remove(url.path) }
            try DetectorFile.write(student, preprocessor: preprocessor, to: url)
            let file = try ModelFile.read(from: url)
            let loaded = try DetectorFile.decode(FittedStudent.self, from: file)
            #expect(loaded.shape == (spec == "linear" ? .linear : .mlp))
            let decodedPreprocessor = try #require(try file.metadata.preprocessing?.decode(Preprocessor.self))
            let raw = try Table.read(path, options: ReadOptions(schema: table.schema))
            #expect(try loaded.scores(try decodedPreprocessor.transform(raw)) == student.scores(x))
            #expect(loaded.state == student.state && loaded.softTargets == student.softTargets)
            #expect(loaded.trainingScores == student.trainingScores)
        }
    }

    @Test("a student of synthetic rows follows its teacher without a real row: no training scores, and its threshold flags what the teacher flags")
    func synthetic() throws {
        let teacher = try Teacher.isolationForest.fit()
        var distiller = Self.fast
        distiller.transfer.source = .synthetic
        let student = try Self.distill(distiller, teacher: teacher)
        #expect(student.trainingScores.isEmpty)
        let fidelity = try Fidelity(teacher: teacher, student: student, on: Self.problem.x)
        #expect(fidelity.spearman > 0.8)
        #expect(fidelity.decisionAgreement > 0.9)
        #expect(try Metrics.rocAUC(scores: try student.scores(Self.problem.x), labels: Self.problem.labels) > 0.95)
        var random = RandomSource(seed: 9)
        let set = try TransferSet(x: Self.problem.x, teacher: teacher, options: distiller.transfer, using: &random)
        #expect(set.trainingRowCount == 0 && set.baseRowCount == Self.problem.x.rows)
        let real = Set((0..<Self.problem.x.rows).map { Self.problem.x.row($0) })
        #expect((0..<set.inputs.rows).allSatisfy { !real.contains(set.inputs.row($0)) })
        let again = try Self.distill(distiller, teacher: teacher)
        #expect(try again.scores(Self.problem.x) == student.scores(Self.problem.x) && again.state == student.state)
    }

    @Test("student specs parse", arguments: [
        ("mlp:32,16", StudentArchitecture.mlp(hidden: [32, 16])), ("MLP:8", .mlp(hidden: [8])), ("mlp", .mlp(hidden: nil)),
        ("linear", .linear), (" mlp: 4 , 2 ", .mlp(hidden: [4, 2])),
    ])
    func specs(text: String, expected: StudentArchitecture) throws {
        #expect(try StudentArchitecture(parsing: text) == expected)
    }

    @Test("bad student specs are errors", arguments: ["", "mlp:", "mlp:0", "mlp:8,-1", "mlp:a", "mlp:8,,4", "tree", "linear:3"])
    func badSpecs(text: String) {
        #expect(throws: ConfigurationError.self) { try StudentArchitecture(parsing: text) }
    }

    @Test("default widths follow the feature count")
    func defaultWidths() {
        #expect(StudentArchitecture.defaultWidths(featureCount: 4) == [32, 16])
        #expect(StudentArchitecture.defaultWidths(featureCount: 100) == [50, 25])
        #expect(StudentArchitecture.defaultWidths(featureCount: 1000) == [64, 32])
        #expect(StudentArchitecture.mlp(hidden: nil).description == "mlp" && StudentArchitecture.mlp(hidden: [3, 2]).description == "mlp:3,2")
    }

    @Test("a temperature ≤ 0 or α outside [0, 1] is an error", arguments: [
        (0.0, 0.5), (-2.0, 0.5), (2.0, -0.1), (2.0, 1.5),
    ])
    func badSettings(temperature: Double, alpha: Double) throws {
        let teacher = try Teacher.ecod.fit()
        let distiller = Distiller(temperature: temperature, softWeight: alpha)
        #expect(throws: ConfigurationError.self) { try distiller.validate() }
        #expect(throws: ConfigurationError.self) { try Self.distill(distiller, teacher: teacher) }
    }

    @Test("a learning rate that makes training diverge is an error, not a model")
    func divergence() throws {
        let teacher = try Teacher.ecod.fit()
        var distiller = Distiller(objective: .scoreMatching, epochs: 3, learningRate: 1e30)
        distiller.transfer.augmentation = .none
        #expect(throws: TrainingError.self) { try Self.distill(distiller, teacher: teacher) }
    }

    @Test("fidelity by hand")
    func fidelityByHand() throws {
        let fidelity = try Fidelity(teacherScores: [1, 2, 3, 4, 5], studentScores: [1, 3, 2, 5, 4],
                                    teacherThreshold: 3.5, studentThreshold: 2.5, contamination: 0.4)
        #expect(fidelity.k == 2 && fidelity.topKOverlap == 1)
        #expect(abs(fidelity.spearman - 0.8) < 1e-12)
        #expect(fidelity.decisionAgreement == 0.8)  // row 2 (3 > 2.5) disagrees
        let decoded = try JSONDecoder().decode(Fidelity.self, from: JSONEncoder().encode(fidelity))
        #expect(decoded == fidelity)
    }
}
