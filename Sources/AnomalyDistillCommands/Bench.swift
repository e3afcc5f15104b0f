import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill bench`: what scoring with a model costs on this machine.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model's single-row latency and batch throughput on rows of a data file, on this machine.",
        discussion: """
            Both paths start from raw rows (preprocessing included), as `score` and the server run them. \
            Single row: the median time per call of the single-row path, timed over groups of calls. Batch: \
            the rows repeated up to --batch-rows, scored in one call (both cores when large), best pass. Peak \
            memory: the process's peak resident set. Explanation: the time per row of every column's contribution \
            (`score --explain`), on at most 1,000 of the rows, for models that explain. A debug build's timings are \
            10–100× off: build with -c release.
            """)

    @Option(name: [.customShort("m"), .long], help: "The model file (.safetensors).")
    var model: String

    @Option(help: "A data file with the model's columns (labels are not needed).")
    var data: String

    @Option(name: .customLong("batch-rows"), help: "Rows per batch call (the file's rows repeated).")
    var batchRows: Int = 100_000

    @Option(help: "Measure each path for at least this many seconds.")
    var seconds: Double = 0.5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard batchRows >= 1 && batchRows <= 10_000_000 else {
            throw ValidationError("--batch-rows must be in [1, 10000000], found \(batchRows)")
        }
        guard seconds >= 0 && seconds <= 600 else {
            throw ValidationError("--seconds must be in [0, 600], found \(seconds)")
        }
    }

    func run() async throws {
        if !ScoringBenchmark.isOptimizedBuild { Standard.error(BuildNote.text) }
        print(try render())
    }

    func render() throws -> String {
        let scoring = try ScoringModel(contentsOf: URL(fileURLWithPath: model))
        let table = try scoring.readTable(data)
        let result = try ScoringBenchmark.measure(
            scoring, on: try scoring.rows(table),
            options: ScoringBenchmark.Options(batchRows: batchRows, minimumSeconds: seconds, explanations: true))
        if json { return try JSONOutput.string(result) }
        var lines = [
            "Model:  \(model) (\(result.kind), \(Format.integer(result.parameters)) parameters, \(result.features) features)",
            "Rows:   \(Format.integer(result.rows)) from \(data)",
            "Path:   \(result.compiled ? "compiled network (\(result.kernel)), no allocation per row" : "general (the model's batch scorer)")",
            "",
        ]
        var rows = [
            ["single-row latency, median", Self.nanoseconds(result.singleRowLatencyNanoseconds)],
            ["single-row latency, p99 (groups)", Self.nanoseconds(result.singleRowLatencyP99Nanoseconds)],
            ["batch throughput (\(Format.integer(result.batchRows)) rows per call)", "\(Format.number(result.batchRowsPerSecond)) rows/s"],
            ["FLOPs per row", Format.number(result.flopsPerRow)],
            ["peak memory", "\(Format.fixed(Double(result.peakMemoryBytes) / 1_048_576, 1)) MiB"],
        ]
        if let explain = result.explainNanosecondsPerRow {
            rows.insert(["explanation per row (every column's contribution)", Self.nanoseconds(explain)], at: 3)
        }
        lines += Format.table(header: ["measure", "value"], rows: rows, rightAligned: [1])
        if !result.optimizedBuild { lines += ["", BuildNote.text] }
        return lines.joined(separator: "\n")
    }

    static func nanoseconds(_ value: Double) -> String {
        value < 10_000 ? "\(Format.fixed(value, 0)) ns" : "\(Format.fixed(value / 1000, 1)) µs"
    }
}
