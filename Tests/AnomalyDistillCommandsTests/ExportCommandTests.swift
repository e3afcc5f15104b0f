import AnomalyDistill
import AnomalyDistillONNX
import Foundation
import Testing

@testable import AnomalyDistillCommands

/// `anomaly-distill export`: what it writes, and what it refuses without leaving a file behind.
@Suite struct ExportCommandTests {
    static func export(_ arguments: [String]) throws -> String {
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(["export"] + arguments) as? Export)
        return try command.export()
    }

    @Test("a saved student exports to the bytes ONNXExport gives its ScoringModel, the same twice")
    func writesTheModel() throws {
        let out = HardeningTests.temporary(".onnx")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let summary = try Self.export(["-m", SavedStudent.paths.model, "--format", "onnx", "-o", out])
        #expect(summary.hasPrefix("Wrote \(out): ONNX (opset 17, IR 8) of student_mlp"))
        let written = try Data(contentsOf: URL(fileURLWithPath: out))
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: SavedStudent.paths.model))
        #expect(written == (try ONNXExport.serialize(model)))
        _ = try Self.export(["-m", SavedStudent.paths.model, "-o", out])
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == written)
        // The model's SHA-256 travels in the metadata (as text inside the protobuf).
        #expect(written.range(of: Data(try #require(model.sha256).utf8)) != nil)
    }

    @Test("--threshold changes the exported decision threshold")
    func threshold() throws {
        let out = HardeningTests.temporary(".onnx")
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try Self.export(["-m", SavedStudent.paths.model, "-o", out, "--threshold", "0.25"])
        let written = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(written.range(of: Data("anomaly_distill.threshold".utf8)) != nil)
        #expect(written.range(of: Data("0.25".utf8)) != nil)
    }

    @Test("a model that cannot be exported, a model file that fails validation, or a bad --out leaves no file")
    func refusals() throws {
        let out = HardeningTests.temporary(".onnx")
        HardeningTests.expectMessage(["export", "-m", HardeningTests.forest.model, "-o", out],
                                     contains: "isolation_forest", "cannot be exported", "student")
        #expect(!FileManager.default.fileExists(atPath: out))

        let bad = try HardeningTests.corrupted(SavedStudent.paths.model, tensors: { tensors in
            tensors = tensors.filter { !$0.key.hasSuffix("layers.0.weight") }
        })
        defer { try? FileManager.default.removeItem(atPath: bad) }
        HardeningTests.expectMessage(["export", "-m", bad, "-o", out], contains: bad, "expected a tensor named", "network.layers.0.weight")
        #expect(!FileManager.default.fileExists(atPath: out))

        HardeningTests.expectMessage(["export", "-m", SavedStudent.paths.model, "-o", FileManager.default.temporaryDirectory.path],
                                     contains: "directory")
        HardeningTests.expectMessage(["export", "-m", SavedStudent.paths.model, "-o", "/nonexistent-\(UUID())/x.onnx"],
                                     contains: "does not exist")
        HardeningTests.expectMessage(["export", "-m", SavedStudent.paths.model, "--format", "coreml", "-o", out],
                                     contains: "--format", "onnx")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
