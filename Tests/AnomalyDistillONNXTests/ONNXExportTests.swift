import AnomalyDistill
import Foundation
import SwiftProtobuf
import Testing

@testable import AnomalyDistillONNX

/// A small mixed data set — numeric columns with missing values, two categorical columns interleaved with them,
/// a column name with spaces and symbols — and models of every exportable kind fitted on it.
enum ExportFixture {
    static let colours = ["red", "green", "blue"]
    static let shapes = ["round", "square"]

    /// 200 rows; 10 planted anomalies (a far value, the colour "purple").
    static let csv: String = {
        var random = RandomSource(seed: 7)
        var lines = ["amount (€) net,colour,b,shape,label"]
        for r in 0..<200 {
            let anomaly = r % 20 == 0
            let a = Double(random.uniformFloat()) * (anomaly ? 40 : 3) + 250
            let b = Double(random.uniformFloat()) * (anomaly ? -6 : 1)
            let aText = r % 13 == 4 ? "" : String(format: "%.3f", a)
            let bText = r % 19 == 6 ? "NA" : String(format: "%.4f", b)
            let colour = anomaly ? "purple" : colours[r % 3]
            lines.append("\(aText),\(colour),\(bText),\(shapes[r % 2]),\(anomaly ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Rows the models never saw: missing numbers in every spelling, unseen and missing categories.
    static let probes = """
        amount (€) net,colour,b,shape,label
        251.5,red,0.5,round,0
        ,green,0.2,square,0
        NA,blue,?,round,0
        NaN,teal,0.7,square,0
        260,,0.1,round,1
        249.9,NA,N/A,?,0
        300.25,?,-4.5,triangle,1
        252,"red",1e-3,round,0
        -1e6,red,1e6,square,1

        """

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("onnx-export-\(UUID().uuidString).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    struct Fitted: @unchecked Sendable {
        var preprocessor: Preprocessor
        var x: Matrix
        var labels: [Int]
    }

    static let fitted = fit(scaling: .standard)
    /// Numeric columns through quantile maps (the gradient-boosted teacher's preprocessing).
    static let quantileFitted = fit(scaling: .quantile)

    static func fit(scaling: Preprocessor.Scaling) -> Fitted {
        // swiftlint:disable force_try
        let path = try! write(csv)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try! Table.read(path)
        let preprocessor = try! Preprocessor.fit(table, scaling: scaling)
        return Fitted(preprocessor: preprocessor, x: try! preprocessor.transform(table), labels: table.labels!)
        // swiftlint:enable force_try
    }

    /// The model of an exportable kind (and an isolation forest, which is not).
    static func model(_ kind: String, scaling: Preprocessor.Scaling = .standard) throws -> ScoringModel {
        let fitted = scaling == .quantile ? quantileFitted : fitted
        let x = fitted.x
        var random = RandomSource(seed: 5)
        let detector: any FittedDetector
        switch kind {
        case "student_mlp", "student_linear":
            let teacher = try IsolationForest(trees: 30, contamination: 0.05).fit(x, using: &random)
            detector = try Distiller(student: kind == "student_mlp" ? .mlp(hidden: [8, 4]) : .linear, epochs: 4,
                                     rowsPerEpoch: 600).distill(teacher: teacher, x: x, using: &random)
        case "supervised_network":
            detector = try SupervisedNetwork(hidden: [8], epochs: 4).fit(x, labels: fitted.labels, using: &random)
        case "autoencoder":
            detector = try Autoencoder(hidden: [6, 3], epochs: 3, networks: 2).fit(x, labels: nil, using: &random)
        case "deep_svdd":
            detector = try DeepSVDD(hidden: [6, 4], epochs: 3).fit(x, labels: nil, using: &random)
        default:
            detector = try IsolationForest(trees: 10).fit(x, using: &random)
        }
        return try ScoringModel(detector: detector, preprocessor: fitted.preprocessor)
    }
}

/// The exported graph's structure, read back with swift-protobuf.
@Suite struct ONNXExportStructureTests {
    @Test("every exportable kind gives a model with one typed [N, 1] input per column and the three outputs",
          arguments: ScoringGraph.exportableKinds)
    func structure(_ kind: String) throws {
        let model = try ExportFixture.model(kind)
        #expect(model.kind == kind)
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExport.serialize(model))
        #expect(proto.irVersion == 8)
        #expect(proto.opsetImport.map(\.domain).sorted() == ["", "ai.onnx.ml"])
        #expect(proto.opsetImport.first { $0.domain == "" }?.version == 17)
        let graph = proto.graph
        #expect(graph.input.map(\.name) == ["amount (€) net", "colour", "b", "shape"])
        #expect(graph.input.map(\.type.tensorType.elemType) == [1, 8, 1, 8])  // float, string, float, string
        for input in graph.input {
            #expect(input.type.tensorType.shape.dim.count == 2)
            #expect(input.type.tensorType.shape.dim[0].dimParam == "N")
            #expect(input.type.tensorType.shape.dim[1].dimValue == 1)
        }
        #expect(graph.output.map(\.name) == ["score", "probability", "is_anomaly"])
        #expect(graph.output.map(\.type.tensorType.elemType) == [1, 1, 9])
        let metadata = Dictionary(uniqueKeysWithValues: proto.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["anomaly_distill.kind"] == kind)
        #expect(metadata["anomaly_distill.threshold"].flatMap(Double.init) == model.threshold)
        #expect(metadata["anomaly_distill.threshold_float32"].flatMap(Float.init) == model.decisionThreshold)
        #expect(metadata["anomaly_distill.features"] == #"["amount (€) net","colour","b","shape"]"#)
        let schema = try #require(metadata["anomaly_distill.schema"])
        #expect(try JSONDecoder().decode(Schema.self, from: Data(schema.utf8)) == model.schema)
        // Every node reads values that exist before it: the graph is in topological order.
        var defined = Set(graph.input.map(\.name) + graph.initializer.map(\.name))
        for node in graph.node {
            for input in node.input { #expect(defined.contains(input), "\(node.opType) reads undefined \(input)") }
            defined.formUnion(node.output)
        }
        #expect(Set(graph.output.map(\.name)).isSubset(of: defined))
        // One Gemm per folded dense stage.
        let stages: Int = switch try model.graph().score {
        case let .network(network): network.stages.count
        case let .reconstruction(networks, _, _): networks.reduce(0) { $0 + $1.stages.count }
        case let .centreDistance(network, _): network.stages.count
        }
        #expect(graph.node.filter { $0.opType == "Gemm" }.count == stages)
    }

    @Test("a numeric-only model needs no ai.onnx.ml and no one-hot nodes")
    func numericOnly() throws {
        let path = try ExportFixture.write("p,q,label\n" + (0..<60).map { "\(Double($0) * 0.5),\(60 - $0),\($0 % 10 == 0 ? 1 : 0)" }
            .joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Table.read(path)
        let preprocessor = try Preprocessor.fit(table)
        var random = RandomSource(seed: 1)
        let network = try SupervisedNetwork(hidden: [4], epochs: 2).fit(try preprocessor.transform(table),
                                                                        labels: table.labels, using: &random)
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExport.serialize(
            try ScoringModel(detector: network, preprocessor: preprocessor)))
        #expect(proto.opsetImport.map(\.domain) == [""])
        #expect(!proto.graph.node.contains { ["LabelEncoder", "OneHot", "Gather"].contains($0.opType) })
    }

    @Test("the folded network computes what the network computes (batch norm, dropout and activations folded)")
    func foldedNetwork() throws {
        let model = try ExportFixture.model("autoencoder")
        guard case let .reconstruction(networks, _, _) = try model.graph().score else {
            Issue.record("expected a reconstruction head")
            return
        }
        #expect(networks.count == 2)
        // The first layer folds a batch normalisation, so its stage count is the dense layer count.
        #expect(networks.allSatisfy { $0.stages.count == 4 })
        #expect(networks[0].stages.map(\.activation).dropLast().allSatisfy { $0 == .relu })
    }
}

/// What cannot be exported, and output paths that cannot be written.
@Suite struct ONNXExportRefusalTests {
    @Test("a model that is not a network is refused with a message naming its kind and what can be exported")
    func unsupportedKind() throws {
        let forest = try ExportFixture.model("isolation_forest")
        #expect(throws: ExportError.unsupportedKind("isolation_forest")) { try ONNXExport.serialize(forest) }
        let message = "\(ExportError.unsupportedKind("isolation_forest"))"
        #expect(message.contains("isolation_forest") && message.contains("student_mlp") && message.contains("distil"))
    }

    @Test("a feature column named like an output is refused", arguments: ["score", "probability", "is_anomaly"])
    func reservedName(_ name: String) throws {
        let path = try ExportFixture.write("\(name),q,label\n" + (0..<40).map { "\($0),\($0 % 7),\($0 % 10 == 0 ? 1 : 0)" }
            .joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Table.read(path)
        let preprocessor = try Preprocessor.fit(table)
        var random = RandomSource(seed: 1)
        let network = try SupervisedNetwork(hidden: [3], epochs: 1).fit(try preprocessor.transform(table),
                                                                        labels: table.labels, using: &random)
        let model = try ScoringModel(detector: network, preprocessor: preprocessor)
        #expect(throws: ExportError.reservedColumnName(name)) { try ONNXExport.serialize(model) }
    }

    @Test("an unwritable path fails with the path named and leaves nothing behind")
    func unwritable() throws {
        let model = try ExportFixture.model("student_linear")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-\(UUID().uuidString)")
        #expect(throws: DataError.self) { try ONNXExport.write(model, to: folder.appendingPathComponent("x.onnx").path) }
        #expect(throws: DataError.self) { try ONNXExport.write(model, to: FileManager.default.temporaryDirectory.path) }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }
}

// MARK: - ONNX Runtime

/// Runs `Scripts/check_onnx.py` (found from this file) with `onnx` and `onnxruntime`.
enum ONNXRuntimeCheck {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Scripts/check_onnx.py").standardized

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static let isAvailable: Bool = FileManager.default.fileExists(atPath: script.path)
        && (try? python(["-c", "import onnx, onnxruntime, numpy"]).status) == 0
}

@Suite(.enabled(if: ONNXRuntimeCheck.isAvailable,
                "needs python3 with onnx, onnxruntime and numpy (.ci/run installs them), and Scripts/check_onnx.py"))
struct ONNXRuntimeTests {
    @Test("ONNX Runtime scores rows with missing values, unseen and missing categories as score does (1e-5, same decisions)",
          arguments: ScoringGraph.exportableKinds)
    func agreesWithScore(_ kind: String) throws {
        try Self.check(try ExportFixture.model(kind))
    }

    @Test("a student on quantile-mapped inputs: ONNX Runtime's ramp sums give score's scores and decisions",
          arguments: ["student_mlp", "supervised_network"])
    func quantileInputs(_ kind: String) throws {
        let model = try ExportFixture.model(kind, scaling: .quantile)
        #expect(model.numericFeatures.allSatisfy { $0.quantiles != nil })
        try Self.check(model)
    }

    static func check(_ model: ScoringModel) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let onnx = folder.appendingPathComponent("model.onnx").path
        try ONNXExport.write(model, to: onnx)
        let rows = folder.appendingPathComponent("rows.csv").path
        let csvLines = ExportFixture.csv.split(separator: "\n", omittingEmptySubsequences: false)
        let probeLines = ExportFixture.probes.split(separator: "\n").dropFirst()
        try Data((csvLines.filter { !$0.isEmpty } + probeLines).joined(separator: "\n").appending("\n").utf8)
            .write(to: URL(fileURLWithPath: rows))
        var scores = Data()
        let summary = try ScoreStream(model: model).run(path: rows, write: { scores.append(contentsOf: $0) })
        #expect(summary.rows == 209 && summary.skipped == 0)
        let scoresPath = folder.appendingPathComponent("scores.csv").path
        try scores.write(to: URL(fileURLWithPath: scoresPath))
        let (status, output) = try ONNXRuntimeCheck.python([ONNXRuntimeCheck.script.path, onnx, rows, scoresPath, "--json"])
        #expect(status == 0, "\(output)")
        let result = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect(result?["rows"] as? Int == 209)
        #expect(result?["decision_disagreements"] as? Int == 0)
        #expect((result?["missing_values"] as? Int ?? 0) > 10)
    }
}
