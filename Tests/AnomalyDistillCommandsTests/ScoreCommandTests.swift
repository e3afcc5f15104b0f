import AnomalyDistill
import ArgumentParser
import Foundation
import Testing
@testable import AnomalyDistillCommands

/// A saved student for the score and bench commands, made once.
enum SavedStudent {
    static let paths: (data: String, model: String) = {
        // swiftlint:disable force_try
        let data = try! FitCommandTests.dataset(rows: 240)
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("score-\(UUID().uuidString).safetensors").path
        let run = try! AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "iforest", "--data", data, "--out", model, "--json", "--student-epochs", "20",
             "--quiet"]) as! Run
        _ = try! run.render()
        // swiftlint:enable force_try
        return (data, model)
    }()

    static func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)\(suffix)").path
    }
}

@Suite struct ScoreCommandTests {
    static func score(_ arguments: [String]) throws -> (Score, String) {
        let output = SavedStudent.temporary(".csv")
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", SavedStudent.paths.model, "--output", output] + arguments) as? Score)
        _ = try command.execute(report: { _ in })
        defer { try? FileManager.default.removeItem(atPath: output) }
        return (command, try String(contentsOfFile: output, encoding: .utf8))
    }

    @Test("score writes score, probability, is_anomaly for every row; they match evaluate's model")
    func scoresFile() throws {
        let (_, csv) = try Self.score([SavedStudent.paths.data])
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "score,probability,is_anomaly")
        #expect(lines.count == 241)
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: SavedStudent.paths.model))
        let table = try Table.read(SavedStudent.paths.data, options: ReadOptions(schema: model.schema))
        let expected = try model.score(table)
        for (r, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            #expect(Float(String(fields[0])) == expected.scores[r])
            #expect(Float(String(fields[1])) == expected.probabilities[r])
            #expect(fields[2] == (expected.isAnomaly[r] ? "1" : "0"))
        }
    }

    @Test("--format jsonl, --columns and --threshold")
    func options() throws {
        let (_, jsonl) = try Self.score([SavedStudent.paths.data, "--format", "jsonl", "--columns", "is_anomaly",
                                         "--threshold=-1e30"])
        let lines = jsonl.split(separator: "\n")
        #expect(lines.count == 240)
        #expect(lines.allSatisfy { $0 == "{\"is_anomaly\":true}" })
    }

    @Test("bad options are usage errors that name the option", arguments: [
        (["--threshold", "nan"], "--threshold"), (["--format", "xml"], "--format"), (["--on-error", "ignore"], "--on-error"),
        (["--columns", "label"], "--columns"), (["--output", ""], "--output"), (["--chunk-rows", "0"], "--chunk-rows"),
        (["--monitor", "5"], "--monitor must be in [10, 1000000000], found 5"),
    ])
    func badOptions(options: [String], name: String) {
        let error = #expect(throws: (any Error).self) {
            try AnomalyDistillCommand.parseAsRoot(["score", "-m", "m.safetensors", "x.csv"] + options)
        }
        #expect(AnomalyDistillCommand.message(for: error!).contains(name))
    }

    @Test("an output path that is a directory, or in a missing folder, is refused before any work, in plain words")
    func badOutputPaths() throws {
        for (path, words) in [(FileManager.default.temporaryDirectory.path, "is a directory"),
                              ("/nonexistent-folder/x.csv", "does not exist")] {
            let command = try #require(try AnomalyDistillCommand.parseAsRoot(
                ["score", "-m", SavedStudent.paths.model, SavedStudent.paths.data, "--output", path]) as? Score)
            let error = #expect(throws: DataError.self) { try command.execute(report: { _ in }) }
            #expect(String(describing: error!).contains(words))
        }
    }

    @Test("a failed run leaves an existing output file as it was, with its permissions")
    func failureKeepsOutput() throws {
        let output = SavedStudent.temporary(".csv")
        try "previous\n".write(toFile: output, atomically: true, encoding: .utf8)
        chmod(output, 0o600)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let bad = try CommandTests.write("a,b,c,kind,label\n1,2,oops,x,0\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", SavedStudent.paths.model, bad, "--output", output]) as? Score)
        #expect(throws: DataError.self) { try command.execute(report: { _ in }) }
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "previous\n")
        // A good run replaces it and keeps mode 600.
        let good = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", SavedStudent.paths.model, SavedStudent.paths.data, "--output", output]) as? Score)
        _ = try good.execute(report: { _ in })
        let attributes = try FileManager.default.attributesOfItem(atPath: output)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasPrefix("score,probability,is_anomaly\n"))
    }

    @Test("a file that is not a model is a clear model error")
    func notAModel() throws {
        let fake = try CommandTests.write("not a model", suffix: ".safetensors")
        defer { try? FileManager.default.removeItem(atPath: fake) }
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", fake, SavedStudent.paths.data, "--output", SavedStudent.temporary(".csv")]) as? Score)
        #expect(throws: ModelError.self) { try command.execute(report: { _ in }) }
    }

    @Test("--on-error skip reports each bad row and scores the rest")
    func skip() throws {
        let text = try String(contentsOfFile: SavedStudent.paths.data, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        lines[3] = "oops," + lines[3].split(separator: ",", omittingEmptySubsequences: false).dropFirst().joined(separator: ",")
        let path = try CommandTests.write(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reports: [String] = []
        let output = SavedStudent.temporary(".csv")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", SavedStudent.paths.model, path, "--on-error", "skip", "--output", output]) as? Score)
        let summary = try command.execute(report: { reports.append($0) })
        #expect(summary.skipped == 1 && summary.rows == 239)
        #expect(reports == ["skipped: \(path):4:1: expected a number in column \"a\", found \"oops\""])
    }
}

@Suite struct BrokenPipeTests {
    @Test("a reader that closed the pipe ends the output quietly (OutputClosed), not with an error dump")
    func closedPipe() throws {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        #expect(throws: OutputClosed.self) { try Standard.writeAll(Array("score\n".utf8), to: fds[1], name: "standard output") }
    }
}

@Suite struct BenchCommandTests {
    @Test("bench --json reports the single-row latency in nanoseconds and the batch throughput")
    func json() throws {
        let command = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["bench", "-m", SavedStudent.paths.model, "--data", SavedStudent.paths.data, "--json",
             "--batch-rows", "2000", "--seconds", "0"]) as? Bench)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(try command.render().utf8)) as? [String: Any])
        #expect((object["single_row_latency_ns"] as? Double ?? 0) > 0)
        #expect((object["batch_rows_per_second"] as? Double ?? 0) > 0)
        #expect((object["peak_memory_bytes"] as? Int ?? 0) > 0)
        #expect(object["compiled"] as? Bool == true)
        #expect(object["kind"] as? String == "student_mlp")
    }
}
