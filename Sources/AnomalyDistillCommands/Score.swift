import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill score`: scores a CSV file or standard input with a saved model, streaming.
struct Score: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score the rows of a CSV file (or standard input) with a saved model: score, probability, is_anomaly.",
        discussion: """
            Reads a CSV with a header; the model's feature columns are found by name (other columns, a label \
            among them, are not used). Writes one output row per input row, in order, streaming: memory stays \
            bounded and each chunk is flushed, so `tail -f events.csv | anomaly-distill score -m M -` shows \
            results as rows arrive. score: higher = more anomalous; is_anomaly: score > threshold; probability: \
            σ((score − threshold) / σ of the training scores), 0.5 at the threshold. Missing values (empty, NA, \
            NaN, ?, …) are imputed as in training; a category not seen in training goes to its unseen slot; \
            inf or text in a numeric column is an error naming line and column (--on-error skip reports and \
            leaves out such rows instead).
            """)

    @Option(name: [.customShort("m"), .long], help: "The model file (.safetensors).")
    var model: String

    @Argument(help: "The CSV file to score; '-' or nothing for standard input.")
    var input: String = "-"

    @Option(name: [.customShort("o"), .long], help: "Write the output to this file (default: standard output).")
    var output: String?

    @Option(help: "Output format: csv or jsonl.")
    var format: String = "csv"

    @Option(parsing: .singleValue, help: "Output columns, in order, from score, probability, is_anomaly (repeat or separate with commas).")
    var columns: [String] = []

    @Flag(name: .customLong("keep-input"), help: "Put the input's columns before the score columns.")
    var keepInput = false

    @Option(name: .customLong("on-error"), help: "fail (stop at the first bad row) or skip (report each bad row on standard error and go on).")
    var onError: String = "fail"

    @Option(help: "Flag rows with score > this value instead of the model's threshold.")
    var threshold: Double?

    @Option(name: .customLong("chunk-rows"), help: "Rows scored and written together.")
    var chunkRows: Int = 16_384

    @Option(help: ArgumentHelp(
        "Add each row's K strongest reasons: reason_1 … reason_K (columns, most anomalous first) and contribution_1 … contribution_K.",
        discussion: "K ≥ 1; more than the model's feature columns is capped at their number. A reason whose value was missing reads \"COLUMN (imputed)\"."))
    var explain: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Every K rows, report drift on standard error: the population stability index (PSI) of the scores and of each numeric feature against the training data.",
        discussion: "K in [10, 1000000000]. Below 0.1 stable, 0.1–0.25 moved, above 0.25 an alarm (Siddiqi 2006); the last, shorter block is reported at the end."))
    var monitor: Int?

    func validate() throws {
        if let monitor, !(10...1_000_000_000).contains(monitor) {
            throw ValidationError("--monitor must be in [10, 1000000000], found \(monitor)")
        }
        guard ScoreStream.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be csv or jsonl, found \"\(format)\"")
        }
        guard ScoreStream.ErrorPolicy(rawValue: onError) != nil else {
            throw ValidationError("--on-error must be fail or skip, found \"\(onError)\"")
        }
        _ = try outputColumns()
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number, found \(threshold)") }
        guard chunkRows >= 1 && chunkRows <= 1_000_000 else {
            throw ValidationError("--chunk-rows must be in [1, 1000000], found \(chunkRows)")
        }
        if let output, output.isEmpty { throw ValidationError("--output must name a file, found an empty path") }
        if let explain, explain < 1 {
            throw ValidationError("--explain must be at least 1 (the number of reasons per row), found \(explain)")
        }
    }

    func outputColumns() throws -> [ScoreStream.Column] {
        let names = columns.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard !names.isEmpty else { return ScoreStream.Column.allCases }
        return try names.map { name in
            guard let column = ScoreStream.Column(rawValue: name) else {
                throw ValidationError("--columns takes score, probability and is_anomaly, found \"\(name)\"")
            }
            return column
        }
    }

    var options: ScoreStream.Options {
        get throws {
            ScoreStream.Options(format: ScoreStream.Format(rawValue: format) ?? .csv, columns: try outputColumns(),
                                keepInput: keepInput, onError: ScoreStream.ErrorPolicy(rawValue: onError) ?? .fail,
                                chunkRows: chunkRows, explain: explain ?? 0, monitorEvery: monitor)
        }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        do {
            let summary = try execute(report: { Standard.error($0) })
            if summary.restarts > 0 {
                Standard.error("the time column went back \(Format.integer(summary.restarts)) time(s): the window restarted there")
            }
            if summary.skipped > 0 {
                Standard.error("\(Format.integer(summary.skipped)) row(s) skipped; \(Format.integer(summary.rows)) scored")
            }
        } catch is OutputClosed {
            // The reader went away (`score … | head -1`): stop quietly, as Unix tools do.
            throw ExitCode.success
        }
    }

    /// Runs the command, writing to the output file or standard output.
    func execute(report: (String) -> Void) throws -> ScoreStream.Summary {
        let target = try output.map { try OutputFile(path: $0) }
        let scoring = try ScoringModel(contentsOf: URL(fileURLWithPath: model), threshold: threshold)
        let stream = ScoreStream(model: scoring, options: try options)
        if let target {
            do {
                let summary = try stream.run(path: input, write: { try target.write($0) }, report: report)
                try target.commit()
                return summary
            } catch {
                target.discard()
                throw error
            }
        }
        return try stream.run(path: input, write: Standard.write, report: report)
    }
}

/// Standard output was closed by its reader.
struct OutputClosed: Error {}

/// Unbuffered writes to the standard streams.
enum Standard {
    static func write(_ bytes: [UInt8]) throws {
        try writeAll(bytes, to: 1, name: "standard output")
    }

    static func error(_ line: String) {
        try? writeAll(Array((line + "\n").utf8), to: 2, name: "standard error")
    }

    /// - Throws: ``OutputClosed`` when the reader closed the pipe, `DataError.unwritable` for another failure.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, name: String) throws {
        let failure = bytes.withUnsafeBytes { OutputFile.writeAll($0, to: descriptor) }
        if failure == EPIPE { throw OutputClosed() }
        if failure != 0 { throw DataError.unwritable(file: name, reason: String(cString: strerror(failure))) }
    }
}
