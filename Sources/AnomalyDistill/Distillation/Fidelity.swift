/// How faithfully a student reproduces its teacher on the same rows (DESIGN.md, *Evaluation*):
/// the Spearman correlation of their scores, the overlap of their top-k rows with k the expected
/// number of anomalies, and the fraction of rows on which their decisions agree, each at its own
/// threshold. The fidelity measures of distillation à la SUOD (Zhao et al. 2021) and Hinton et al. 2015.
public struct Fidelity: Codable, Sendable, Hashable {
    /// Spearman's rank correlation of teacher and student scores.
    public var spearman: Double
    /// |top-k(teacher) ∩ top-k(student)| / k.
    public var topKOverlap: Double
    /// The k of ``topKOverlap``: contamination × rows, rounded, at least 1.
    public var k: Int
    /// The fraction of rows both flag or both pass, each at its own threshold.
    public var decisionAgreement: Double
    /// The number of rows compared.
    public var rows: Int

    /// Fidelity from the two score vectors and thresholds.
    ///
    /// - Parameters:
    ///   - teacherScores: The teacher's score of each row.
    ///   - studentScores: The student's score of the same rows.
    ///   - teacherThreshold: Rows with a teacher score above it are the teacher's anomalies.
    ///   - studentThreshold: Likewise for the student.
    ///   - contamination: The expected anomaly fraction that sets k.
    /// - Throws: `EvaluationError` for empty, mismatched, non-finite or constant scores.
    public init(teacherScores: [Float], studentScores: [Float], teacherThreshold: Double, studentThreshold: Double,
                contamination: Double) throws {
        let k = min(teacherScores.count, max(1, Int((contamination * Double(teacherScores.count)).rounded())))
        if let first = teacherScores.first, teacherScores.allSatisfy({ $0 == first }) {
            throw EvaluationError.constantScores(
                who: "the teacher", rows: teacherScores.count,
                why: "its features are constant on these rows, or there are too few rows to tell them apart")
        }
        if let first = studentScores.first, studentScores.allSatisfy({ $0 == first }) {
            throw EvaluationError.constantScores(
                who: "the student", rows: studentScores.count,
                why: "it learned nothing from the teacher (too few rows, or too deep a student to train: try a smaller one)")
        }
        spearman = try Metrics.spearman(teacherScores, studentScores)
        topKOverlap = try Metrics.topKOverlap(teacherScores, studentScores, k: k)
        decisionAgreement = try Metrics.decisionAgreement(
            teacherScores.map { Double($0) > teacherThreshold }, studentScores.map { Double($0) > studentThreshold })
        self.k = k
        rows = teacherScores.count
    }

    /// The fidelity of `student` to `teacher` on the rows of `x`, at the teacher's contamination.
    ///
    /// - Throws: `DataError.schemaMismatch` for a wrong width, `EvaluationError` as above.
    public init(teacher: any FittedDetector, student: any FittedDetector, on x: Matrix) throws {
        try self.init(teacherScores: try teacher.scores(x), studentScores: try student.scores(x),
                      teacherThreshold: teacher.state.threshold, studentThreshold: student.state.threshold,
                      contamination: teacher.state.contamination)
    }

    enum CodingKeys: String, CodingKey {
        case spearman, k, rows
        case topKOverlap = "top_k_overlap"
        case decisionAgreement = "decision_agreement"
    }
}
