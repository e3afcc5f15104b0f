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
        (["--threshold", "1", "--best-f1"], "--best-f1"), (["--contamination", "0.7"], "--contamination"),
        (["--fp-budget", "2"], "--fp-budget"), (["--contamination", "0"], "--contamination"),
    ])
    func evaluateValidation(options: [String], named: String) {
        let error = #expect(throws: (any Error).self) {
            try AnomalyDistillCommand.parseAsRoot(["evaluate", "--scores", "x.csv"] + options)
        }
        #expect(error.map { AnomalyDistillCommand.message(for: $0).contains(named) } == true, "\(String(describing: error))")
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
          arguments: ["iforest", "ecod", "knn", "pca"])
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
        for (arguments, message) in [
            (["fit", "--out", "m.safetensors"], "give either --data FILE, or --train FILE and --test FILE"),
            (["fit", "--data", "d.csv", "--out", "m", "--contamination", "0.9"], "--contamination must be in (0, 0.5], found 0.9"),
            (["fit", "--detector", "nope", "--data", "d.csv", "--out", "m"], "invalid detector: expected one of"),
            (["fit", "--data", "d.csv", "--out", "m", "--fp-rate", "0"], "--fp-rate must be in (0, 0.5], found 0.0"),
            (["fit", "--data", "d.csv", "--out", "m", "--fp-rate", "0.01", "--contamination", "0.1"],
             "--contamination and --fp-rate both set the threshold: give one"),
            (["fit", "--detector", "pca", "--data", "d.csv", "--out", "m", "--statistic", "spe"],
             "expected combined, q or t2, found spe"),
            (["fit", "--detector", "pca", "--data", "d.csv", "--out", "m", "--variance", "1.2"],
             "expected a share of variance in (0, 1], found 1.2"),
            (["fit", "--data", "d.csv", "--out", "m", "--window", "1"], "--window must be in [2, 10000], found 1"),
            (["fit", "--detector", "conv-autoencoder", "--data", "d.csv", "--out", "m", "--window", "10"],
             "the conv-autoencoder reads windows of readings: give --window N --window-features lags"),
            (["fit", "--data", "d.csv", "--out", "m", "--time-column", "t"], "--window-features and --time-column need --window"),
            (["fit", "--data", "d.csv", "--out", "m", "--window", "5", "--window-features", "deltas"],
             "--window-features must be stats or lags, found deltas"),
        ] {
            let error = #expect(throws: (any Error).self) { try AnomalyDistillCommand.parseAsRoot(arguments) }
            #expect(error.map { AnomalyDistillCommand.message(for: $0).contains(message) } == true, "\(String(describing: error))")
        }
    }
}

extension FitCommandTests {
    @Test("novelty: --fp-rate on normal-only training rows flags that share of them and says so in the model file")
    func novelty() throws {
        var random = RandomSource(seed: 4)
        var train = "time,a,b,label\n", test = "time,a,b,label\n"
        for i in 0..<1000 {
            let a = random.normal(), b = 0.5 * a + 0.1 * random.normal()
            train += "2020-01-01 00:\(i / 60 % 60):\(i % 60),\(a),\(b),0\n"
        }
        for i in 0..<200 {
            let a = random.normal(), anomaly = i % 10 == 0
            let b = anomaly ? -0.5 * a + 2 : 0.5 * a + 0.1 * random.normal()  // off the normal relation
            test += "2020-01-02 00:00:\(i % 60),\(a),\(b),\(anomaly ? 1 : 0)\n"
        }
        let trainFile = try CommandTests.write(train), testFile = try CommandTests.write(test)
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("novelty-\(UUID().uuidString).safetensors").path
        defer { for p in [trainFile, testFile, model] { try? FileManager.default.removeItem(atPath: p) } }
        let fit = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "pca", "--fp-rate", "0.02", "--train", trainFile, "--test", testFile, "--out", model,
             "--quiet"]) as? Fit)
        #expect(try fit.render().contains("Threshold: ") && fit.detector.thresholdDescription == "false-positive rate 0.02 on the normal training rows")
        let loaded = try ScoringModel(contentsOf: URL(fileURLWithPath: model))
        let flagged = loaded.detector.trainingScores.filter { Double($0) > loaded.threshold }.count
        #expect(abs(flagged - 20) <= 1)
        #expect(loaded.metadata?.training?["threshold_rule"] == .string("fp_rate"))
        #expect(loaded.metadata?.training?["threshold_rate"] == .number(0.02))
        let json = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "pca", "--fp-rate", "0.02", "--train", trainFile, "--test", testFile, "--out", model,
             "--json"]) as? Fit)
        let output = try JSONDecoder().decode(Fit.Output.self, from: Data(try json.render().utf8))
        #expect(try #require(output.test).rocAUC > 0.95)
    }
}

extension FitCommandTests {
    @Test("run --window: teacher and student read windows; score streams the student with state; errors name the window")
    func windows() throws {
        var random = RandomSource(seed: 5)
        var text = "timestamp,x,y,label\n"
        for i in 0..<600 {
            let anomaly = (400..<420).contains(i)
            let x = sin(Double(i) / 5) + 0.05 * random.normal()
            let y = anomaly ? 0.5 * random.normal() : cos(Double(i) / 5) + 0.05 * random.normal()  // noise, not a wave
            text += "\(1_700_000_000 + i),\(x),\(y),\(anomaly ? 1 : 0)\n"
        }
        let data = try CommandTests.write(text)
        let student = FileManager.default.temporaryDirectory.appendingPathComponent("window-\(UUID().uuidString).safetensors").path
        let scores = student + ".csv"
        defer { for p in [data, student, scores] { try? FileManager.default.removeItem(atPath: p) } }
        let run = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "pca", "--window", "8", "--data", data, "--out", student, "--student-epochs", "20",
             "--quiet"]) as? Run)
        _ = try run.render()
        let inspect = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", student]) as? Inspect)
        #expect(try inspect.render().contains("Window:     8 readings, stats of x, y; ordered by timestamp"))
        let score = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", student, data, "--columns", "score", "--output", scores]) as? Score)
        let summary = try score.execute(report: { _ in })
        #expect(summary.rows == 600 && summary.restarts == 0)
        let values = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n").dropFirst().map { Double(String($0))! }
        let labels = (0..<600).map { (400..<420).contains($0) ? 1 : 0 }
        #expect(try Metrics.rocAUC(scores: values.map(Float.init), labels: labels) > 0.9)
        let tooLong = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "pca", "--window", "700", "--data", data, "--out", student]) as? Fit)
        let error = #expect(throws: (any Error).self) { try tooLong.render() }
        #expect(error.map { AnomalyDistillCommand.message(for: $0).contains("longer than the 600 training rows") } == true)
    }
}

@Suite struct AdaptCommandTests {
    /// A two-sensor series on a cycle; `offset` moves the operating point of `x`.
    static func series(rows: Int, offset: Double, seed: UInt64) throws -> String {
        var random = RandomSource(seed: seed)
        var text = "timestamp,x,y,label\n"
        for i in 0..<rows {
            text += "\(1_700_000_000 + i),\(offset + sin(Double(i) / 6) + 0.05 * random.normal()),\(cos(Double(i) / 6) + 0.05 * random.normal()),0\n"
        }
        return try CommandTests.write(text)
    }

    static func flagged(_ model: String, _ data: String) throws -> Int {
        let score = try #require(try AnomalyDistillCommand.parseAsRoot(["score", "-m", model, data, "--output", model + ".csv"]) as? Score)
        defer { try? FileManager.default.removeItem(atPath: model + ".csv") }
        return try score.execute(report: { _ in }).anomalies
    }

    @Test("adapt refits the teacher on recent rows and re-distils the student: the moved operating point is normal again")
    func adapts() throws {
        let old = try Self.series(rows: 800, offset: 0, seed: 1), recent = try Self.series(rows: 800, offset: 6, seed: 2)
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("adapt-\(UUID().uuidString).safetensors").path
        let adapted = model + ".new.safetensors"
        defer { for p in [old, recent, model, adapted] { try? FileManager.default.removeItem(atPath: p) } }
        let run = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "pca", "--fp-rate", "0.02", "--window", "6", "--data", old, "--test-fraction", "0",
             "--out", model, "--student-epochs", "30", "--quiet"]) as? Run)
        _ = try run.render()
        #expect(try Self.flagged(model, recent) > 700)
        let adapt = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["adapt", "-m", model, "--data", recent, "--out", adapted, "--json"]) as? Adapt)
        let output = try JSONDecoder().decode(Adapt.Output.self, from: Data(try adapt.render().utf8))
        #expect(output.rows == 800 && output.teacher == "pca")
        #expect(try Self.flagged(adapted, recent) < 80)
        let before = try ScoringModel(contentsOf: URL(fileURLWithPath: model))
        let after = try ScoringModel(contentsOf: URL(fileURLWithPath: adapted))
        #expect(after.window?.length == 6 && after.metadata?.training?["recipe"] == before.metadata?.training?["recipe"])
        #expect((after.detector as? FittedStudent)?.network.architecture == (before.detector as? FittedStudent)?.network.architecture)
    }

    @Test("adapt --trim leaves the recent rows a first fit scores highest out of the refit: planted spikes stay anomalous")
    func trim() throws {
        let old = try Self.series(rows: 600, offset: 0, seed: 4)
        var random = RandomSource(seed: 5)
        var text = "timestamp,x,y,label\n"
        for i in 0..<700 {
            let spike = i % 7 == 3
            text += "\(1_700_000_000 + i),\(6 + sin(Double(i) / 6) + 0.05 * random.normal()),\(cos(Double(i) / 6) + (spike ? 8 : 0) + 0.05 * random.normal()),\(spike ? 1 : 0)\n"
        }
        let recent = try CommandTests.write(text)
        let directory = FileManager.default.temporaryDirectory
        let model = directory.appendingPathComponent("trim-\(UUID().uuidString).safetensors").path
        let plain = model + ".plain.safetensors", trimmed = model + ".trimmed.safetensors"
        defer { for p in [old, recent, model, plain, trimmed] { try? FileManager.default.removeItem(atPath: p) } }
        _ = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "pca", "--fp-rate", "0.02", "--data", old, "--test-fraction", "0", "--out", model,
             "--student-epochs", "30", "--quiet"]) as? Run).render()
        for (out, share) in [(plain, "0"), (trimmed, "0.2")] {
            _ = try #require(try AnomalyDistillCommand.parseAsRoot(
                ["adapt", "-m", model, "--data", recent, "--out", out, "--trim", share]) as? Adapt).render()
        }
        let evaluate = { (path: String) throws -> Double in
            let command = try #require(try AnomalyDistillCommand.parseAsRoot(["evaluate", "--model", path, "--data", recent, "--json"]) as? Evaluate)
            return try JSONDecoder().decode(ScoreEvaluation.self, from: Data(try command.render().utf8)).report.recall
        }
        #expect(try evaluate(trimmed) > evaluate(plain) + 0.3)
        let bad = #expect(throws: (any Error).self) {
            try AnomalyDistillCommand.parseAsRoot(["adapt", "-m", model, "--data", recent, "--out", plain, "--trim", "0.5"])
        }
        #expect(bad.map { AnomalyDistillCommand.message(for: $0).contains("--trim must be in [0, 0.5), found 0.5") } == true)
    }

    @Test("adapt refuses data without the model's columns, a teacher file and a student without a recipe; nothing is written")
    func refuses() throws {
        let old = try Self.series(rows: 300, offset: 0, seed: 3)
        let missing = try CommandTests.write("timestamp,x,label\n1,0.5,0\n2,0.6,0\n")
        let directory = FileManager.default.temporaryDirectory
        let student = directory.appendingPathComponent("adapt-s-\(UUID().uuidString).safetensors").path
        let teacher = directory.appendingPathComponent("adapt-t-\(UUID().uuidString).safetensors").path
        let plain = directory.appendingPathComponent("adapt-p-\(UUID().uuidString).safetensors").path
        let out = directory.appendingPathComponent("adapt-o-\(UUID().uuidString).safetensors").path
        defer { for p in [old, missing, student, teacher, plain, out] { try? FileManager.default.removeItem(atPath: p) } }
        _ = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "pca", "--data", old, "--test-fraction", "0", "--out", student, "--student-epochs", "5",
             "--quiet"]) as? Run).render()
        _ = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "pca", "--data", old, "--test-fraction", "0", "--out", teacher, "--quiet"]) as? Fit).render()
        _ = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["distill", "--teacher", teacher, "--data", old, "--test-fraction", "0", "--out", plain, "--student-epochs", "5",
             "--quiet"]) as? Distill).render()
        for (model, data, words) in [(student, missing, "\"y\""), (teacher, old, "expected a model of kind \"a student"),
                                     (plain, old, "expected the recipe the student was made with")] {
            let adapt = try #require(try AnomalyDistillCommand.parseAsRoot(["adapt", "-m", model, "--data", data, "--out", out]) as? Adapt)
            let error = #expect(throws: (any Error).self) { try adapt.render() }
            #expect(error.map { AnomalyDistillCommand.message(for: $0).contains(words) } == true, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}

@Suite struct DistillationCommandTests {
    @Test("demo runs the whole pipeline on the embedded data and saves a student that loads")
    func demo() throws {
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: model) }
        let demo = try #require(try AnomalyDistillCommand.parseAsRoot(["demo", "--json", "--out", model]) as? Demo)
        let output = try JSONDecoder().decode(DistillationOutput.self, from: Data(try demo.render().utf8))
        #expect(output.trainRows + output.testRows == 397)
        #expect(try #require(output.teacherTest).rocAUC > 0.7)
        #expect(try #require(output.studentTest).rocAUC > 0.7)
        #expect(output.studentParameters * 10 <= output.teacherParameters)
        let (student, preprocessor) = try ModelRegistry.load(from: URL(fileURLWithPath: model))
        #expect(student is FittedStudent)
        #expect(preprocessor != nil)
        let inspect = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", model]) as? Inspect)
        let text = try inspect.render()
        #expect(text.contains("Kind:       student_mlp"))
        #expect(text.contains("Parameters: \(Format.integer(output.studentParameters)) in 6 tensors"))
        #expect(text.contains("Features:   30 (30 numeric, 0 categorical)"))
    }

    @Test("run then distill from a saved teacher; both save students that score raw rows")
    func runAndDistill() throws {
        let data = try FitCommandTests.dataset(rows: 240)
        let teacherModel = FileManager.default.temporaryDirectory.appendingPathComponent("t-\(UUID().uuidString).safetensors").path
        let studentModel = FileManager.default.temporaryDirectory.appendingPathComponent("s-\(UUID().uuidString).safetensors").path
        defer { for p in [data, teacherModel, studentModel] { try? FileManager.default.removeItem(atPath: p) } }
        let run = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "iforest", "--data", data, "--out", studentModel, "--json", "--student-epochs", "40"]) as? Run)
        let output = try JSONDecoder().decode(DistillationOutput.self, from: Data(try run.render().utf8))
        #expect(try #require(output.studentTest).rocAUC > 0.85)
        #expect(output.fidelity.spearman > 0.5)
        // A student is not a teacher.
        let fromStudent = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["distill", "--teacher", studentModel, "--data", data, "--out", teacherModel]) as? Distill)
        #expect(throws: ModelError.self) { try fromStudent.render() }
        _ = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "ecod", "--data", data, "--out", teacherModel]) as? Fit).render()
        let distill = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["distill", "--teacher", teacherModel, "--data", data, "--out", studentModel, "--json",
             "--student", "mlp:8", "--student-epochs", "40"]) as? Distill)
        let distilled = try JSONDecoder().decode(DistillationOutput.self, from: Data(try distill.render().utf8))
        // 6 inputs (3 numeric, 2 categories and the unseen slot) → 8 → 1: 48 + 8 + 8 + 1.
        #expect(distilled.studentParameters == 65)
        let evaluate = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["evaluate", "--model", studentModel, "--data", data, "--json"]) as? Evaluate)
        #expect(try JSONDecoder().decode(ScoreEvaluation.self, from: Data(try evaluate.render().utf8)).report.rocAUC > 0.85)
    }

    @Test("run --transfer synthetic: the student never sees a real row, its file holds no training score, inspect says so, and it scores and is monitored")
    func syntheticTransfer() throws {
        let data = try FitCommandTests.dataset(rows: 300)
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("syn-\(UUID().uuidString).safetensors").path
        defer { for p in [data, model] { try? FileManager.default.removeItem(atPath: p) } }
        let run = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "iforest", "--data", data, "--out", model, "--json", "--student-epochs", "40",
             "--transfer", "synthetic"]) as? Run)
        let output = try JSONDecoder().decode(DistillationOutput.self, from: Data(try run.render().utf8))
        #expect(try #require(output.studentTest).rocAUC > 0.85)
        #expect(output.student.contains("transfer: synthetic"))
        let file = try ModelFile.read(from: URL(fileURLWithPath: model))
        #expect(file.tensors["training_scores"]?.elementCount == 0)
        #expect(file.metadata.training?["transfer"] == .string("synthetic"))
        #expect(try DistillationRecipe.stored(in: file.metadata, file: model)?.transfer == .synthetic)
        let text = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", model]) as? Inspect).render()
        #expect(text.contains("Transfer:   synthetic rows only"))
        #expect(text.contains("Explains:   by integrated gradients of its score"))
        #expect(text.contains("(no training scores)"))
        let score = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", model, data, "--output", model + ".csv", "--monitor", "100"]) as? Score)
        defer { try? FileManager.default.removeItem(atPath: model + ".csv") }
        var lines: [String] = []
        let summary = try score.execute(report: { lines.append($0) })
        #expect(summary.rows == 300 && summary.anomalies > 0)
        #expect(lines.contains { $0.hasPrefix("drift rows 1–100") })
    }

    @Test("run --explanations distilled: the student file carries the head, inspect says so, and score --explain uses it")
    func distilledExplanations() throws {
        let data = try FitCommandTests.dataset(rows: 300)
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("dx-\(UUID().uuidString).safetensors").path
        defer { for p in [data, model, model + ".csv"] { try? FileManager.default.removeItem(atPath: p) } }
        let run = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["run", "--detector", "iforest", "--data", data, "--out", model, "--json", "--student-epochs", "40",
             "--explanations", "distilled"]) as? Run)
        let output = try JSONDecoder().decode(DistillationOutput.self, from: Data(try run.render().utf8))
        #expect(try #require(output.comparison?.explanations?.topReasonAgreement) > 0.5)
        let loaded = try #require(try ScoringModel(contentsOf: URL(fileURLWithPath: model)).detector as? FittedStudent)
        #expect(loaded.explanation == .distilled)
        #expect(try DistillationRecipe.stored(in: try ModelFile.read(from: URL(fileURLWithPath: model)).metadata,
                                              file: model)?.explanation == .distilled)
        let text = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", model]) as? Inspect).render()
        #expect(text.contains("Explains:   by a head distilled from its teacher's attributions"))
        #expect(text.contains("heavy-tailed column") == !loaded.explainerInputs.columns.isEmpty)
        let score = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["score", "-m", model, data, "--output", model + ".csv", "--explain", "1"]) as? Score)
        #expect(try score.execute(report: { _ in }).rows == 300)
        let header = try String(contentsOfFile: model + ".csv", encoding: .utf8).prefix { $0 != "\n" }
        #expect(header.hasSuffix("reason_1,contribution_1"))
    }

    @Test("bad distillation options are usage errors naming the option and its range", arguments: [
        (["--temperature", "0"], "--temperature must be in [0.1, 100], found 0"),
        (["--temperature", "-1"], "--temperature must be in [0.1, 100], found -1"),
        (["--temperature", "1e-150"], "--temperature must be in [0.1, 100], found 1e-150"),
        (["--temperature", "1e9"], "--temperature must be in [0.1, 100], found 1000000000"),
        (["--alpha", "1.5"], "--alpha must be in [0, 1], found 1.5"),
        (["--student", "mlp:0"], "expected widths in [1, 4096], found 0"),
        (["--student", "mlp:100000"], "expected widths in [1, 4096], found 100000"),
        (["--student", "mlp:65536,65536"], "expected widths in [1, 4096], found 65536"),
        (["--student", "tree"], "expected \"linear\", \"mlp\" or"),
        (["--augment", "noise"], "noise"), (["--objective", "hinge"], "--objective must be soft or score-matching"),
        (["--student-epochs", "0"], "--student-epochs must be in [1, 100000], found 0"),
        (["--probe-ratio", "-1"], "--probe-ratio must be in [0, 1000], found -1"),
        (["--probe-ratio", "nan"], "--probe-ratio must be in [0, 1000], found nan"),
        (["--transfer", "real"], "--transfer must be rows or synthetic, found real"),
        (["--explanations", "shap"], "--explanations must be gradients, distilled or distilled-tails, found shap"),
    ])
    func badOptions(options: [String], message: String) {
        for command in ["run", "distill"] {
            let source = command == "run" ? ["--data", "d.csv"] : ["--teacher", "t.safetensors", "--data", "d.csv"]
            let error = #expect(throws: (any Error).self) {
                try AnomalyDistillCommand.parseAsRoot([command] + source + ["--out", "s.safetensors"] + options)
            }
            #expect(error.map { AnomalyDistillCommand.message(for: $0).contains(message) } == true,
                    "\(command): \(error.map { AnomalyDistillCommand.message(for: $0) } ?? "no error")")
        }
    }

    @Test("a quantile-scaled (tree) teacher gets score matching on 50,000 probes of every kind, tail included; options still win")
    func treeTeacherDefaults() throws {
        let plain = try StudentArguments.parse([])
        let tree = try plain.makeDistiller(for: .quantile)
        #expect(tree.objective == .scoreMatching && tree.transfer.augmentation == [.jitter, .mixup, .uniform, .tail])
        #expect(tree.transfer.ratio == Distiller.treeTeacherProbeRatio)
        let standard = try plain.makeDistiller(for: .standard)
        #expect(standard.objective == .softTargets && standard.transfer.augmentation == [.uniform, .tail])
        #expect(standard.transfer.ratio == 2)
        let chosen = try StudentArguments.parse(["--objective", "soft", "--augment", "jitter", "--probe-ratio", "3"])
            .makeDistiller(for: .quantile)
        #expect(chosen.objective == .softTargets && chosen.transfer.augmentation == .jitter && chosen.transfer.ratio == 3)
        // The pipeline picks the scaling from the teacher.
        #expect(try DetectorCatalog.make("gradient-boosting", options: DetectorOptions()).inputScaling == .quantile)
        #expect(try DetectorCatalog.make("iforest", options: DetectorOptions()).inputScaling == .standard)
    }

    @Test("distill refuses a file that is not a teacher, and data whose columns differ")
    func distillErrors() throws {
        let data = try FitCommandTests.dataset(rows: 120)
        let other = try CommandTests.write("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,0\n")
        let teacherModel = FileManager.default.temporaryDirectory.appendingPathComponent("t-\(UUID().uuidString).safetensors").path
        let notAModel = try CommandTests.write("not a model", suffix: ".safetensors")
        defer { for p in [data, other, teacherModel, notAModel] { try? FileManager.default.removeItem(atPath: p) } }
        let bad = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["distill", "--teacher", notAModel, "--data", data, "--out", "/tmp/x.safetensors"]) as? Distill)
        #expect(throws: ModelError.self) { try bad.render() }
        _ = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "ecod", "--data", data, "--out", teacherModel]) as? Fit).render()
        let mismatch = try #require(try AnomalyDistillCommand.parseAsRoot(
            ["distill", "--teacher", teacherModel, "--data", other, "--out", "/tmp/x.safetensors"]) as? Distill)
        let error = #expect(throws: DataError.self) { try mismatch.render() }
        #expect(String(describing: error!).contains("\"c\"") || String(describing: error!).contains("\"kind\""))
    }
}
