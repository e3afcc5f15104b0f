import AnomalyDistill
import ArgumentParser
import Foundation

/// How the student is built and trained (`run`, `distill`, `demo`).
struct StudentArguments: ParsableArguments {
    @Option(help: "The student: mlp (widths from the feature count), mlp:32,16 (widths in [1, 4096], at most 16 layers), or linear.")
    var student = "mlp"

    @Option(parsing: .unconditional, help: "Distillation temperature T in [0.1, 100] (soft target σ(ℓ/T)).")
    var temperature = 2.0

    @Option(parsing: .unconditional, help: "Weight α in [0, 1] of the soft loss; 1 − α weighs the hard loss on labels (with --use-labels).")
    var alpha = 0.5

    @Option(help: "Synthetic probes labelled by the teacher: all (jitter, mixup, uniform), none, or a list of jitter,mixup,uniform,tail (default: uniform,tail; jitter,mixup,uniform,tail for gradient-boosting).")
    var augment: String?

    @Option(name: .customLong("probe-ratio"), parsing: .unconditional,
            help: "Synthetic probes per training row, in [0, 1000], at most 50,000 in all (default: 2; 1000 for gradient-boosting).")
    var probeRatio: Double?

    @Option(help: ArgumentHelp(
        "rows (the training rows plus probes) or synthetic (rows drawn from a Gaussian copula of the training rows, plus probes around them: the student never sees a real row, and its file holds no training row and no per-row training score).",
        valueName: "rows|synthetic"))
    var transfer = TransferSet.Source.rows.rawValue

    @Option(help: ArgumentHelp(
        "How the student explains its rows: gradients (integrated gradients of its score), distilled (a second small network trained on the teacher's own attributions, so that student and teacher name the same reasons) or distilled-tails (the same network reading heavy-tailed columns on a log scale, for columns with a few rows thousands of deviations out).",
        valueName: "gradients|distilled|distilled-tails"))
    var explanations: String?

    @Option(help: "soft (temperature-scaled soft targets) or score-matching (MSE on the teacher's logit, SUOD-style); default: soft, score-matching for gradient-boosting.")
    var objective: String?

    @Option(name: .customLong("student-epochs"), parsing: .unconditional, help: "Most epochs for the student (early stopping ends sooner), in [1, 100000].")
    var studentEpochs = 200

    @Flag(name: .customLong("use-labels"), help: "Mix the training labels into the student's loss (weight 1 − α).")
    var useLabels = false

    func validate() throws {
        try OptionRange.check(temperature, SettingLimits.temperature, "--temperature")
        guard alpha >= 0 && alpha <= 1 else { throw ValidationError("--alpha must be in [0, 1], found \(alpha)") }
        try OptionRange.check(studentEpochs, SettingLimits.epochs, "--student-epochs")
        if let probeRatio, !(probeRatio >= 0 && probeRatio <= 1000) {
            throw ValidationError("--probe-ratio must be in [0, 1000], found \(probeRatio)")
        }
        do {
            _ = try StudentArchitecture(parsing: student)
            if let augment { _ = try TransferSet.Augmentation(parsing: augment) }
        } catch {
            throw ValidationError(String(describing: error))
        }
        if let explanations, StudentExplanation(rawValue: explanations) == nil {
            throw ValidationError("--explanations must be gradients, distilled or distilled-tails, found \(explanations)")
        }
        guard TransferSet.Source(rawValue: transfer) != nil else {
            throw ValidationError("--transfer must be rows or synthetic, found \(transfer)")
        }
        if let objective, Self.objective(objective) == nil {
            throw ValidationError("--objective must be soft or score-matching, found \(objective)")
        }
    }

    private static func objective(_ name: String) -> Distiller.Objective? {
        switch name {
        case "soft": .softTargets
        case "score-matching": .scoreMatching
        default: nil
        }
    }

    /// The distiller these options ask for, starting from the defaults for a teacher whose inputs are scaled
    /// with `scaling` (``Distiller/defaults(for:)``); every option given on the command line wins.
    func makeDistiller(for scaling: Preprocessor.Scaling) throws -> Distiller {
        var distiller = Distiller.defaults(for: scaling)
        distiller.student = try StudentArchitecture(parsing: student)
        distiller.temperature = temperature
        distiller.softWeight = alpha
        distiller.training.epochs = studentEpochs
        if let objective, let chosen = Self.objective(objective) { distiller.objective = chosen }
        if let augment { distiller.transfer.augmentation = try TransferSet.Augmentation(parsing: augment) }
        if let probeRatio { distiller.transfer.ratio = probeRatio }
        distiller.transfer.source = TransferSet.Source(rawValue: transfer) ?? .rows
        if let explanations, let chosen = StudentExplanation(rawValue: explanations) { distiller.explanation = chosen }
        return distiller
    }
}

/// The teacher-vs-student summary the distillation commands print.
struct DistillationOutput: Codable {
    var teacher: String
    var student: String
    var model: String?
    var trainRows: Int
    var testRows: Int
    var teacherFitSeconds: Double
    var distillSeconds: Double
    var teacherParameters: Int
    var studentParameters: Int
    var fidelity: Fidelity
    var teacherTest: MetricReport?
    var studentTest: MetricReport?
    /// Quality, fidelity and cost side by side on the test rows (absent without test rows).
    var comparison: TeacherStudentComparison?

    enum CodingKeys: String, CodingKey {
        case teacher, student, model, fidelity, comparison
        case trainRows = "train_rows"
        case testRows = "test_rows"
        case teacherFitSeconds = "teacher_fit_seconds"
        case distillSeconds = "distill_seconds"
        case teacherParameters = "teacher_parameters"
        case studentParameters = "student_parameters"
        case teacherTest = "teacher_test"
        case studentTest = "student_test"
    }

    init(_ result: DistillationRunResult, teacher: String, student: String, model: String?) throws {
        self.teacher = teacher
        self.student = student
        self.model = model
        trainRows = result.trainRows
        testRows = result.testInputs.rows
        teacherFitSeconds = result.teacherFitSeconds
        distillSeconds = result.distillSeconds
        teacherParameters = try Self.parameters(result.teacher)
        studentParameters = try Self.parameters(result.student)
        fidelity = result.fidelity
        teacherTest = result.teacherTest
        studentTest = result.studentTest
        comparison = try result.comparison(teacherName: teacher, studentName: student)
    }

    /// The self-contained HTML report.
    /// - Throws: `ConfigurationError.invalidSetting` when there were no test rows to compare on.
    func reportHTML(title: String) throws -> String {
        guard let comparison else {
            throw ConfigurationError.invalidSetting(name: "report", reason: "a report needs test rows (--test or --test-fraction > 0)")
        }
        return comparison.html(title: title)
    }

    /// Scalars in a model's tensors (training scores excluded).
    static func parameters(_ detector: any FittedDetector) throws -> Int {
        try detector.encode().tensors.reduce(0) { $0 + $1.elementCount }
    }

    func text() -> String {
        func f(_ x: Double) -> String { Format.fixed(x, 4) }
        func delta(_ a: Double, _ b: Double) -> String { String(format: "%+.4f", b - a) }
        var rows: [[String]] = []
        if let t = teacherTest, let s = studentTest {
            rows += [
                ["ROC-AUC", f(t.rocAUC), f(s.rocAUC), delta(t.rocAUC, s.rocAUC)],
                ["average precision", f(t.averagePrecision), f(s.averagePrecision), delta(t.averagePrecision, s.averagePrecision)],
                ["precision@n", f(t.precisionAtN), f(s.precisionAtN), delta(t.precisionAtN, s.precisionAtN)],
                ["precision", f(t.precision), f(s.precision), delta(t.precision, s.precision)],
                ["recall", f(t.recall), f(s.recall), delta(t.recall, s.recall)],
                ["F1", f(t.f1), f(s.f1), delta(t.f1, s.f1)],
            ]
        }
        rows += [
            ["Spearman (student vs teacher)", "", f(fidelity.spearman), ""],
            ["top-k overlap (k = \(fidelity.k))", "", f(fidelity.topKOverlap), ""],
            ["decision agreement", "", f(fidelity.decisionAgreement), ""],
            ["parameters", Format.integer(teacherParameters), Format.integer(studentParameters),
             String(format: "%.0f× fewer", Double(teacherParameters) / Double(max(studentParameters, 1)))],
            ["fit seconds", Format.fixed(teacherFitSeconds, 2), Format.fixed(distillSeconds, 2), ""],
        ]
        var lines = comparison == nil ? ["Teacher: \(teacher)", "Student: \(student)"] : []
        lines.append("Rows:    \(Format.integer(trainRows)) train, \(Format.integer(testRows)) test")
        if let model { lines.append("Model:   \(model)") }
        lines.append("")
        if let comparison {
            lines.append(comparison.text())
            if !ScoringBenchmark.isOptimizedBuild { lines.append(BuildNote.text) }
            lines.append("Fit seconds: teacher \(Format.fixed(teacherFitSeconds, 2)), student \(Format.fixed(distillSeconds, 2))")
        } else {
            lines += Format.table(header: ["", "teacher", "student", "difference"], rows: rows, rightAligned: [1, 2, 3])
        }
        return lines.joined(separator: "\n")
    }
}
