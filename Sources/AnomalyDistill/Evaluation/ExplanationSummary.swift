/// How the teacher and the student explain the test rows, side by side: how often their top reasons agree on the
/// rows either flags, which columns matter overall, and the reasons of the most anomalous rows.
///
/// Pure data: the pipeline fills it from both models' explanations (`ScoringModel.explain`); reports print it.
public struct ExplanationSummary: Codable, Sendable, Equatable {
    /// A column's share of a model's total |contribution| over the flagged rows.
    public struct Importance: Codable, Sendable, Equatable {
        public var column: String
        public var teacher: Double
        public var student: Double
    }

    /// One reason: a column and its contribution.
    public struct Reason: Codable, Sendable, Equatable {
        public var column: String
        public var contribution: Float
    }

    /// A test row's strongest reasons, by each model.
    public struct Example: Codable, Sendable, Equatable {
        /// The row's 0-based position among the test rows.
        public var row: Int
        public var teacherScore: Float
        public var studentScore: Float
        public var teacher: [Reason]
        public var student: [Reason]

        enum CodingKeys: String, CodingKey {
            case row, teacher, student
            case teacherScore = "teacher_score"
            case studentScore = "student_score"
        }
    }

    /// Test rows flagged by the teacher, the student or both.
    public var flaggedByEither: Int
    /// How many of them were explained (all, or at most 250 evenly spread).
    public var explainedRows: Int
    /// The share of the explained rows whose top reason is the same column for both (`nil` when none is flagged).
    public var topReasonAgreement: Double?
    /// Every column, by the teacher's importance (descending).
    public var importance: [Importance]
    /// The most anomalous test rows by the teacher, with three reasons each.
    public var examples: [Example]

    public init(flaggedByEither: Int, explainedRows: Int, topReasonAgreement: Double?, importance: [Importance],
                examples: [Example]) {
        self.flaggedByEither = flaggedByEither
        self.explainedRows = explainedRows
        self.topReasonAgreement = topReasonAgreement
        self.importance = importance
        self.examples = examples
    }

    enum CodingKeys: String, CodingKey {
        case importance, examples
        case flaggedByEither = "flagged_by_either"
        case explainedRows = "explained_rows"
        case topReasonAgreement = "top_reason_agreement"
    }
}
