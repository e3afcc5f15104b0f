import Foundation
import Testing

@testable import AnomalyDistill

/// The teacher-vs-student comparison on a seeded planted-outlier problem: its numbers agree with the metrics
/// and measurements they come from, and it survives a JSON round trip.
@Suite struct ComparisonTests {
    /// 300 rows from N(0, I₄) and 16 at distance 5–8 in random directions (labels 1 for those).
    static let problem: (x: Matrix, labels: [Int]) = {
        var random = RandomSource(seed: 31)
        var scalars = [Float]()
        for _ in 0..<300 {
            for _ in 0..<4 { scalars.append(Float(random.normal())) }
        }
        for _ in 0..<16 {
            let direction = (0..<4).map { _ in random.normal() }
            let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let radius = 5 + 3 * random.uniform()
            for value in direction { scalars.append(Float(value / norm * radius)) }
        }
        return (
            Matrix(rows: 316, columns: 4, scalars: scalars),
            Array(repeating: 0, count: 300) + Array(repeating: 1, count: 16)
        )
    }()

    /// Speeds as a measurement would give them (the measurement itself is `ScoringBenchmark`'s, tested there).
    static let teacherSpeed = ModelCost.Speed(rowsPerSecond: 150_000, singleRowLatency: 2e-5, measuredRows: 316)
    static let studentSpeed = ModelCost.Speed(rowsPerSecond: 9_000_000, singleRowLatency: 1e-7, measuredRows: 316)

    /// An isolation-forest teacher and a briefly distilled MLP student.
    static let models: (teacher: FittedIsolationForest, student: FittedStudent) = {
        var random = RandomSource(seed: 7)
        // swiftlint:disable:next force_try
        let teacher = try! IsolationForest(trees: 50, contamination: 0.05).fit(problem.x, using: &random)
        // swiftlint:disable:next force_try
        let student = try! Distiller(epochs: 15, rowsPerEpoch: 2_000).distill(
            teacher: teacher, x: problem.x, using: &random)
        return (teacher, student)
    }()

    static func compare(labels: [Int]? = problem.labels) throws -> TeacherStudentComparison {
        try TeacherStudentComparison(
            teacher: models.teacher, student: models.student, x: problem.x, labels: labels,
            teacherSpeed: teacherSpeed, studentSpeed: studentSpeed)
    }

    @Test("quality metrics equal the metrics of the scores")
    func qualityMatchesMetrics() throws {
        let comparison = try Self.compare()
        let teacherScores = try Self.models.teacher.scores(Self.problem.x)
        let studentScores = try Self.models.student.scores(Self.problem.x)
        #expect(comparison.teacherScores == teacherScores)
        #expect(comparison.studentScores == studentScores)
        let teacher = try #require(comparison.teacher.quality), student = try #require(comparison.student.quality)
        #expect(teacher.rocAUC == (try Metrics.rocAUC(scores: teacherScores, labels: Self.problem.labels)))
        #expect(student.rocAUC == (try Metrics.rocAUC(scores: studentScores, labels: Self.problem.labels)))
        #expect(
            teacher.averagePrecision
                == (try Metrics.averagePrecision(scores: teacherScores, labels: Self.problem.labels)))
        #expect(student.precisionAtN == (try Metrics.precisionAtN(scores: studentScores, labels: Self.problem.labels)))
        #expect(teacher.threshold == Self.models.teacher.threshold)
        #expect(student.threshold == Self.models.student.threshold)
        #expect(teacher.rocAUC > 0.9)
        #expect(comparison.rows == 316 && comparison.anomalies == 16)
        #expect(
            comparison.fidelity
                == (try Fidelity(teacher: Self.models.teacher, student: Self.models.student, on: Self.problem.x)))
    }

    @Test("speed-up and parameter ratio come from the two costs")
    func costRatios() throws {
        let comparison = try Self.compare()
        let teacher = comparison.teacher.cost, student = comparison.student.cost
        #expect(comparison.speedUp == student.rowsPerSecond / teacher.rowsPerSecond)
        #expect(comparison.speedUp == 60)
        #expect(comparison.parameterRatio == Double(teacher.parameters) / Double(student.parameters))
        #expect(teacher.kind == FittedIsolationForest.kind && student.kind == FittedStudent.Shape.mlp.rawValue)
        for cost in [teacher, student] {
            #expect(cost.parameters > 0)
            #expect(cost.bytesOnDisk > 4 * cost.parameters)
            #expect(cost.rowsPerSecond > 0 && cost.rowsPerSecond.isFinite)
            #expect(cost.singleRowLatency > 0 && cost.singleRowLatency < 1)
            #expect(cost.measuredRows == 316)
        }
        #expect(student.parameters == Self.models.student.network.parameterCount)
        let (metadata, tensors) = try DetectorFile.encode(Self.models.student)
        #expect(student.bytesOnDisk == (try ModelFile.encoded(tensors: tensors, metadata: metadata)).count)
    }

    @Test("FLOPs: 2·Σ in·out for a network, trees · (c(ψ) + 1) for a forest")
    func flops() throws {
        let network = Self.models.student.network
        let dense = network.layers.compactMap { $0 as? Dense }
        #expect(!dense.isEmpty)
        let expected = dense.reduce(0.0) { $0 + 2 * Double($1.inputs * $1.outputs) }
        #expect(Self.models.student.flopsPerRow == expected)
        #expect((try ModelCost(describing: Self.models.student, speed: Self.studentSpeed)).flopsPerRow == expected)
        let forest = Self.models.teacher
        #expect(
            forest.flopsPerRow
                == Double(forest.trees) * (IsolationForestStorage.averagePathLength(forest.subsample) + 1))
    }

    @Test("without labels: no quality, fidelity and cost stay")
    func withoutLabels() throws {
        let comparison = try Self.compare(labels: nil)
        #expect(comparison.teacher.quality == nil && comparison.student.quality == nil)
        #expect(comparison.anomalies == nil)
        #expect(comparison.fidelity.rows == 316)
        let text = comparison.text()
        #expect(!text.contains("ROC-AUC"))
        #expect(text.contains("Spearman") && text.contains("Rows per second"))
    }

    @Test("labels that do not fit the rows are rejected")
    func badLabels() throws {
        #expect(throws: DataError.self) { try Self.compare(labels: [0, 1]) }
        #expect(throws: DataError.self) { try Self.compare(labels: Array(repeating: 2, count: 316)) }
        #expect(throws: DataError.self) {
            try TeacherStudentComparison(
                teacher: Self.models.teacher, student: Self.models.student,
                x: Matrix(rows: 0, columns: 4), labels: nil, teacherSpeed: Self.teacherSpeed,
                studentSpeed: Self.studentSpeed)
        }
    }

    @Test("JSON round trip keeps the numbers and leaves out the raw scores")
    func jsonRoundTrip() throws {
        let comparison = try Self.compare()
        let data = try JSONEncoder().encode(comparison)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"speed_up\"") && json.contains("\"roc_auc\"") && json.contains("\"bytes_on_disk\""))
        #expect(!json.contains("teacher_scores") && !json.contains("teacherScores"))
        #expect(data.count < 10_000)
        let decoded = try JSONDecoder().decode(TeacherStudentComparison.self, from: data)
        #expect(decoded.teacher == comparison.teacher)
        #expect(decoded.student == comparison.student)
        #expect(decoded.fidelity == comparison.fidelity)
        #expect(decoded.speedUp == comparison.speedUp && decoded.parameterRatio == comparison.parameterRatio)
        #expect(decoded.rows == comparison.rows && decoded.anomalies == comparison.anomalies)
        #expect(decoded.teacherScores.isEmpty && decoded.labels == nil)
        #expect(decoded.text() == comparison.text())
    }

    @Test("the terminal table has the three sections in aligned columns")
    func textTable() throws {
        let text = try Self.compare().text()
        for heading in [
            "Quality", "Fidelity", "Cost", "ROC-AUC", "Average precision", "Precision@n", "F1",
            "Top-k overlap", "Decision agreement", "Parameters", "Bytes on disk", "FLOPs per row",
            "Single-row latency", "Teacher", "Student vs teacher",
        ] {
            #expect(text.contains(heading), "missing \(heading)")
        }
        let lines = text.split(separator: "\n")
        let header = try #require(lines.first { $0.hasPrefix("Metric") })
        let teacherEnd = try #require(header.range(of: "Teacher")).upperBound
        let offset = header.distance(from: header.startIndex, to: teacherEnd)
        // Teacher values are right-aligned under the "Teacher" heading.
        let auc = try #require(lines.first { $0.hasPrefix("ROC-AUC") })
        let value = auc.prefix(offset)
        #expect(value.last?.isNumber == true)
    }

    @Test(
        "number formatting",
        arguments: [
            (TeacherStudentComparison.ratio(12.34, "faster"), "12.3× faster"),
            (TeacherStudentComparison.ratio(0.5, "faster"), "2.0× slower"),
            (TeacherStudentComparison.ratio(250, "fewer"), "250× fewer"),
            (TeacherStudentComparison.grouped(1_234_567), "1,234,567"),
            (TeacherStudentComparison.bytes(2_500), "2.50 kB"),
            (TeacherStudentComparison.duration(0.0000123), "12.3 µs"),
            (TeacherStudentComparison.signed(-0.0123), "−0.012"),
            (TeacherStudentComparison.compact(1_530_000), "1.53M"),
        ])
    func formatting(pair: (String, String)) {
        #expect(pair.0 == pair.1)
    }

    @Test("ROC and PR curve points")
    func curves() {
        let scores: [Float] = [0.9, 0.8, 0.8, 0.3, 0.1], labels = [1, 0, 1, 0, 0]
        let roc = TeacherStudentComparison.rocCurve(scores: scores, labels: labels)
        let expectedX: [Double] = [0, 0, 1.0 / 3, 2.0 / 3, 1], expectedY: [Double] = [0, 0.5, 1, 1, 1]
        #expect(roc.map(\.x) == expectedX)
        #expect(roc.map(\.y) == expectedY)
        let pr = TeacherStudentComparison.precisionRecallCurve(scores: scores, labels: labels)
        #expect(pr.first?.x == 0 && pr.first?.y == 1)
        #expect(pr[2].x == 1 && pr[2].y == 2.0 / 3)
        #expect(
            TeacherStudentComparison.subsample(rows: 10_000, count: 2_000, seed: 1)
                == TeacherStudentComparison.subsample(rows: 10_000, count: 2_000, seed: 1))
        #expect(TeacherStudentComparison.subsample(rows: 50, count: 2_000, seed: 1) == Array(0..<50))
    }
}
