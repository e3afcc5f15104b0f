import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill fit`: train a detector, report test metrics, save the model.
struct Fit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a detector (a teacher) on data, print its test metrics and save it as a model file.")

    @OptionGroup var detector: DetectorArguments
    @OptionGroup var source: SourceArguments
    @OptionGroup var data: DataOptions

    @Option(help: "The model file to write (.safetensors).")
    var out: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func run() async throws {
        print(try render())
    }

    struct Output: Codable {
        var detector: String
        var model: String
        var trainRows: Int
        var testRows: Int
        var fitSeconds: Double
        var scoreSeconds: Double
        var threshold: Double
        var test: MetricReport?

        enum CodingKeys: String, CodingKey {
            case detector, model, threshold, test
            case trainRows = "train_rows"
            case testRows = "test_rows"
            case fitSeconds = "fit_seconds"
            case scoreSeconds = "score_seconds"
        }
    }

    /// The command's output (tests call this in-process).
    func render() throws -> String {
        let progress = Progress(quiet: quiet || json)
        let file = try OutputFile.opening(out)
        let configured = try detector.makeDetector()
        progress.stage("Fitting \(configured.description)")
        let result = try progress.withBar {
            try DetectorRun.fit(configured, source: source.source, options: data.readOptions,
                                window: detector.windowOptions.request, seed: source.seed, useLabels: true)
        }
        try writeModel(result, to: file)
        progress.stage("Saved \(out)")
        let output = Output(detector: configured.description, model: out, trainRows: result.trainRows,
                            testRows: result.testRows, fitSeconds: result.fitSeconds, scoreSeconds: result.scoreSeconds,
                            threshold: result.detector.state.threshold, test: result.testReport)
        if json { return try JSONOutput.string(output) }
        var lines = [
            "Detector:  \(output.detector)",
            "Rows:      \(Format.integer(output.trainRows)) train, \(Format.integer(output.testRows)) test",
            "Fit:       \(Format.fixed(output.fitSeconds, 3)) s; scoring the test rows \(Format.fixed(output.scoreSeconds, 3)) s",
            "Threshold: \(Format.number(output.threshold)) (\(detector.thresholdDescription))",
            "Model:     \(out)",
        ]
        if let report = output.test {
            lines += ["", "Test metrics"] + MetricsFormatter.lines(report)
        }
        return lines.joined(separator: "\n")
    }

    func validate() throws {
        try CommandOutputs.validate(model: out, report: nil, source: nil)
    }

    private func writeModel(_ result: DetectorRunResult, to file: OutputFile) throws {
        let training: JSONValue = [
            "detector": .string(detector.detector),
            "seed": .number(Double(source.seed)),
            "train_rows": .number(Double(result.trainRows)),
            "threshold_rule": .string(detector.thresholdRule.name),
            "threshold_rate": .number(detector.thresholdRule.value),
        ]
        let (metadata, tensors) = try DetectorFile.encode(result.detector, preprocessor: result.preprocessor, training: training)
        try ModelFile.write(tensors: tensors, metadata: metadata, to: file)
        try file.committing()
    }
}

enum MetricsFormatter {
    static func lines(_ r: MetricReport) -> [String] {
        func f(_ x: Double) -> String { Format.fixed(x, 4) }
        return Format.table(header: ["metric", "value"], rows: [
            ["ROC-AUC", f(r.rocAUC)],
            ["average precision", f(r.averagePrecision)],
            ["precision@n", f(r.precisionAtN)],
            ["precision", f(r.precision)],
            ["recall", f(r.recall)],
            ["F1", f(r.f1)],
            ["accuracy", f(r.accuracy)],
            ["flagged", "\(r.flaggedCount) of \(r.sampleCount)"],
        ], rightAligned: [1])
    }
}
