import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill run`: data → teacher → soft targets → student → teacher-vs-student report.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole pipeline: train a teacher, distil a small student from it, compare them, save the student.")

    @OptionGroup var teacher: DetectorArguments
    @OptionGroup var studentOptions: StudentArguments
    @OptionGroup var source: SourceArguments
    @OptionGroup var data: DataOptions

    @Option(help: "The student model file to write (.safetensors).")
    var out: String

    @Option(help: "Also write a self-contained HTML report (curves, histograms, scatter, cost) to this file.")
    var report: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func run() async throws {
        print(try render())
    }

    func validate() throws {
        try CommandOutputs.validate(model: out, report: report, source: source)
    }

    func render() throws -> String {
        let progress = Progress(quiet: quiet || json)
        let outputs = try CommandOutputs(model: out, report: report)
        let configured = try teacher.makeDetector()
        let distiller = try studentOptions.makeDistiller(for: configured.inputScaling)
        progress.stage("Teacher: \(configured.description)")
        let result = try progress.withBar {
            try DistillationRun.run(teacher: configured, distiller: distiller, source: source.source,
                                    options: data.readOptions, window: teacher.windowOptions.request, seed: source.seed,
                                    useLabels: studentOptions.useLabels)
        }
        let recipe = DistillationRecipe(teacher: teacher.detector, teacherOptions: teacher.options,
                                        window: teacher.windowOptions.request, distiller: distiller)
        let text = try StudentFile.finish(result, teacher: configured.description, student: distiller.description,
                                          outputs: outputs, title: "AnomalyDistill: teacher vs student", json: json,
                                          transfer: distiller.transfer.source, recipe: recipe)
        progress.stage("Saved \(out)")
        return text
    }
}

/// `anomaly-distill distill`: a student from a saved teacher.
struct Distill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Distil a small student from a saved teacher model on data with the teacher's columns.")

    @Option(name: .customLong("teacher"), help: "The teacher model file (.safetensors, from `fit`).")
    var teacherFile: String

    @OptionGroup var studentOptions: StudentArguments
    @OptionGroup var source: SourceArguments

    @Option(help: "The student model file to write (.safetensors).")
    var out: String

    @Option(help: "Also write a self-contained HTML report (curves, histograms, scatter, cost) to this file.")
    var report: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func run() async throws {
        print(try render())
    }

    func validate() throws {
        try CommandOutputs.validate(model: out, report: report, source: source)
    }

    func render() throws -> String {
        let progress = Progress(quiet: quiet || json)
        let outputs = try CommandOutputs(model: out, report: report)
        let teacherURL = URL(fileURLWithPath: teacherFile)
        let scaling = try ModelRegistry.load(from: teacherURL).preprocessor?.scaling ?? .standard
        let distiller = try studentOptions.makeDistiller(for: scaling)
        let result = try progress.withBar {
            try DistillationRun.distill(teacherFile: teacherURL, distiller: distiller,
                                        source: source.source, seed: source.seed, useLabels: studentOptions.useLabels)
        }
        return try StudentFile.finish(result, teacher: teacherFile, student: distiller.description, outputs: outputs,
                                      title: "AnomalyDistill: teacher vs student", json: json,
                                      transfer: distiller.transfer.source)
    }
}

/// `anomaly-distill demo`: the whole pipeline on the embedded data set.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline on the embedded breast cancer data (no file needed) and print the comparison.")

    @Option(help: "Seed for every random choice.")
    var seed: UInt64 = 0

    @Option(help: "Where to write the student model (default: a temporary file).")
    var out: String?

    @Option(help: "Also write a self-contained HTML report to this file.")
    var report: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func run() async throws {
        print(try render())
    }

    func render() throws -> String {
        let progress = Progress(quiet: quiet || json)
        let model = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("anomaly-distill-demo.safetensors").path
        let outputs = try CommandOutputs(model: model, report: report)
        let path = try EmbeddedData.breastCancerPath()
        // The embedded set is 37% malignant: anomalies are not rare. As the ODDS `wbc` set does, keep
        // every benign row and a seeded sample of malignant ones, 10% of the rows.
        let table = try EmbeddedData.anomalySubsample(Table.read(path), anomalyShare: 0.1, seed: seed)
        let teacher = try DetectorCatalog.make("ensemble", options: DetectorOptions(contamination: 0.1))
        let distiller = Distiller()
        progress.stage("Demo on \(EmbeddedData.name) (embedded): teacher \(teacher.description)")
        let result = try progress.withBar {
            try DistillationRun.run(teacher: teacher, distiller: distiller, source: .table(table, testFraction: 0.4),
                                    seed: seed)
        }
        return try StudentFile.finish(result, teacher: teacher.description, student: distiller.description, outputs: outputs,
                                      title: "AnomalyDistill demo: breast cancer (embedded)", json: json,
                                      transfer: distiller.transfer.source)
    }
}

/// What the distillation commands do once the student exists: save it, compare, report, print.
enum StudentFile {
    /// Writes the student with its preprocessing and, when asked, the HTML report into the outputs opened
    /// before the work, then commits them — nothing is written unless everything before succeeded — and
    /// returns the comparison as a table or JSON.
    /// - Parameters:
    ///   - transfer: What the student learned from, kept in the file's training summary (`inspect` shows it).
    ///   - recipe: How the student was made, saved so that `adapt` can make it again on new data.
    static func finish(_ result: DistillationRunResult, teacher: String, student: String, outputs: CommandOutputs,
                       title: String, json: Bool, transfer: TransferSet.Source,
                       recipe: DistillationRecipe? = nil) throws -> String {
        var summary: [String: JSONValue] = ["transfer": .string(transfer.rawValue)]
        if let recipe { summary["recipe"] = try JSONValue(encoding: recipe) }
        let training = JSONValue.object(summary)
        let (metadata, tensors) = try DetectorFile.encode(result.student, preprocessor: result.preprocessor,
                                                          training: training)
        try ModelFile.write(tensors: tensors, metadata: metadata, to: outputs.model)
        let output = try DistillationOutput(result, teacher: teacher, student: student, model: outputs.model.path)
        if let report = outputs.report { try report.write(Array(try output.reportHTML(title: title).utf8)) }
        let text = json ? try JSONOutput.string(output) : output.text()
        try outputs.model.committing()
        try outputs.report?.commit()
        return text
    }
}

/// The files a command writes, opened — so checked: not a directory, a device or a pipe, in a folder that
/// exists and can be written — before any work starts, and committed after all of it succeeded.
struct CommandOutputs {
    let model: OutputFile
    let report: OutputFile?

    init(model: String, report: String?) throws {
        self.model = try OutputFile.opening(model)
        self.report = try report.map { try OutputFile(path: $0) }
    }

    /// The checks that need no file system: both paths given, not the same, test rows for a report.
    static func validate(model: String, report: String?, source: SourceArguments?) throws {
        guard !model.isEmpty else { throw ValidationError("--out must name a file, found an empty path") }
        if let report {
            guard !report.isEmpty else { throw ValidationError("--report must name a file, found an empty path") }
            let resolved = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
            if resolved(report) == resolved(model) {
                throw ValidationError("--report and --out name the same file, \(report)")
            }
            if let source, source.data != nil, source.testFraction == 0 {
                throw ValidationError("--report needs test rows: give --test, or --test-fraction above 0")
            }
        }
    }
}
