import Foundation
import Testing

@testable import AnomalyDistill

/// Windows over time series: the derived values against a direct computation, partial windows, restarts where
/// time goes back, missing readings, model files, and streams scored with state.
@Suite struct WindowTests {
    /// A two-sensor series with a `time` column (ISO text) and a label; `back` rows where the time steps back.
    static func series(rows: Int, seed: UInt64, back: Set<Int> = [], missing: Set<Int> = []) -> String {
        var random = RandomSource(seed: seed)
        var text = "time,a,b,label\n"
        var second = 100_000
        for r in 0..<rows {
            second = back.contains(r) ? second - 500 : second + 1
            let a = 10 + sin(Double(r) / 7) + 0.1 * random.normal(), b = 100 + 5 * random.normal()
            let time = String(format: "2024-01-%02d %02d:%02d:%02d", 2 + second / 86_400, second / 3600 % 24, second / 60 % 60, second % 60)
            text += "\(time),\(missing.contains(r) ? "" : String(a)),\(b),\(r % 50 == 49 ? 1 : 0)\n"
        }
        return text
    }

    static func window(_ length: Int, _ features: Window.Features = .stats, fills: [Float] = [0, 0]) -> Window {
        Window(length: length, features: features, timeColumn: nil, inputs: ["a", "b"], fills: fills,
               input: Schema(columns: [ColumnSchema(name: "a", kind: .numeric), ColumnSchema(name: "b", kind: .numeric)]))
    }

    /// Pushes the rows of `values` (row-major, two inputs) and returns the derived rows.
    static func push(_ window: Window, _ values: [Float]) -> [[Float]] {
        var state = WindowState(window)
        var out = [Float](repeating: 0, count: 2 * window.width)
        return stride(from: 0, to: values.count, by: 2).map { start in
            values[start..<(start + 2)].withUnsafeBufferPointer { raw in
                out.withUnsafeMutableBufferPointer { state.push(raw, into: $0) }
            }
            return out
        }
    }

    @Test("stats: the reading, its difference, mean and deviation over the last N, partial at the start", arguments: [2, 5, 30])
    func stats(length: Int) {
        var random = RandomSource(seed: UInt64(length))
        let values = (0..<400).map { _ in Float(1000 + random.normal()) }  // far from 0: sums must not cancel
        let derived = Self.push(Self.window(length), values)
        for r in 0..<200 {
            for j in 0..<2 {
                let recent = (max(0, r - length + 1)...r).map { Double(values[$0 * 2 + j]) }
                let mean = recent.reduce(0, +) / Double(recent.count)
                let deviation = (recent.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(recent.count)).squareRoot()
                let row = derived[r]
                #expect(row[j * 4] == values[r * 2 + j])
                #expect(row[j * 4 + 1] == (r == 0 ? 0 : values[r * 2 + j] - values[(r - 1) * 2 + j]))
                #expect(abs(Double(row[j * 4 + 2]) - mean) < 1e-4)
                #expect(abs(Double(row[j * 4 + 3]) - deviation) < 1e-4)
            }
        }
    }

    @Test("stats stay exact over a long series (the sums are recomputed)")
    func longSeries() {
        var random = RandomSource(seed: 9)
        let values = (0..<20_000).flatMap { r in [Float(1e4 + 1e3 * sin(Double(r) / 50) + random.normal()), Float(r % 3)] }
        let derived = Self.push(Self.window(16), values)
        for r in [4095, 4096, 12_000, 19_999] {
            let recent = ((r - 15)...r).map { Double(values[$0 * 2]) }
            let mean = recent.reduce(0, +) / 16
            let deviation = (recent.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 16).squareRoot()
            #expect(abs(Double(derived[r][2]) - mean) < 2e-3)
            #expect(abs(Double(derived[r][3]) - deviation) < 2e-3)
        }
    }

    @Test("lags: the last N readings, newest first; before the first reading, the first repeats")
    func lags() {
        let values: [Float] = (0..<6).flatMap { [Float($0), Float(10 * $0)] }
        let derived = Self.push(Self.window(3, .lags), values)
        #expect(derived[0] == [0, 0, 0, 0, 0, 0])
        #expect(derived[1] == [1, 0, 0, 10, 0, 0])
        #expect(derived[2] == [2, 1, 0, 20, 10, 0])
        #expect(derived[5] == [5, 4, 3, 50, 40, 30])
    }

    @Test("a missing reading carries the last one forward; a series that starts with one takes the fill")
    func missing() {
        let values: [Float] = [.nan, 1, 4, 2, .nan, 3, 6, .nan]
        let derived = Self.push(Self.window(2, .lags, fills: [7, 8]), values)
        #expect(derived.map { [$0[0], $0[2]] } == [[7, 1], [4, 2], [4, 3], [6, 3]])
        #expect(derived.allSatisfy { $0.allSatisfy(\.isFinite) })
    }

    @Test("a time before the previous one restarts the series; repeated times and gaps do not")
    func restarts() {
        var state = WindowState(Self.window(3))
        var out = [Float](repeating: 0, count: 8)
        // A repeated time, a step back, then a gap of five months: only the step back restarts.
        let times = ["2024-01-01 00:00:01", "2024-01-01 00:00:02", "2024-01-01 00:00:02", "2023-12-31 23:00:00",
                     "2023-12-31 23:00:01", "2024-06-01 00:00:00"]
        var derived: [[Float]] = []
        for (r, time) in times.enumerated() {
            Array(time.utf8).withUnsafeBufferPointer { state.order(field: $0) }
            [Float(r * 10), 0].withUnsafeBufferPointer { raw in out.withUnsafeMutableBufferPointer { state.push(raw, into: $0) } }
            derived.append(out)
        }
        #expect(state.restarts == 1)
        // Row 3 starts a new series: difference 0, mean = itself; row 4 averages rows 3 and 4 only.
        #expect(derived[3][1] == 0 && derived[3][2] == 30)
        #expect(derived[4][2] == 35)
        // The gap does not restart: row 5 averages rows 3 to 5.
        #expect(derived[5][1] == 10 && derived[5][2] == 40)
        // Numbers compare as numbers ("9" is before "10").
        var numeric = WindowState(Self.window(3))
        for time in ["9", "10", "11", "2"] { Array(time.utf8).withUnsafeBufferPointer { numeric.order(field: $0) } }
        #expect(numeric.restarts == 1)
    }

    @Test("fit names the derived columns, finds the timestamp column and refuses what cannot work")
    func fitAndErrors() throws {
        try TestFiles.with(Self.series(rows: 60, seed: 1)) { path in
            let table = try Table.read(path)
            let window = try Window.fit(table, length: 4)
            #expect(window.timeColumn == "time" && window.inputs == ["a", "b"])
            #expect(window.outputNames == ["a", "a@diff", "a@mean4", "a@std4", "b", "b@diff", "b@mean4", "b@std4"])
            #expect(window.outputSchema.columns.map(\.name) == ["time"] + window.outputNames + ["label"])
            #expect(window.problem == nil)
            #expect(performing: { try Window.fit(table, length: 61) }, throws: { error in
                guard case let ConfigurationError.invalidSetting(name, reason) = error else { return false }
                return name == "window" && reason.contains("longer than the 60 training rows")
            })
            #expect(throws: ConfigurationError.self) { try Window.fit(table, length: 1) }
            #expect(performing: { try Window.fit(table, length: 4, timeColumn: "when") }, throws: { error in
                guard case let ConfigurationError.invalidSetting(name, _) = error else { return false }
                return name == "time-column"
            })
            var broken = window
            broken.length = 1
            #expect(broken.problem?.contains("window length") == true)
            broken = window
            broken.inputs = ["a", "label"]
            #expect(broken.problem != nil)
        }
    }

    /// A PCA model fitted on windows of the series file, as `fit --window` builds it.
    static func model(_ path: String, length: Int = 5) throws -> ScoringModel {
        var random = RandomSource(seed: 0)
        let (train, _, window) = try DetectorRun.readTables(.single(path, testFraction: 0), options: ReadOptions(),
                                                           window: WindowRequest(length: length), random: &random)
        var preprocessor = try Preprocessor.fit(train)
        preprocessor.window = window
        let detector = try PCA().fit(try preprocessor.transform(train), using: &random)
        return try ScoringModel(detector: detector, preprocessor: preprocessor)
    }

    @Test("a stream scored with state gives the batch scores, in any chunk size and through a pipe")
    func stream() throws {
        let text = Self.series(rows: 300, seed: 2, back: [120, 200], missing: [7, 150])
        try TestFiles.with(text) { path in
            let model = try Self.model(path)
            let batch = try model.score(model.readTable(path))
            var outputs: [String] = []
            for chunk in [1, 7, 16_384] {
                let (csv, summary, _) = try ScoreStreamTests.output(
                    ScoreStream(model: model, options: ScoreStream.Options(columns: [.score], chunkRows: chunk)), path)
                #expect(summary.rows == 300 && summary.restarts == 2)
                let scores = csv.split(separator: "\n").dropFirst().map { Float(String($0))! }
                #expect(scores == batch.scores)
                outputs.append(csv)
            }
            #expect(Set(outputs).count == 1)
            let piped = try ScoreStreamTests.throughFIFO(text, pieces: 333) {
                try ScoreStreamTests.output(ScoreStream(model: model, options: ScoreStream.Options(columns: [.score])), $0).0
            }
            #expect(piped == outputs[0])
        }
    }

    @Test("a stream without the time column or a window input is refused, naming the column")
    func streamMissingColumns() throws {
        try TestFiles.with(Self.series(rows: 80, seed: 3)) { path in
            let model = try Self.model(path)
            for (drop, name) in [(0, "time"), (2, "b")] {
                let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
                    $0.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != drop }
                        .map(\.element).joined(separator: ",")
                }
                try TestFiles.with(lines.joined(separator: "\n") + "\n") { other in
                    #expect(performing: { try ScoreStreamTests.output(ScoreStream(model: model), other) }, throws: { error in
                        guard case let DataError.missingColumn(_, missing, _) = error else { return false }
                        return missing == name
                    })
                }
            }
        }
    }

    @Test("the window survives the model file; the server and ONNX export refuse a windowed model by name")
    func modelFile() throws {
        try TestFiles.with(Self.series(rows: 100, seed: 4)) { path in
            let model = try Self.model(path, length: 6)
            let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
            defer { TestFiles.remove(url.path) }
            let fitted = try #require(model.detector as? FittedPCA)
            try DetectorFile.write(fitted, preprocessor: model.preprocessor, to: url)
            let loaded = try ScoringModel(contentsOf: url)
            #expect(loaded.window == model.window && loaded.window?.length == 6)
            #expect(try loaded.score(loaded.readTable(path)).scores == model.score(model.readTable(path)).scores)
            #expect(performing: { try loaded.requireRowModel(for: "the server") }, throws: { error in
                guard case let ModelError.windowed(_, length, use) = error else { return false }
                return length == 6 && use == "the server"
            })
            #expect(throws: ModelError.self) { try loaded.graph() }
        }
    }
}
