import AnomalyDistill
import Foundation
import Testing

@testable import AnomalyDistillCommands

/// Hostile input, as a user trying to break the CLI would give it: each ends in one clear sentence or a
/// correct result — never a trap, a runaway, a silently wrong answer or a replaced file.
@Suite struct HardeningTests {
    static func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hard-\(UUID().uuidString)\(suffix)").path
    }

    /// The message a command prints for an error thrown while parsing or running.
    static func message(_ arguments: [String]) -> String? {
        do {
            let command = try AnomalyDistillCommand.parseAsRoot(arguments)
            switch command {
            case let fit as Fit: _ = try fit.render()
            case let run as Run: _ = try run.render()
            case let distill as Distill: _ = try distill.render()
            case let evaluate as Evaluate: _ = try evaluate.render()
            case let inspect as Inspect: _ = try inspect.render()
            case let export as Export: _ = try export.export()
            case let score as Score: _ = try score.execute(report: { _ in })
            default: Issue.record("unexpected command \(command)")
            }
            return nil
        } catch {
            return AnomalyDistillCommand.message(for: error)
        }
    }

    static func expectMessage(_ arguments: [String], contains words: String...,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let text = message(arguments)
        #expect(text != nil, "expected an error", sourceLocation: sourceLocation)
        for word in words {
            #expect(text?.contains(word) == true, "\(text ?? "no error") should say \(word)", sourceLocation: sourceLocation)
        }
        #expect((text?.count ?? 0) < 600, "\(text?.prefix(200) ?? "")… is too long", sourceLocation: sourceLocation)
    }

    /// A copy of a model file with its metadata or tensors changed.
    static func corrupted(_ path: String, metadata: (inout ModelMetadata) -> Void = { _ in },
                          tensors: (inout [String: Tensor]) -> Void = { _ in }) throws -> String {
        var file = try ModelFile.read(from: URL(fileURLWithPath: path))
        metadata(&file.metadata)
        tensors(&file.tensors)
        let copy = temporary(".safetensors")
        try ModelFile.write(tensors: Array(file.tensors.values), metadata: file.metadata, to: URL(fileURLWithPath: copy))
        return copy
    }

    /// An isolation forest fitted by `fit` on a small data set (once per process).
    static let forest: (model: String, data: String) = {
        // swiftlint:disable force_try
        let data = try! FitCommandTests.dataset(rows: 120)
        let model = temporary(".safetensors")
        _ = try! (try! AnomalyDistillCommand.parseAsRoot(
            ["fit", "--detector", "iforest", "--trees", "20", "--data", data, "--out", model, "--quiet"]) as! Fit).render()
        // swiftlint:enable force_try
        return (model, data)
    }()

    // 1, 4, 12, 13: numeric options out of range are refused before any work, naming the limit.
    @Test("options out of range name the option and its limits", arguments: [
        (["fit", "--detector", "iforest", "--trees", "100000000"], "--trees must be in [1, 100000], found 100000000"),
        (["fit", "--detector", "iforest", "--trees", "-1"], "--trees must be in [1, 100000], found -1"),
        (["fit", "--detector", "iforest", "--subsample", "1"], "--subsample must be in [2, 10000000], found 1"),
        (["fit", "--detector", "knn", "--k", "0"], "--k must be in [1, 10000], found 0"),
        (["fit", "--detector", "autoencoder", "--epochs", "1000000"], "--epochs must be in [1, 100000], found 1000000"),
        (["fit", "--detector", "autoencoder", "--hidden", "65536,65536"], "--hidden widths must be in [1, 4096], found 65536"),
        (["fit", "--detector", "autoencoder", "--batch-size", "0"], "--batch-size must be in [1, 1000000], found 0"),
        (["fit", "--detector", "autoencoder", "--learning-rate", "-0.1"], "--learning-rate must be a positive finite number, found -0.1"),
        (["fit", "--detector", "iforest", "--contamination", "-0.1"], "--contamination must be in (0, 0.5], found -0.1"),
    ])
    func optionsOutOfRange(arguments: [String], message: String) {
        Self.expectMessage(arguments + ["--data", "d.csv", "--out", "m.safetensors"], contains: message)
    }

    // 12: standard input read twice.
    @Test("--train - --test - is refused instead of reading standard input twice")
    func stdinTwice() {
        Self.expectMessage(["fit", "--train", "-", "--test", "-", "--out", "m.safetensors"],
                           contains: "--train and --test cannot both read standard input")
    }

    // 1: the library refuses what the commands refuse (a program that bypasses the CLI).
    @Test("the distiller refuses a temperature that would underflow, with a ConfigurationError")
    func libraryTemperature() throws {
        for temperature in [1e-150, 0, 1e9, .nan] {
            #expect(throws: ConfigurationError.self) { try Distiller(temperature: temperature).validate() }
        }
        #expect(throws: ConfigurationError.self) { try IsolationForest(trees: 100_000_000).validate() }
        #expect(throws: ConfigurationError.self) { try StudentArchitecture(parsing: "mlp:65536,65536") }
    }

    // 4: the memory check before allocating.
    @Test("a configuration needing more memory than the machine has is refused before it allocates")
    func memoryCheck() {
        let error = #expect(throws: ConfigurationError.self) {
            try SettingLimits.checkMemory(Double(SettingLimits.physicalMemory) * 4, for: "an isolation forest of 100000 trees")
        }
        #expect(error.map { "\($0)".contains("an isolation forest of 100000 trees would need about") } == true)
        #expect(throws: Never.self) { try SettingLimits.checkMemory(1_048_576, for: "a small model") }
    }

    // 2: a student whose architecture has no layers.
    @Test("a student file with an empty layer list is refused by evaluate, distill and inspect, naming the file")
    func emptyLayers() throws {
        let bad = try Self.corrupted(SavedStudent.paths.model, metadata: { metadata in
            guard case var .object(architecture) = metadata.architecture, case var .object(network) = architecture["network"] else {
                Issue.record("unexpected architecture \(String(describing: metadata.architecture))")
                return
            }
            network["layers"] = .array([])
            architecture["network"] = .object(network)
            metadata.architecture = .object(architecture)
        })
        defer { try? FileManager.default.removeItem(atPath: bad) }
        Self.expectMessage(["evaluate", "--model", bad, "--data", SavedStudent.paths.data], contains: bad, "at least one dense layer")
        Self.expectMessage(["inspect", bad], contains: bad, "at least one dense layer")
    }

    // 3: isolation-forest invariants on load.
    @Test("an isolation forest whose offsets, children or leaf sizes are wrong is refused on load, naming the file",
          arguments: ["offset past the nodes", "leaf sizes 0", "child out of range", "feature past the width"])
    func forestInvariants(_ damage: String) throws {
        let bad = try Self.corrupted(Self.forest.model, tensors: { tensors in
            func edit(_ name: String, _ change: (inout [Int32]) -> Void) {
                guard let tensor = tensors[name], var values = try? tensor.int32s() else { return }
                change(&values)
                tensors[name] = Tensor(name: name, shape: tensor.shape, int32s: values)
            }
            let feature = (try? tensors["feature"]?.int32s()) ?? []
            switch damage {
            case "offset past the nodes": edit("tree_offsets") { $0[1] = $0[$0.count - 1] + 1000 }
            case "leaf sizes 0": edit("size") { sizes in for i in sizes.indices where feature[i] < 0 { sizes[i] = 0 } }
            case "child out of range":
                edit("left") { left in if let i = feature.firstIndex(where: { $0 >= 0 }) { left[i] = 1_000_000 } }
            default: edit("feature") { values in if let i = values.firstIndex(where: { $0 >= 0 }) { values[i] = 99 } }
            }
        })
        defer { try? FileManager.default.removeItem(atPath: bad) }
        Self.expectMessage(["evaluate", "--model", bad, "--data", Self.forest.data], contains: bad)
        Self.expectMessage(["inspect", bad], contains: bad)
    }

    // 12: a wrong dtype and a zero scale name the model file.
    @Test("a tensor of the wrong dtype or a zero scale is reported with the model file's name")
    func tensorAndScaleProblems() throws {
        let dtype = try Self.corrupted(SavedStudent.paths.model, tensors: { tensors in
            tensors["training_scores"] = Tensor(name: "training_scores", shape: [2], int32s: [1, 2])
        })
        let scale = try Self.corrupted(SavedStudent.paths.model, metadata: { metadata in
            guard case var .object(preprocessing) = metadata.preprocessing, case var .array(features) = preprocessing["features"],
                  case var .object(first) = features.first, case var .object(numeric) = first["numeric"] else {
                Issue.record("unexpected preprocessing \(String(describing: metadata.preprocessing))")
                return
            }
            numeric["scale"] = .number(0)
            first["numeric"] = .object(numeric)
            features[0] = .object(first)
            preprocessing["features"] = .array(features)
            metadata.preprocessing = .object(preprocessing)
        })
        defer { for path in [dtype, scale] { try? FileManager.default.removeItem(atPath: path) } }
        Self.expectMessage(["evaluate", "--model", dtype, "--data", SavedStudent.paths.data], contains: dtype, "dtype")
        Self.expectMessage(["evaluate", "--model", scale, "--data", SavedStudent.paths.data], contains: scale,
                           "expected a positive finite scale, found 0")
        Self.expectMessage(["inspect", scale], contains: scale, "scale")
    }

    // 5: inspect validates fully.
    @Test("inspect MODEL accepts a sound model and loads it as evaluate would")
    func inspectSound() throws {
        let inspect = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", SavedStudent.paths.model]) as? Inspect)
        #expect(try inspect.render().contains("student_mlp"))
    }

    // 6: a byte-order mark.
    @Test("a UTF-8 byte-order mark before a leading label column is dropped")
    func byteOrderMark() throws {
        let text = try String(contentsOfFile: FitCommandTests.dataset(rows: 90), encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        lines = lines.map { [$0[$0.count - 1]] + $0.dropLast() }  // label first
        let path = Self.temporary(".csv")
        try Data(("\u{FEFF}" + lines.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n").utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Table.read(path)
        #expect(table.schema.columns.first?.name == "label")
        #expect(table.labels != nil)
        let profile = try #require(try AnomalyDistillCommand.parseAsRoot(["inspect", path, "--json"]) as? Inspect)
        #expect(try profile.render().contains("\"label\""))
    }

    // 7, 9: what --out may be.
    @Test("--out that is a device, a FIFO, a directory or empty is refused in plain words; a symlink is written through; a mode is kept")
    func outputTargets() throws {
        let data = try FitCommandTests.dataset(rows: 80)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let fit = ["fit", "--detector", "ecod", "--data", data, "--quiet", "--out"]
        Self.expectMessage(fit + ["/dev/full"], contains: "/dev/full", "not a regular file")
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        let fifo = Self.temporary(".fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        Self.expectMessage(fit + [fifo], contains: fifo, "not a regular file")
        Self.expectMessage(fit + [FileManager.default.temporaryDirectory.path], contains: "is a directory")
        Self.expectMessage(fit + [""], contains: "--out must name a file, found an empty path")
        Self.expectMessage(fit + ["/no-such-folder/m.safetensors"], contains: "/no-such-folder", "does not exist")

        let target = Self.temporary(".safetensors"), link = Self.temporary(".link")
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        chmod(target, 0o600)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        defer { for path in [target, link] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(Self.message(fit + [link]) == nil)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try ModelFile.read(from: URL(fileURLWithPath: target)).metadata.kind == "ecod")
        #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    // 8: outputs checked before the work, written after it.
    @Test("run --report to an unwritable place fails before any work and leaves --out untouched")
    func reportCheckedFirst() throws {
        let out = Self.temporary(".safetensors")
        try Data("previous".utf8).write(to: URL(fileURLWithPath: out))
        defer { try? FileManager.default.removeItem(atPath: out) }
        let started = Date()
        Self.expectMessage(["run", "--data", SavedStudent.paths.data, "--out", out, "--report", "/proc/x.html", "--quiet"],
                           contains: "/proc/x.html")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous")
        #expect(Date().timeIntervalSince(started) < 5, "the work ran before the check")
        Self.expectMessage(["run", "--data", SavedStudent.paths.data, "--out", out, "--report", out],
                           contains: "--report and --out name the same file")
        Self.expectMessage(["run", "--data", SavedStudent.paths.data, "--out", out, "--report", "r.html", "--test-fraction", "0"],
                           contains: "--report needs test rows")
    }

    // 10: nothing to compare.
    @Test("run on constant features says the teacher scores every row the same")
    func constantFeatures() throws {
        var text = "a,b,label\n"
        for i in 0..<60 { text += "1.0,2.0,\(i % 10 == 0 ? 1 : 0)\n" }
        let data = try CommandTests.write(text)
        let out = Self.temporary(".safetensors")
        defer { for path in [data, out] { try? FileManager.default.removeItem(atPath: path) } }
        Self.expectMessage(["run", "--detector", "iforest", "--data", data, "--out", out, "--quiet", "--student-epochs", "2"],
                           contains: "scores all", "rows the same")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    // 11: a huge bad field is cut.
    @Test("a 1 MB bad numeric field is quoted cut to a readable length")
    func hugeField() throws {
        var text = "a,b,c,kind,label\n"
        for i in 0..<30 { text += "\(i),\(i % 7),0.5,\(i % 2 == 0 ? "x" : "y"),\(i % 10 == 0 ? 1 : 0)\n" }
        text += "1.5,2.5," + String(repeating: "7", count: 500_000) + String(repeating: "x", count: 500_000) + ",x,0\n"
        let data = try CommandTests.write(text)
        defer { try? FileManager.default.removeItem(atPath: data) }
        Self.expectMessage(["evaluate", "--model", SavedStudent.paths.model, "--data", data], contains: "bytes)")
    }

    // 12: text in a score column.
    @Test("evaluate --scores with text in the score column names the line, the column and the value")
    func textScores() throws {
        let data = try CommandTests.write("score,label\n0.5,0\n0.7,1\nabc,0\n0.1,0\n")
        defer { try? FileManager.default.removeItem(atPath: data) }
        Self.expectMessage(["evaluate", "--scores", data], contains: ":4:1", "\"score\"", "\"abc\"")
        #expect(Self.message(["evaluate", "--scores", data])?.contains("model's schema") == false)
    }
}
