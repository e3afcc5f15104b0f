import AnomalyDistill
import Foundation

/// `ad-bench distill --splits DIR [--teacher NAME] [--members a,b] [--trees N] [--student SPEC] [--temperature T]
/// [--alpha A] [--augment KINDS] [--probe-ratio R] [--transfer rows|synthetic] [--objective soft|score-matching] [--labels] [--only a,b] [--seed N] [--variants "OPTS;OPTS;…"]`:
/// for each data set folder, fits the teacher on the training rows (no labels, contamination = the
/// training anomaly ratio), distils a student, and prints one JSON line per set: teacher and student
/// test ROC-AUC, fidelity on the test rows, parameters, and batch scoring speed of both measured in
/// process on the same rows (best of 3).
enum DistillBench {
    static func run(_ arguments: [String]) throws {
        var splits = "", teacherName = "ensemble", members: [String]?, trees: Int?, only: Set<String>?, seed: UInt64 = 0
        var base: [(String, String)] = [], variants: [String] = []
        var useLabels = false
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { usage() }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--splits": splits = value()
            case "--teacher": teacherName = value()
            case "--members": members = value().split(separator: ",").map(String.init)
            case "--trees": trees = Int(value())
            case "--labels": useLabels = true
            case "--only": only = Set(value().split(separator: ",").map(String.init))
            case "--seed": seed = UInt64(value()) ?? 0
            case "--variants": variants = value().split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            default: base.append((arguments[index], value()))
            }
            index += 1
        }
        // One distiller per variant, each the common options followed by its own (later options win); the teacher is
        // fitted once per set and every variant distils it with the same seed.
        let distillers = try (variants.isEmpty ? [""] : variants).map { variant in
            (variant, try distiller(base + pairs(variant.split(separator: " ").map(String.init))))
        }
        guard !splits.isEmpty else { usage() }
        let names = try FileManager.default.contentsOfDirectory(atPath: splits).sorted().filter { name in
            FileManager.default.fileExists(atPath: "\(splits)/\(name)/train.csv") && (only?.contains(name) ?? true)
        }
        for name in names {
            let train = try Table.read("\(splits)/\(name)/train.csv")
            let test = try Table.read("\(splits)/\(name)/test.csv", options: ReadOptions(schema: train.schema))
            guard let trainLabels = train.labels, let testLabels = test.labels else { continue }
            let preprocessor = try Preprocessor.fit(train)
            let x = try preprocessor.transform(train)
            let xTest = try preprocessor.transform(test)
            let contamination = min(0.5, max(Double(trainLabels.reduce(0, +)) / Double(trainLabels.count), 1e-6))
            var options = DetectorOptions(contamination: contamination)
            options.members = members
            options.trees = trees
            var random = RandomSource(seed: seed)
            let teacherDetector = try DetectorCatalog.make(teacherName, options: options)
            var teacher: (any FittedDetector)?
            let teacherFit = try DetectorBench.seconds {
                teacher = try teacherDetector.fit(x, labels: nil, using: &random)
            }
            guard let teacher else { continue }
            // The teacher's test scores, timing and size are the same for every variant.
            var teacherScores: [Float] = [], teacherSeconds = Double.infinity
            for _ in 0..<3 {
                teacherSeconds = min(teacherSeconds, try DetectorBench.seconds { teacherScores = try teacher.scores(xTest) })
            }
            let teacherFlags = teacherScores.map { Double($0) > teacher.state.threshold }
            let teacherParameters = try teacher.encode().tensors.reduce(0) { $0 + $1.elementCount }
            let teacherAUC = try Metrics.rocAUC(scores: teacherScores, labels: testLabels)
            let teacherF1 = try ConfusionMatrix(labels: testLabels, decisions: teacherFlags).f1
            for (variant, distiller) in distillers {
                var random = random
                var student: FittedStudent?
                let distillTime = try DetectorBench.seconds {
                    student = try distiller.distill(teacher: teacher, x: x, labels: useLabels ? trainLabels : nil, using: &random)
                }
                guard let student else { continue }
                var studentScores: [Float] = [], studentSeconds = Double.infinity
                for _ in 0..<3 {
                    studentSeconds = min(studentSeconds, try DetectorBench.seconds { studentScores = try student.scores(xTest) })
                }
                let studentValues = studentScores.map(Double.init)
                let fidelity = try Fidelity(teacherScores: teacherScores, studentScores: studentScores,
                                            teacherThreshold: teacher.state.threshold, studentThreshold: student.state.threshold,
                                            contamination: contamination)
                let studentParameters = try student.encode().tensors.reduce(0) { $0 + $1.elementCount }
                var record: [String: Any] = [
                    "dataset": name, "n_fit": x.rows, "n_test": xTest.rows, "features": x.columns,
                    "teacher_roc_auc": teacherAUC,
                    "student_roc_auc": try Metrics.rocAUC(scores: studentScores, labels: testLabels),
                    // F1 of each at its own threshold on the test rows (issue 11: student F1 ≥ teacher F1 − 0.02), and
                    // the student's F1 and decision agreement were its threshold its logit's zero (select-student.py).
                    "teacher_f1": teacherF1,
                    "student_f1": try ConfusionMatrix(scores: studentValues, labels: testLabels,
                                                      threshold: student.state.threshold).f1,
                    "student_f1_at_zero": try ConfusionMatrix(scores: studentValues, labels: testLabels, threshold: 0).f1,
                    "student_threshold": student.state.threshold,
                    "decision_agreement_at_zero": try Metrics.decisionAgreement(teacherFlags, studentValues.map { $0 > 0 }),
                    "spearman": fidelity.spearman, "top_k_overlap": fidelity.topKOverlap, "k": fidelity.k,
                    "decision_agreement": fidelity.decisionAgreement,
                    "teacher_parameters": teacherParameters, "student_parameters": studentParameters,
                    "teacher_rows_per_s": Double(xTest.rows) / teacherSeconds,
                    "student_rows_per_s": Double(xTest.rows) / studentSeconds,
                    "teacher_fit_s": teacherFit, "distill_s": distillTime,
                ]
                if !variants.isEmpty { record["variant"] = variant }
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// `--name value` tokens as (name, value) pairs.
    static func pairs(_ tokens: [String]) -> [(String, String)] {
        guard tokens.count.isMultiple(of: 2) else { usage() }
        return stride(from: 0, to: tokens.count, by: 2).map { (tokens[$0], tokens[$0 + 1]) }
    }

    /// A distiller from `--student`, `--temperature`, `--alpha`, `--augment`, `--probe-ratio`, `--transfer`,
    /// `--explanations` and `--objective` options, in order (a later one wins).
    static func distiller(_ options: [(String, String)]) throws -> Distiller {
        var distiller = Distiller()
        for (name, value) in options {
            switch name {
            case "--student": distiller.student = try StudentArchitecture(parsing: value)
            case "--temperature": distiller.temperature = Double(value) ?? 2
            case "--alpha": distiller.softWeight = Double(value) ?? 0.5
            case "--augment": distiller.transfer.augmentation = try TransferSet.Augmentation(parsing: value)
            case "--probe-ratio": distiller.transfer.ratio = Double(value) ?? 1
            case "--transfer": distiller.transfer.source = TransferSet.Source(rawValue: value) ?? .rows
            case "--explanations": distiller.explanation = StudentExplanation(rawValue: value) ?? .gradients
            case "--objective": distiller.objective = value == "score-matching" ? .scoreMatching : .softTargets
            default: usage()
            }
        }
        return distiller
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data("""
            usage: ad-bench distill --splits DIR [--teacher NAME] [--members a,b] [--trees N] [--student SPEC] [--temperature T]
                   [--alpha A] [--augment KINDS] [--probe-ratio R] [--transfer rows|synthetic] [--objective soft|score-matching] [--labels] [--only a,b] [--seed N] [--variants "OPTS;OPTS;…"]

            """.utf8))
        exit(2)
    }
}
