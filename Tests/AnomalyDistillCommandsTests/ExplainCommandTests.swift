import AnomalyDistill
import Foundation
import Testing

@testable import AnomalyDistillCommands

/// `score --explain K`.
@Suite struct ExplainCommandTests {
    @Test("--explain 2 adds reason_1, reason_2, contribution_1, contribution_2: ScoringModel.explain's, strongest first")
    func csv() throws {
        let (_, csv) = try ScoreCommandTests.score([SavedStudent.paths.data, "--explain", "2"])
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "score,probability,is_anomaly,reason_1,reason_2,contribution_1,contribution_2")
        #expect(lines.count == 241)
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: SavedStudent.paths.model))
        let table = try Table.read(SavedStudent.paths.data, options: ReadOptions(schema: model.schema))
        let explanations = try model.explain(try model.rows(table))
        for (r, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let expected = explanations.reasons(row: r, top: 2)
            #expect(Array(fields[3...4]) == expected.map(\.column))
            #expect(Array(fields[5...6]).map { Float($0) } == expected.map(\.contribution))
            #expect(Float(fields[5])! >= Float(fields[6])!)
        }
    }

    @Test("--explain in JSON lines: a reasons array; more than the columns is capped")
    func jsonl() throws {
        let (_, text) = try ScoreCommandTests.score([SavedStudent.paths.data, "--format", "jsonl", "--explain", "99"])
        let first = try #require(text.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let reasons = try #require(object["reasons"] as? [[String: Any]])
        #expect(reasons.count == 4)  // a, b, c, kind
        #expect(Set(reasons.compactMap { $0["column"] as? String }) == ["a", "b", "c", "kind"])
        #expect(reasons.allSatisfy { $0["imputed"] as? Bool == false })
    }

    @Test("a missing value is explained with its imputed value and marked")
    func missing() throws {
        let data = try CommandTests.write("a,b,c,kind,label\n,0.1,0.2,x,0\n9,NA,?,,1\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let (_, csv) = try ScoreCommandTests.score([data, "--explain", "4"])
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows[0][3...6].contains("a (imputed)"))
        #expect(rows[1][3...6].filter { $0.hasSuffix(" (imputed)") }.count == 3)
    }

    @Test("--explain 0 is refused; a model without an explainer is refused by kind before any output")
    func refusals() throws {
        HardeningTests.expectMessage(["score", "-m", SavedStudent.paths.model, SavedStudent.paths.data, "--explain", "0"],
                                     contains: "--explain", "at least 1")
        let knn = HardeningTests.temporary(".safetensors")
        defer { try? FileManager.default.removeItem(atPath: knn) }
        _ = try (try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "knn", "--data", SavedStudent.paths.data, "--out", knn, "--quiet"]) as! Fit).render()
        let out = HardeningTests.temporary(".csv")
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", knn, SavedStudent.paths.data, "--explain", "2", "-o", out]) as? Score)
        #expect(throws: AttributionError.unsupportedKind("knn")) { _ = try command.execute(report: { _ in }) }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
