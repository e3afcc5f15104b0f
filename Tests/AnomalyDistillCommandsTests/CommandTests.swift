import AnomalyDistill
import Foundation
import Testing
@testable import AnomalyDistillCommands

@Suite struct CommandTests {
    static func write(_ text: String, suffix: String = ".csv") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString)\(suffix)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("inspect with no file profiles the embedded data set")
    func inspectEmbedded() throws {
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", "--json"]) as? Inspect)
        let profile = try JSONDecoder().decode(DataProfile.self, from: Data(try command.render().utf8))
        #expect(profile.rows == 569)
        #expect(profile.features == 30)
        #expect(profile.anomalies == 212)
        #expect(profile.labelColumn == "label")
    }

    @Test("inspect prints a table for people")
    func inspectTable() throws {
        let path = try Self.write("x,kind,label\n1.5,a,0\n,b,1\n2.5,a,0\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", path]) as? Inspect)
        let text = try command.render()
        #expect(text.contains("Rows:     3"))
        #expect(text.contains("Features: 2 (1 numeric, 1 categorical)"))
        #expect(text.contains("Missing:  1 values in 1 rows"))
        #expect(text.contains("1 anomalies (ratio 0.3333)"))
    }

    @Test("inspect overrides: --categorical, --ignore and --label-column")
    func inspectOverrides() throws {
        let path = try Self.write("id,code,target\n1,10,0\n2,20,1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["inspect", path, "--json", "--categorical", "code", "--label-column", "target"]) as? Inspect)
        let profile = try JSONDecoder().decode(DataProfile.self, from: Data(try command.render().utf8))
        #expect(profile.categoricalFeatures == 1)
        #expect(profile.ignoredColumns == 1)
        #expect(profile.labelColumn == "target")
        #expect(profile.anomalies == 1)
    }

    @Test("bad data gives an error naming file, line and column")
    func inspectRagged() throws {
        let path = try Self.write("a,b\n1,2\n3\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", path]) as? Inspect)
        let error = #expect(throws: DataError.self) { try command.render() }
        #expect(String(describing: error!) == "\(path):3: expected 2 fields as in the header, found 1")
    }

    @Test("evaluate prints every metric; JSON matches hand-computed values")
    func evaluate() throws {
        // Scores 0.9 (1), 0.8 (0), 0.7 (1), 0.1 (0): ROC-AUC 0.75, AP (1 + 2/3) / 2.
        let path = try Self.write("score,label\n0.9,1\n0.8,0\n0.7,1\n0.1,0\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = try #require(try AnomalyDistillCommand.parseAsRoot(["evaluate", "--scores", path]) as? Evaluate).render()
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("ROC-AUC ") && $0.hasSuffix(" 0.7500") })
        #expect(lines.contains { $0.hasPrefix("precision@n (n = 2) ") && $0.hasSuffix(" 0.5000") })
        let json = try #require(try AnomalyDistillCommand.parseAsRoot(["evaluate", "--scores", path, "--json", "--threshold", "0.75"]) as? Evaluate).render()
        let evaluation = try JSONDecoder().decode(ScoreEvaluation.self, from: Data(json.utf8))
        #expect(evaluation.report.rocAUC == 0.75)
        #expect(abs(evaluation.report.averagePrecision - (1 + 2.0 / 3) / 2) < 1e-12)
        #expect(evaluation.report.confusionMatrix.truePositives == 1)
        #expect(evaluation.report.confusionMatrix.falsePositives == 1)
    }

    @Test("evaluate rejects conflicting or out-of-range threshold options", arguments: [
        ["--threshold", "1", "--best-f1"], ["--contamination", "0.7"], ["--fp-budget", "2"], ["--contamination", "0"],
    ])
    func evaluateValidation(options: [String]) {
        #expect(throws: (any Error).self) { try AnomalyDistillCommand.parseAsRoot(["evaluate", "--scores", "x.csv"] + options) }
    }

    @Test("evaluate with one-class labels or a missing score column is a clear error")
    func evaluateErrors() throws {
        let oneClass = try Self.write("score,label\n0.9,1\n0.8,1\n")
        let noScore = try Self.write("value,label\n0.9,1\n0.8,0\n")
        defer { for p in [oneClass, noScore] { try? FileManager.default.removeItem(atPath: p) } }
        let first = try #require(try AnomalyDistillCommand.parseAsRoot(["evaluate", "--scores", oneClass]) as? Evaluate)
        #expect(throws: DataError.singleClassLabels(context: "ROC-AUC", label: 1)) { try first.render() }
        let second = try #require(try AnomalyDistillCommand.parseAsRoot(["evaluate", "--scores", noScore]) as? Evaluate)
        #expect(throws: DataError.self) { try second.render() }
    }
}

@Suite struct FitCommandTests {
    /// A labelled CSV: a Gaussian blob with planted far rows as anomalies.
    static func dataset(rows: Int = 300, seed: UInt64 = 2) throws -> String {
        var random = RandomSource(seed: seed)
        var text = "a,b,c,kind,label\n"
        for i in 0..<rows {
            let anomaly = i % 15 == 0
            let scale = anomaly ? 8.0 : 1.0
            let values = (0..<3).map { _ in String(format: "%.4f", random.normal() * scale + (anomaly ? 6 : 0)) }
            text += values.joined(separator: ",") + (i % 2 == 0 ? ",x" : ",y") + (anomaly ? ",1\n" : ",0\n")
        }
        return try CommandTests.write(text)
    }

    @Test("fit trains, reports test metrics, and saves a model that evaluate scores the same way",
          arguments: ["iforest", "ecod", "knn"])
    func fitAndEvaluate(detector: String) throws {
        let data = try Self.dataset()
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("fit-\(UUID().uuidString).safetensors").path
        defer { for p in [data, model] { try? FileManager.default.removeItem(atPath: p) } }
        let fit = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", detector, "--data", data, "--out", model, "--json", "--seed", "3"]) as? Fit)
        let output = try JSONDecoder().decode(Fit.Output.self, from: Data(try fit.render().utf8))
        let report = try #require(output.test)
        #expect(report.rocAUC > 0.9)
        #expect(output.trainRows + output.testRows == 300)
        let evaluate = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["evaluate", "--model", model, "--data", data, "--json"]) as? Evaluate)
        let evaluation = try JSONDecoder().decode(ScoreEvaluation.self, from: Data(try evaluate.render().utf8))
        #expect(evaluation.report.threshold == output.threshold)
        #expect(evaluation.report.sampleCount == 300)
    }

    @Test("fit rejects a missing data source, an unknown detector and a bad contamination")
    func fitValidation() throws {
        #expect(throws: (any Error).self) { try AnomalyDistillCommand.parseAsRoot(["fit", "--out", "m.safetensors"]) }
        #expect(throws: (any Error).self) {
            try AnomalyDistillCommand.parseAsRoot(["fit", "--data", "d.csv", "--out", "m", "--contamination", "0.9"])
        }
        let data = try Self.dataset(rows: 60)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let fit = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "nope", "--data", data, "--out", "/tmp/x.safetensors"]) as? Fit)
        #expect(throws: DataError.self) { try fit.render() }
    }
}
