import Foundation

/// A teacher and its distilled student evaluated on the same test rows: quality, fidelity and cost side by side.
///
/// Build it with ``init(teacher:student:x:labels:teacherName:studentName:teacherSpeed:studentSpeed:)``; print it with
/// ``text()``, save it as JSON (`JSONEncoder`), or render it with ``html(title:)``. The raw test scores and labels
/// are kept for the charts but are not written to JSON (a decoded comparison has them empty).
public struct TeacherStudentComparison: Codable, Sendable {
    /// One model's results.
    public struct Side: Codable, Sendable, Hashable {
        /// A readable name (the detector's description, or one given).
        public var name: String
        /// The decision threshold (from the detector's training scores and contamination).
        public var threshold: Double
        /// ROC-AUC, average precision, precision/recall/F1 at ``threshold`` and precision@n on the test rows;
        /// `nil` without labels of both classes.
        public var quality: MetricReport?
        /// Size and measured speed.
        public var cost: ModelCost

        public init(name: String, threshold: Double, quality: MetricReport?, cost: ModelCost) {
            self.name = name
            self.threshold = threshold
            self.quality = quality
            self.cost = cost
        }
    }

    /// Test rows scored.
    public var rows: Int
    /// Labelled anomalies among them, when there are labels.
    public var anomalies: Int?
    public var teacher: Side
    public var student: Side
    /// How closely the student follows the teacher (Spearman, top-k overlap, decision agreement).
    public var fidelity: Fidelity
    /// Student rows per second ÷ teacher rows per second (batch scoring).
    public var speedUp: Double
    /// Teacher parameters ÷ student parameters (how many times fewer the student has).
    public var parameterRatio: Double
    /// How both explain the test rows (when both models have explainers).
    public var explanations: ExplanationSummary?

    /// The teacher's scores of the test rows (not in the JSON).
    public var teacherScores: [Float] = []
    /// The student's scores of the test rows (not in the JSON).
    public var studentScores: [Float] = []
    /// The test labels, when given (not in the JSON).
    public var labels: [Int]? = nil

    /// Scores `x` with both models, computes quality (with labels), fidelity and cost.
    ///
    /// - Parameters:
    ///   - teacher: the fitted teacher.
    ///   - student: the fitted student (any fitted detector works).
    ///   - x: preprocessed test rows, as wide as both models expect.
    ///   - labels: 0/1 labels of the rows, or `nil`; quality rows are absent without both classes.
    ///   - teacherName: shown in reports; the teacher's kind by default.
    ///   - studentName: shown in reports; the student's kind by default.
    ///   - teacherSpeed: the teacher's measured scoring speed.
    ///   - studentSpeed: the student's measured scoring speed.
    /// - Throws: `DataError` for no rows, mismatched widths or label counts, labels other than 0/1; scoring errors.
    public init(
        teacher: any FittedDetector, student: any FittedDetector, x: Matrix, labels: [Int]?,
        teacherName: String? = nil, studentName: String? = nil,
        teacherSpeed: ModelCost.Speed, studentSpeed: ModelCost.Speed
    ) throws {
        guard x.rows > 0 else {
            throw DataError.invalidInput(
                name: "test rows", reason: "expected at least one row to compare on, found none")
        }
        if let labels {
            guard labels.count == x.rows else {
                throw DataError.invalidInput(
                    name: "labels", reason: "expected \(x.rows) labels (one per row), found \(labels.count)")
            }
            if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) {
                throw DataError.invalidInput(name: "labels", reason: "expected 0 or 1, found \(bad)")
            }
        }
        let teacherScores = try teacher.scores(x), studentScores = try student.scores(x)
        let hasBothClasses = labels.map { Set($0).count == 2 } ?? false
        func quality(_ scores: [Float], _ threshold: Double) throws -> MetricReport? {
            guard hasBothClasses, let labels else { return nil }
            return try MetricReport(scores: scores, labels: labels, threshold: threshold)
        }
        let teacherCost = try ModelCost(describing: teacher, speed: teacherSpeed)
        let studentCost = try ModelCost(describing: student, speed: studentSpeed)
        self.teacher = Side(
            name: teacherName ?? teacher.modelKind, threshold: teacher.threshold,
            quality: try quality(teacherScores, teacher.threshold), cost: teacherCost)
        self.student = Side(
            name: studentName ?? student.modelKind, threshold: student.threshold,
            quality: try quality(studentScores, student.threshold), cost: studentCost)
        fidelity = try Fidelity(
            teacherScores: teacherScores, studentScores: studentScores,
            teacherThreshold: teacher.threshold, studentThreshold: student.threshold,
            contamination: teacher.state.contamination)
        rows = x.rows
        anomalies = labels.map { $0.reduce(0, +) }
        speedUp = studentCost.rowsPerSecond / teacherCost.rowsPerSecond
        parameterRatio = Double(teacherCost.parameters) / Double(max(studentCost.parameters, 1))
        self.teacherScores = teacherScores
        self.studentScores = studentScores
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case rows, anomalies, teacher, student, fidelity, explanations
        case speedUp = "speed_up"
        case parameterRatio = "parameter_ratio"
    }
}
