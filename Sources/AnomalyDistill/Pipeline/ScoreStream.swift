import Foundation
import _AnomalyDistillKernels

/// Scores a CSV file or standard input with a ``ScoringModel``, in chunks with bounded memory: what
/// `anomaly-distill score` runs.
///
/// The header names the columns; the model's feature columns are found by name (in any order; other
/// columns, a label among them, are not used). Each record becomes a row of ``RawRows``; every
/// ``Options/chunkRows`` rows — and whenever the input would wait for more bytes (a live stream on a pipe) —
/// the rows are scored and their output lines handed to `write`, so `tail -f events.csv | anomaly-distill
/// score -m M -` shows results as rows arrive. A plain file and the same bytes on standard input give
/// byte-identical output.
public struct ScoreStream {
    /// How output rows are written.
    public enum Format: String, Sendable, CaseIterable {
        /// CSV with a header (`score,probability,is_anomaly`; `is_anomaly` as 0/1).
        case csv
        /// One JSON object per line (`{"score":…,"probability":…,"is_anomaly":true}`).
        case jsonl
    }

    /// An output column.
    public enum Column: String, Sendable, CaseIterable {
        case score, probability
        case isAnomaly = "is_anomaly"
    }

    /// What to do with a record that cannot be scored (a ragged row, text in a numeric column, `inf`).
    public enum ErrorPolicy: String, Sendable, CaseIterable {
        /// Stop with the error (nothing after the last written chunk is written).
        case fail
        /// Leave the row out of the output, report it (line, column, reason) through `report`, go on.
        case skip
    }

    /// Options of a run.
    public struct Options: Sendable {
        public var format: Format
        public var columns: [Column]
        /// Put the input's fields before the score columns.
        public var keepInput: Bool
        public var onError: ErrorPolicy
        /// Rows scored together (and the most held in memory).
        public var chunkRows: Int
        /// Reasons per row (0: none): CSV columns `reason_1 … reason_K` (column names, most anomalous first;
        /// ` (imputed)` after a column whose value was missing) and `contribution_1 … contribution_K`; in JSON
        /// lines a `reasons` array of `{"column", "contribution", "imputed"}`. Capped at the number of feature
        /// columns.
        public var explain: Int
        /// Report drift (``DriftMonitor``) through `report` every this many rows, or `nil` for none.
        public var monitorEvery: Int?

        public init(format: Format = .csv, columns: [Column] = Column.allCases, keepInput: Bool = false,
                    onError: ErrorPolicy = .fail, chunkRows: Int = 16_384, explain: Int = 0, monitorEvery: Int? = nil) {
            self.monitorEvery = monitorEvery
            self.format = format
            self.columns = columns
            self.keepInput = keepInput
            self.onError = onError
            self.chunkRows = chunkRows
            self.explain = explain
        }
    }

    /// What a run did.
    public struct Summary: Sendable, Equatable {
        /// Rows scored and written.
        public var rows = 0
        /// Rows flagged.
        public var anomalies = 0
        /// Records left out (``ErrorPolicy/skip``).
        public var skipped = 0
        /// Windowed models: times the series restarted because the time column went backwards.
        public var restarts = 0
        /// Drift blocks reported (``Options/monitorEvery``), and those that raised an alarm.
        public var driftReports = 0
        public var driftAlarms = 0
    }

    public let model: ScoringModel
    public let options: Options

    /// `options.explain` is capped at the number of feature columns (and read as 0 when negative).
    public init(model: ScoringModel, options: Options = Options()) {
        self.model = model
        var options = options
        options.explain = max(0, min(options.explain, model.featureNames.count))
        self.options = options
    }

    /// Reads `path` (`-` for standard input), scores every record and hands the output bytes to `write`.
    ///
    /// - Parameters:
    ///   - write: Receives the output in pieces (header first); may throw to stop (a closed pipe).
    ///   - report: Receives one line per skipped record (``ErrorPolicy/skip``) and per drift block
    ///     (``Options/monitorEvery``, ``DriftMonitor/Report/line``).
    /// - Throws: `DataError` naming file, line and column for a record that cannot be scored (with
    ///   ``ErrorPolicy/fail``), a header without a feature column of the model, an unreadable file; what
    ///   `write` throws; `AttributionError.unsupportedKind` (before any output) when reasons are asked of a
    ///   model without an explainer.
    /// - Complexity: O(bytes + rows · model cost); memory O(chunk), independent of the input's length.
    public func run(path: String, write: ([UInt8]) throws -> Void, report: (String) -> Void = { _ in }) throws -> Summary {
        try withoutActuallyEscaping(write) { write in
            try withoutActuallyEscaping(report) { report in try run(path, write, report) }
        }
    }

    private func run(_ path: String, _ write: @escaping ([UInt8]) throws -> Void,
                     _ report: @escaping (String) -> Void) throws -> Summary {
        if options.explain > 0 && !model.canExplain { throw AttributionError.unsupportedKind(model.kind) }
        let records = try CSVRecordReader(path: path)
        defer { records.willRead = nil }
        guard try records.next() else { throw DataError.emptyFile(file: path) }
        let header = records.headerStrings()
        var seen: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if seen[name] != nil {
                throw DataError.duplicateColumn(FileLocation(file: path, line: records.line, column: index + 1), name: name)
            }
            seen[name] = index
        }
        let width = header.count
        // Position in the record of each numeric and categorical feature.
        func position(_ name: String) throws -> Int {
            guard let index = seen[name] else { throw DataError.missingColumn(file: path, name: name, available: header) }
            return index
        }
        // A windowed model reads its window's input columns (and the time column) and keeps the last readings.
        let window = model.window
        let numericNames = window?.inputs ?? model.numericFeatures.map(\.name)
        let numericPositions = try numericNames.map { try position($0) }
        let windowed = window != nil
        let categoricalPositions = try model.categoricalFeatures.map { try position($0.name) }
        let timePosition = try window?.timeColumn.map { try position($0) }
        var windowState = window.map(WindowState.init)
        // Where each of the window's derived values goes among the model's numeric features.
        let derivedToFeature: [Int] = try window.map { window in
            let index = Dictionary(model.numericFeatures.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
            return try window.outputNames.map { name in
                guard let k = index[name] else {
                    throw DataError.schemaMismatch(file: model.file ?? "model", reason: "the window's column \(name.debugDescription) is not a feature of the model")
                }
                return k
            }
        } ?? []
        var rawRow = [Float](repeating: .nan, count: numericPositions.count)
        var derivedRow = [Float](repeating: 0, count: derivedToFeature.count)

        let writer = OutputWriter(options: options, inputHeader: header)
        var summary = Summary()
        var driftMonitor = options.monitorEvery.map { DriftMonitor(model: model, every: $0) }
        func drift(_ blocks: [DriftMonitor.Report]) {
            for block in blocks {
                summary.driftReports += 1
                if block.alarm { summary.driftAlarms += 1 }
                report(block.line)
            }
        }
        var rows = model.emptyRows()
        var inputs: [[String]] = []
        var pendingError: (any Error)?
        let chunk = max(1, options.chunkRows)

        // Output buffers, reused from chunk to chunk; a large chunk is formatted in two halves at once.
        var buffers: [[UInt8]] = [[], []]
        func flush() throws {
            guard rows.count > 0 else { return }
            let scores = try model.scores(rows)
            if driftMonitor != nil { drift(driftMonitor!.add(rows, scores: scores)) }
            let explanations = options.explain > 0 ? try model.explain(rows) : nil
            let parts = rows.count >= 8_192 ? 2 : 1
            let share = (rows.count + parts - 1) / parts
            let echoed = options.keepInput ? inputs : []
            let formatter = writer, model = self.model
            var flagged = [Int](repeating: 0, count: parts)
            buffers.withUnsafeMutableBufferPointer { buffers in
                flagged.withUnsafeMutableBufferPointer { flagged in
                    Parallel.forEachPart(parts, sharing: (buffers, flagged)) { part, shared in
                        let (buffers, flagged) = shared
                        buffers[part].removeAll(keepingCapacity: true)
                        for r in (part * share)..<min(scores.count, (part + 1) * share) {
                            let anomaly = model.isAnomaly(scores[r])
                            if anomaly { flagged[part] += 1 }
                            formatter.appendRow(score: scores[r], probability: model.probability(scores[r]), flagged: anomaly,
                                                input: echoed.isEmpty ? nil : echoed[r],
                                                reasons: explanations?.reasons(row: r, top: formatter.options.explain),
                                                into: &buffers[part])
                        }
                    }
                }
            }
            summary.anomalies += flagged.reduce(0, +)
            summary.rows += rows.count
            rows.removeAll()
            inputs.removeAll(keepingCapacity: true)
            for part in 0..<parts { try write(buffers[part]) }
            records.releaseParsedPages()
        }
        try write(writer.header())
        records.willRead = {
            // Score what has arrived before waiting for more input.
            if pendingError == nil {
                do { try flush() } catch { pendingError = error }
            }
        }

        // The hot path (numeric models, no input echo): runs of simple records parsed in C.
        var kinds = [UInt8](repeating: UInt8(AD_FAST_SKIP), count: width)
        var batchToFeature: [Int] = []
        for (column, position) in numericPositions.enumerated().sorted(by: { $0.element < $1.element }) {
            kinds[position] = UInt8(AD_FAST_NUMERIC)
            batchToFeature.append(column)
        }
        let fastEligible = model.categoricalFeatures.isEmpty && !options.keepInput && !numericPositions.isEmpty
            && window == nil
        var batches = [NumericBatch(), NumericBatch()]
        let nNumeric = model.numericFeatures.count, nCategorical = model.categoricalFeatures.count
        var numericRow = [Float](repeating: .nan, count: nNumeric)
        var categoricalRow = [Int32](repeating: -1, count: nCategorical)

        while true {
            if let pendingError { throw pendingError }
            if fastEligible {
                let filled = try records.fastBatches(width: width, kinds: kinds, numericCount: nNumeric, into: &batches)
                if let pendingError { throw pendingError }
                if filled > 0 {
                    for batch in batches.prefix(filled) {
                        var start = 0
                        while start < batch.rows {
                            let take = min(batch.rows - start, chunk - rows.count)
                            let base = rows.numeric.count
                            rows.numeric.append(contentsOf: repeatElement(Float.nan, count: take * nNumeric))
                            rows.numeric.withUnsafeMutableBufferPointer { target in
                                batch.values.withUnsafeBufferPointer { source in
                                    ad_columns_to_rows(source.baseAddress, batch.capacity, batchToFeature.count,
                                                       batchToFeature, start, take, target.baseAddress! + base, nNumeric)
                                }
                            }
                            rows.count += take
                            start += take
                            if rows.count >= chunk { try flush() }
                        }
                    }
                    continue
                }
            }
            guard try records.next() else { break }
            if let pendingError { throw pendingError }
            do {
                guard records.fieldCount == width else {
                    throw DataError.raggedRow(FileLocation(file: path, line: records.line), expected: width,
                                              found: records.fieldCount)
                }
                for (k, position) in numericPositions.enumerated() {
                    guard let value = try records.number(position, column: numericNames[k]) else {
                        throw DataError.notANumber(records.location(field: position), column: numericNames[k],
                                                   found: records.excerpt(position))
                    }
                    if windowed { rawRow[k] = value } else { numericRow[k] = value }
                }
                for (k, position) in categoricalPositions.enumerated() {
                    let feature = model.categoricalFeatures[k]
                    categoricalRow[k] = records.withField(position) { bytes in
                        TokenClass.isMissing(bytes) ? -1 : feature.slot(of: bytes)
                    }
                }
            } catch let error as DataError where options.onError == .skip {
                summary.skipped += 1
                report("skipped: \(error)")
                continue
            }
            if windowed {
                // Only a row that parsed enters the window.
                if let timePosition { records.withField(timePosition) { windowState!.order(field: $0) } }
                rawRow.withUnsafeBufferPointer { raw in
                    derivedRow.withUnsafeMutableBufferPointer { windowState!.push(raw, into: $0) }
                }
                for (k, feature) in derivedToFeature.enumerated() { numericRow[feature] = derivedRow[k] }
            }
            rows.numeric.append(contentsOf: numericRow)
            rows.categories.append(contentsOf: categoricalRow)
            rows.count += 1
            if options.keepInput { inputs.append(records.strings()) }
            if rows.count >= chunk { try flush() }
        }
        records.willRead = nil
        try flush()
        if let last = driftMonitor?.finish() { drift([last]) }
        summary.restarts = windowState?.restarts ?? 0
        return summary
    }
}

/// Formats the output rows of a ``ScoreStream`` into byte buffers.
struct OutputWriter: Sendable {
    let options: ScoreStream.Options
    let inputHeader: [String]

    init(options: ScoreStream.Options, inputHeader: [String]) {
        self.options = options
        self.inputHeader = inputHeader
    }

    /// The header line (CSV), or nothing (JSON lines).
    func header() -> [UInt8] {
        guard options.format == .csv else { return [] }
        var names = options.keepInput ? inputHeader.map(Self.csvField) : []
        names += options.columns.map(\.rawValue)
        if options.explain > 0 {
            names += (1...options.explain).map { "reason_\($0)" } + (1...options.explain).map { "contribution_\($0)" }
        }
        return Array((names.joined(separator: ",") + "\n").utf8)
    }

    func appendRow(score: Float, probability: Float, flagged: Bool, input: [String]?,
                   reasons: [Explanations.Reason]? = nil, into out: inout [UInt8]) {
        switch options.format {
        case .csv:
            var first = true
            if let input {
                for field in input {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    Self.append(Self.csvField(field), to: &out)
                }
            }
            for column in options.columns {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                switch column {
                case .score: Self.append(score, to: &out)
                case .probability: Self.append(probability, to: &out)
                case .isAnomaly: out.append(flagged ? UInt8(ascii: "1") : UInt8(ascii: "0"))
                }
            }
            if let reasons {
                for reason in reasons {
                    out.append(UInt8(ascii: ","))
                    Self.append(Self.csvField(reason.imputed ? reason.column + " (imputed)" : reason.column), to: &out)
                }
                for reason in reasons {
                    out.append(UInt8(ascii: ","))
                    Self.append(reason.contribution, to: &out)
                }
            }
        case .jsonl:
            out.append(UInt8(ascii: "{"))
            var first = true
            func key(_ name: String) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                Self.append(JSONText.string(name), to: &out)
                out.append(UInt8(ascii: ":"))
            }
            if let input {
                for (name, field) in zip(inputHeader, input) {
                    key(name)
                    Self.append(JSONText.string(field), to: &out)
                }
            }
            for column in options.columns {
                key(column.rawValue)
                switch column {
                case .score: Self.append(score, to: &out)
                case .probability: Self.append(probability, to: &out)
                case .isAnomaly: Self.append(flagged ? "true" : "false", to: &out)
                }
            }
            if let reasons {
                key("reasons")
                out.append(UInt8(ascii: "["))
                for (index, reason) in reasons.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    Self.append("{\"column\":" + JSONText.string(reason.column) + ",\"contribution\":", to: &out)
                    Self.append(reason.contribution, to: &out)
                    Self.append(",\"imputed\":" + (reason.imputed ? "true" : "false") + "}", to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "\n"))
    }

    @inline(__always)
    static func append(_ value: Float, to out: inout [UInt8]) {
        // The shortest text that reads back as the same Float (a small string: no allocation).
        var text = value.description
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
