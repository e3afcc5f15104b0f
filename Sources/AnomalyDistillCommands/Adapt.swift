import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill adapt`: the student's teacher fitted again on recent data, the student re-distilled from it
/// starting from its old weights.
struct Adapt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refit a student's teacher on recent normal data and re-distil the student, warm-started.",
        discussion: """
            The student file (from run) holds its recipe: the teacher's name and options, the window, the \
            distillation settings. adapt fits that teacher on --data (rows in order; recent normal operation), \
            refits the preprocessing and the window on it, and distils a student of the same shape starting from \
            the old student's weights. The new file replaces the old one atomically at --out, so a server watching \
            it picks it up with POST /v1/model/reload or SIGHUP.
            """)

    @Option(name: [.customShort("m"), .long], help: "The student model file (.safetensors, from run).")
    var model: String

    @Option(help: "Recent data with the model's columns, in time order (labels are not used).")
    var data: String

    @Option(help: "The new student model file (written whole or not at all; may be --model itself).")
    var out: String

    @Option(help: "Seed for every random choice.")
    var seed: UInt64 = 0

    @Option(name: .customLong("student-epochs"), parsing: .unconditional,
            help: "Most epochs for the new student (default: the recipe's; early stopping ends sooner), in [1, 100000].")
    var studentEpochs: Int?

    @Option(parsing: .unconditional,
            help: "The share of the recent rows, in [0, 0.5), that a first fit scores highest and that the refit leaves out (recent data with anomalies in it).")
    var trim: Double = 0

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("--out must name a file, found an empty path") }
        try OptionRange.check(studentEpochs, SettingLimits.epochs, "--student-epochs")
        guard trim >= 0 && trim < 0.5 else { throw ValidationError("--trim must be in [0, 0.5), found \(trim)") }
    }

    struct Output: Codable {
        var model: String
        var rows: Int
        var teacher: String
        var teacherFitSeconds: Double
        var distillSeconds: Double
        var fidelity: Fidelity

        enum CodingKeys: String, CodingKey {
            case model, rows, teacher, fidelity
            case teacherFitSeconds = "teacher_fit_seconds"
            case distillSeconds = "distill_seconds"
        }
    }

    func render() throws -> String {
        let file = try OutputFile.opening(out)
        let stored = try ModelFile.read(from: URL(fileURLWithPath: model))
        let result = try Adaptation.adapt(student: stored, recent: .single(data, testFraction: 0), seed: seed,
                                          epochs: studentEpochs, trim: trim)
        let (metadata, tensors) = try DetectorFile.encode(result.student, preprocessor: result.preprocessor,
                                                          training: stored.metadata.training)
        try ModelFile.write(tensors: tensors, metadata: metadata, to: file)
        try file.committing()
        let output = Output(model: out, rows: result.trainRows, teacher: result.teacher.modelKind,
                            teacherFitSeconds: result.teacherFitSeconds, distillSeconds: result.distillSeconds,
                            fidelity: result.fidelity)
        if json { return try JSONOutput.string(output) }
        return [
            "Adapted:  \(model) → \(out)",
            "Rows:     \(Format.integer(output.rows)) from \(data)",
            "Teacher:  \(output.teacher) refitted in \(Format.fixed(output.teacherFitSeconds, 3)) s",
            "Student:  re-distilled from the old weights in \(Format.fixed(output.distillSeconds, 3)) s",
            "Fidelity: Spearman \(Format.fixed(output.fidelity.spearman, 3)), decision agreement "
                + "\(Format.fixed(100 * output.fidelity.decisionAgreement, 1))% on the recent rows",
        ].joined(separator: "\n")
    }

    func run() async throws {
        print(try render())
    }
}
