import Foundation

/// What a whole distillation produced: teacher, student, preprocessing, and both judged on the test rows.
public struct DistillationRunResult: Sendable {
    public var teacher: any FittedDetector
    public var student: FittedStudent
    public var preprocessor: Preprocessor
    public var trainRows: Int
    /// The preprocessed test rows and their labels (empty when there is no test split).
    public var testInputs: Matrix
    public var testLabels: [Int]?
    /// The raw test rows (`nil` without a test split): what the cost measurement scores.
    public var testTable: Table?
    /// Metrics at each one's own threshold, when the test rows have both classes.
    public var teacherTest: MetricReport?
    public var studentTest: MetricReport?
    /// Student against teacher on the test rows (on the training rows when there is no test split).
    public var fidelity: Fidelity
    public var teacherFitSeconds: Double
    public var distillSeconds: Double
}

/// The whole pipeline in one call: data → teacher → soft targets → student → evaluation.
public enum DistillationRun {
    /// Fits `teacher` on the training rows, distils a student from it and judges both on the test rows.
    ///
    /// - Parameters:
    ///   - teacher: The teacher configuration (``DetectorCatalog`` builds one by name).
    ///   - distiller: The student and how it learns.
    ///   - source: One file (split with the seed) or train and test files.
    ///   - useLabels: Give the training labels to the student's hard loss (and to a supervised teacher).
    ///   - window: Turns rows into windows of past readings first (time series), or `nil`.
    ///   - warmStart: A student whose weights the new one starts from (``Adaptation``), or `nil`.
    ///   - trim: The share of the training rows, in [0, 0.5), that the teacher fitted on all of them scores
    ///     highest and that a second fit (and the student) leaves out: anomalies in data taken as normal should not
    ///     become normal. 0 fits once.
    /// - Throws: `DataError`, `TrainingError` or `EvaluationError`; `ConfigurationError.invalidSetting` naming
    ///   `trim` for a share out of range.
    public static func run(teacher: any Detector, distiller: Distiller, source: DataSource,
                           options: ReadOptions = ReadOptions(), window: WindowRequest? = nil, seed: UInt64,
                           useLabels: Bool = false, warmStart: FittedStudent? = nil,
                           trim: Double = 0) throws -> DistillationRunResult {
        guard trim >= 0 && trim < 0.5 else {
            throw ConfigurationError.invalidSetting(name: "trim", reason: "expected a share in [0, 0.5), found \(trim)")
        }
        try teacher.validate()
        try distiller.validate()
        var random = RandomSource(seed: seed)
        let (train, test, fittedWindow) = try DetectorRun.readTables(source, options: options, window: window, random: &random)
        var preprocessor = try Preprocessor.fit(train, scaling: teacher.inputScaling)
        preprocessor.window = fittedWindow
        var x = try preprocessor.transform(train)
        var labels = train.labels
        let clock = ContinuousClock()
        var fitted: (any FittedDetector)?
        let fitTime = try clock.measure {
            var model = try teacher.fit(x, labels: labels, using: &random)
            if trim > 0 {
                let scores = model.trainingScores
                let cut = Statistics.quantile(sorted: scores.map(Double.init).sorted(), 1 - trim)
                let kept = scores.indices.filter { Double(scores[$0]) <= cut }
                x = x.rows(at: kept)
                labels = labels.map { all in kept.map { all[$0] } }
                model = try teacher.fit(x, labels: labels, using: &random)
            }
            fitted = model
        }
        guard let fitted else { throw TrainingError.noTrainingRows }
        return try finish(teacher: fitted, teacherFitSeconds: fitTime.seconds, distiller: distiller,
                          preprocessor: preprocessor, x: x, trainLabels: useLabels ? labels : nil, test: test,
                          warmStart: warmStart, random: &random)
    }

    /// Distils a student from a saved teacher (a model file with its preprocessing).
    ///
    /// - Throws: `ModelError` for a file that is not a teacher, `DataError.schemaMismatch` or
    ///   `DataError.missingColumn` naming the column when the data differs from the teacher's schema.
    public static func distill(teacherFile: URL, distiller: Distiller, source: DataSource, seed: UInt64,
                               useLabels: Bool = false) throws -> DistillationRunResult {
        try distiller.validate()
        let (teacher, stored) = try ModelRegistry.load(from: teacherFile)
        guard let preprocessor = stored else {
            throw ModelError.invalidMetadata(file: teacherFile.path,
                                             reason: "expected the teacher's preprocessing in the file, found none")
        }
        if teacher is FittedStudent {
            throw ModelError.wrongModelKind(file: teacherFile.path, expected: "a teacher detector",
                                            found: teacher.modelKind)
        }
        var random = RandomSource(seed: seed)
        let (train, test) = try preprocessor.window.map { try DetectorRun.readTables(source, window: $0, random: &random) }
            ?? DetectorRun.readTables(source, options: ReadOptions(schema: preprocessor.schema), random: &random)
        let x = try preprocessor.transform(train)
        return try finish(teacher: teacher, teacherFitSeconds: 0, distiller: distiller, preprocessor: preprocessor, x: x,
                          trainLabels: useLabels ? train.labels : nil, test: test, random: &random)
    }

    private static func finish(teacher: any FittedDetector, teacherFitSeconds: Double, distiller: Distiller,
                               preprocessor: Preprocessor, x: Matrix, trainLabels: [Int]?, test: Table?,
                               warmStart: FittedStudent? = nil, random: inout RandomSource) throws -> DistillationRunResult {
        let clock = ContinuousClock()
        var student: FittedStudent?
        let distillTime = try clock.measure {
            // The teacher's attributions behind a distilled explanation start from the row the product explains from.
            let baseline = distiller.explanation.isDistilled
                ? try ScoringModel(detector: teacher, preprocessor: preprocessor).explanationBaseline : nil
            student = try distiller.distill(teacher: teacher, x: x, labels: trainLabels, warmStart: warmStart,
                                            baseline: baseline,
                                            using: &random)
        }
        guard let student else { throw TrainingError.noTrainingRows }
        let testInputs = try test.map { try preprocessor.transform($0) } ?? Matrix(rows: 0, columns: x.columns)
        let judged = testInputs.rows > 0 ? testInputs : x
        let fidelity = try Fidelity(teacher: teacher, student: student, on: judged)
        var teacherTest: MetricReport?, studentTest: MetricReport?
        if let labels = test?.labels, Set(labels).count == 2 {
            teacherTest = try MetricReport(scores: try teacher.scores(testInputs), labels: labels,
                                           threshold: teacher.state.threshold)
            studentTest = try MetricReport(scores: try student.scores(testInputs), labels: labels,
                                           threshold: student.state.threshold)
        }
        return DistillationRunResult(
            teacher: teacher, student: student, preprocessor: preprocessor, trainRows: x.rows, testInputs: testInputs,
            testLabels: test?.labels, testTable: test, teacherTest: teacherTest, studentTest: studentTest, fidelity: fidelity,
            teacherFitSeconds: teacherFitSeconds, distillSeconds: distillTime.seconds)
    }

}

extension DistillationRunResult {
    /// The teacher and the student as scoring models (each with the run's preprocessing).
    public func scoringModels() throws -> (teacher: ScoringModel, student: ScoringModel) {
        (try ScoringModel(detector: teacher, preprocessor: preprocessor),
         try ScoringModel(detector: student, preprocessor: preprocessor))
    }

    /// Quality, fidelity and cost side by side on the test rows, with speeds measured as `bench` measures
    /// them (``ScoringBenchmark``, raw rows, preprocessing included); `nil` without test rows.
    public func comparison(teacherName: String, studentName: String,
                           benchmark: ScoringBenchmark.Options = ScoringBenchmark.Options(batchRows: 20_000, minimumSeconds: 0.2))
        throws -> TeacherStudentComparison? {
        guard let testTable, testTable.rowCount > 0, testInputs.rows > 0 else { return nil }
        let (teacherModel, studentModel) = try scoringModels()
        let rows = try teacherModel.rows(testTable)
        let teacherSpeed = try ScoringBenchmark.measure(teacherModel, on: rows, options: benchmark).speed
        let studentSpeed = try ScoringBenchmark.measure(studentModel, on: rows, options: benchmark).speed
        var comparison = try TeacherStudentComparison(
            teacher: teacher, student: student, x: testInputs, labels: testLabels, teacherName: teacherName,
            studentName: studentName, teacherSpeed: teacherSpeed, studentSpeed: studentSpeed)
        comparison.explanations = try Self.explanationSummary(teacher: teacherModel, student: studentModel, rows: rows,
                                                              teacherScores: comparison.teacherScores,
                                                              studentScores: comparison.studentScores)
        return comparison
    }

    /// Rows at most in an ``ExplanationSummary``'s agreement and importance.
    static let summaryRows = 250

    /// Both models' explanations of the rows either flags (at most ``summaryRows`` of them, evenly spread) and of the
    /// five the teacher finds most anomalous; `nil` when either model has no explainer.
    static func explanationSummary(teacher: ScoringModel, student: ScoringModel, rows: RawRows, teacherScores: [Float],
                                   studentScores: [Float]) throws -> ExplanationSummary? {
        guard teacher.canExplain, student.canExplain, rows.count == teacherScores.count else { return nil }
        let everyFlagged = (0..<rows.count).filter { teacher.isAnomaly(teacherScores[$0]) || student.isAnomaly(studentScores[$0]) }
        // At most 250 of them, evenly spread, so a large test set costs a bounded time.
        let flagged = everyFlagged.count <= summaryRows ? everyFlagged
            : (0..<summaryRows).map { everyFlagged[$0 * everyFlagged.count / summaryRows] }
        let top = Array((0..<rows.count).sorted { teacherScores[$0] > teacherScores[$1] }.prefix(5))
        let chosen = Array(Set(flagged).union(top)).sorted()
        let subset = rows.subset(chosen)
        let byTeacher = try teacher.explain(subset), byStudent = try student.explain(subset)
        let position = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($1, $0) })
        var agree = 0
        let columns = teacher.featureNames
        var teacherTotals = [Double](repeating: 0, count: columns.count), studentTotals = teacherTotals
        for row in flagged {
            let p = position[row]!
            if byTeacher.reasons(row: p, top: 1).first?.column == byStudent.reasons(row: p, top: 1).first?.column { agree += 1 }
            for (j, (t, s)) in zip(byTeacher.contributions(row: p), byStudent.contributions(row: p)).enumerated() {
                teacherTotals[j] += Double(abs(t))
                studentTotals[j] += Double(abs(s))
            }
        }
        let teacherSum = max(teacherTotals.reduce(0, +), .leastNonzeroMagnitude)
        let studentSum = max(studentTotals.reduce(0, +), .leastNonzeroMagnitude)
        let importance = columns.indices.map {
            ExplanationSummary.Importance(column: columns[$0], teacher: teacherTotals[$0] / teacherSum,
                                          student: studentTotals[$0] / studentSum)
        }.sorted { $0.teacher > $1.teacher }
        let examples = top.map { row -> ExplanationSummary.Example in
            let p = position[row]!
            func reasons(_ e: Explanations) -> [ExplanationSummary.Reason] {
                e.reasons(row: p, top: 3).map { ExplanationSummary.Reason(column: $0.column, contribution: $0.contribution) }
            }
            return ExplanationSummary.Example(row: row, teacherScore: teacherScores[row], studentScore: studentScores[row],
                                              teacher: reasons(byTeacher), student: reasons(byStudent))
        }
        return ExplanationSummary(flaggedByEither: everyFlagged.count, explainedRows: flagged.count,
                                  topReasonAgreement: flagged.isEmpty ? nil : Double(agree) / Double(flagged.count),
                                  importance: importance, examples: examples)
    }
}
