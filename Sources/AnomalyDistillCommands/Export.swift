import AnomalyDistill
import AnomalyDistillONNX
import ArgumentParser
import Foundation

/// `anomaly-distill export`: a saved model as an ONNX model (preprocessing + network + threshold).
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a saved model to ONNX: preprocessing, network and threshold in one graph that ONNX Runtime scores as `score` does.",
        discussion: """
            Inputs: one per feature column, named as the column, shape [N, 1] — float for a numeric column \
            (NaN = missing, imputed in the graph), string for a categorical one (one-hot in the graph; an unseen \
            category goes to the unseen slot, a missing value such as "" or NA to none). Outputs: score (float \
            [N]), probability (float [N]) and is_anomaly (bool [N]). Opset 17 (ai.onnx.ml 3 for categorical \
            columns), IR version 8; the schema, threshold and provenance are in the model's metadata_props. \
            Students, the supervised network, the autoencoder and Deep SVDD export; trees, ECOD, kNN, ensembles \
            and the GAN cannot (distil a student from them and export that).
            """)

    @Option(name: [.customShort("m"), .long], help: "The model file (.safetensors).")
    var model: String

    @Option(help: "The export format: onnx.")
    var format: String = "onnx"

    @Option(name: [.customShort("o"), .long], help: "The file to write (written whole or not at all).")
    var out: String

    @Option(help: "Flag rows with score > this value instead of the model's threshold.")
    var threshold: Double?

    func validate() throws {
        guard format == "onnx" else { throw ValidationError("--format must be onnx, found \"\(format)\"") }
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number, found \(threshold)") }
        guard !out.isEmpty else { throw ValidationError("--out must name a file, found an empty path") }
    }

    func run() async throws {
        print(try export())
    }

    /// Writes the file and returns the summary line (tests call this in-process).
    func export() throws -> String {
        let output = try OutputFile.opening(out)  // an unwritable path fails before the work
        do {
            let scoring = try ScoringModel(contentsOf: URL(fileURLWithPath: model), threshold: threshold)
            let bytes = try ONNXExport.serialize(scoring)
            try output.write([UInt8](bytes))
            try output.committing()
            return "Wrote \(out): ONNX (opset \(ONNXExport.opset), IR \(ONNXExport.irVersion)) of \(scoring.kind) \(scoring.id), "
                + "\(scoring.featureNames.count) input columns, \(Format.integer(bytes.count)) bytes"
        } catch {
            output.discard()
            throw error
        }
    }
}
