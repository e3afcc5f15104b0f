import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill inspect FILE`: rows, column types, missing values, label balance.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the schema and statistics of a data file (CSV or .csv.gz, streamed in bounded memory), or what a model file (.safetensors) holds.")

    @Argument(help: "The data file (CSV, optionally gzip-compressed; '-' for standard input). Default: the embedded breast cancer data.")
    var file: String?

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        print(try render())
    }

    /// The command's output (tests call this in-process).
    func render() throws -> String {
        if let file, file.hasSuffix(".safetensors") { return try renderModel(file) }
        var profile = try DataProfile.profile(file ?? EmbeddedData.breastCancerPath(), options: data.readOptions)
        if file == nil { profile.file = "\(EmbeddedData.name) (embedded)" }
        return json ? try JSONOutput.string(profile) : InspectFormatter.text(profile)
    }
}

extension Inspect {
    /// How numeric columns are scaled, with the quantile maps' knot counts.
    static func scaling(_ preprocessor: Preprocessor) -> String {
        let knots = preprocessor.features.compactMap { feature -> Int? in
            if case let .numeric(_, _, _, _, quantiles) = feature { return quantiles?.values.count }
            return nil
        }
        guard preprocessor.scaling == .quantile, let most = knots.max(), let fewest = knots.min() else {
            return preprocessor.scaling.rawValue
        }
        let range = fewest == most ? "\(most)" : "\(fewest)–\(most)"
        return "quantile (each numeric column through its training quantiles onto [0, 1], \(range) knots, "
            + "then standardised)"
    }

    /// A model file: its kind, threshold, schema and tensors.
    func renderModel(_ path: String) throws -> String {
        let model = try ModelFile.read(from: URL(fileURLWithPath: path))
        // Load it whole, as `evaluate --model` and `score` would: every structural check of its kind.
        let (detector, preprocessor) = try ModelRegistry.decode(model)
        if let preprocessor {
            _ = try ScoringModel(detector: detector, preprocessor: preprocessor, metadata: model.metadata, file: path)
        }
        let parameters = model.tensors.values.filter { $0.name != "training_scores" }.reduce(0) { $0 + $1.elementCount }
        let schema = preprocessor?.schema
        if json {
            struct Output: Codable {
                var file: String
                var metadata: ModelMetadata
                var parameters: Int
                var tensors: [String: [Int]]
            }
            return try JSONOutput.string(Output(file: path, metadata: model.metadata, parameters: parameters,
                                                tensors: model.tensors.mapValues(\.shape)))
        }
        var lines = [
            "Model:      \(path)",
            "Kind:       \(model.metadata.kind) (format version \(model.metadata.formatVersion), by \(model.metadata.createdBy))",
            "Threshold:  \(model.metadata.threshold.map { Format.number($0) } ?? "none")",
            "Parameters: \(Format.integer(parameters)) in \(model.tensors.keys.filter { $0 != "training_scores" }.count) tensors "
                + ((model.tensors["training_scores"]?.elementCount ?? 0) > 0 ? "(plus the training scores)" : "(no training scores)"),
        ]
        if let student = detector as? FittedStudent {
            let head = "by a head distilled from its teacher's attributions"
            let explains = switch student.explanation {
            case .gradients: "by integrated gradients of its score"
            case .distilled: head + " (--explanations distilled)"
            case .distilledTails: head + ", reading \(student.explainerInputs.columns.count) heavy-tailed column(s) on a "
                + "log scale (--explanations distilled-tails)"
            }
            lines.append("Explains:   " + explains)
        }
        if model.metadata.training?["transfer"] == .string(TransferSet.Source.synthetic.rawValue) {
            lines.append("Transfer:   synthetic rows only (a Gaussian copula of the training rows, and probes around them); "
                         + "this file holds no training row and no per-row training score")
        }
        if let schema {
            let features = schema.features
            lines.append("Features:   \(features.count) (\(features.filter { $0.kind == .numeric }.count) numeric, "
                         + "\(features.filter { $0.kind == .categorical }.count) categorical)"
                         + (schema.labelColumn.map { "; label column \($0)" } ?? ""))
            lines.append("Columns:    " + schema.columns.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", "))
            if let preprocessor { lines.append("Scaling:    " + Self.scaling(preprocessor)) }
            if let window = preprocessor?.window {
                lines.append("Window:     \(window.length) readings, \(window.features.rawValue) of "
                             + window.inputs.joined(separator: ", ") + "; ordered by "
                             + (window.timeColumn.map { "\($0) (restarts where it goes back)" } ?? "file order")
                             + "; input columns: " + window.input.columns.map(\.name).joined(separator: ", "))
            }
        } else {
            lines.append("Features:   no schema stored (the model scores preprocessed rows only)")
        }
        lines.append("")
        lines += Format.table(header: ["tensor", "shape"], rows: model.tensors.keys.sorted().map { name in
            [name, model.tensors[name]!.shape.map(String.init).joined(separator: " × ")]
        })
        return lines.joined(separator: "\n")
    }
}

enum InspectFormatter {
    static func text(_ p: DataProfile) -> String {
        var lines: [String] = []
        lines.append("File:     \(p.file)\(p.compressed ? " (gzip)" : "")")
        lines.append("Rows:     \(Format.integer(p.rows))")
        lines.append("Features: \(p.features) (\(p.numericFeatures) numeric, \(p.categoricalFeatures) categorical)"
                     + (p.ignoredColumns > 0 ? ", \(p.ignoredColumns) ignored" : ""))
        if let label = p.labelColumn, let anomalies = p.anomalies, let ratio = p.anomalyRatio {
            lines.append("Label:    \(label): \(Format.integer(anomalies)) anomalies (ratio \(Format.fixed(ratio, 4)))")
        } else {
            lines.append("Label:    none")
        }
        lines.append("Missing:  \(Format.integer(p.missingValues)) values in \(Format.integer(p.rowsWithMissing)) rows")
        lines.append("")
        let header = ["column", "kind", "missing", "min", "max", "mean", "std", "categories"]
        let rows: [[String]] = p.columns.map { c in
            let kind = c.kind == .ignored ? "ignored (\(c.reason ?? "user"))" : c.kind.rawValue
            return [c.name, kind, Format.integer(c.missing),
                    c.min.map { Format.number($0) } ?? "", c.max.map { Format.number($0) } ?? "",
                    c.mean.map { Format.number($0) } ?? "", c.std.map { Format.number($0) } ?? "",
                    c.categories.map { "\($0)\(c.categoriesCapped == true ? "+" : "")" } ?? ""]
        }
        lines.append(contentsOf: Format.table(header: header, rows: rows, rightAligned: Set(2...7)))
        return lines.joined(separator: "\n")
    }
}
