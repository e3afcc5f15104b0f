import _AnomalyDistillKernels

/// Reads a CSV file into a ``Table`` (values kept) or a ``DataProfile`` (statistics only, bounded memory).
///
/// Schema inference: a column is numeric when every non-missing field parses as a number,
/// ignored when its name marks an identifier or time (`id`, `timestamp`, `datetime`, ...) or every
/// non-missing field is a date or date-time, and categorical otherwise. The label is the column
/// named by the user, else one called `label` in any case. A column that turns out to be text after
/// rows of numbers is re-read from the start for those rows, so its categories are the file's own
/// text (`0.00` stays `0.00`).
struct TableReader {
    var path: String
    var options: ReadOptions
    /// Keep values (a `Table`) or only statistics (a `DataProfile`).
    var keepValues: Bool
    /// Most distinct categories counted per column when values are not kept.
    var categoryLimit = 1_000_000

    final class ColumnState {
        enum Mode { case numeric, dates, text, label, ignored }
        let name: String
        var mode: Mode
        var fixed: Bool
        var reason: String?
        var floats: [Float] = []
        var codes: [Int32] = []
        var vocabulary: [String: Int32] = [:]
        var categories: [String] = []
        var capped = false
        var missing = 0
        var numbers = 0
        var dates = 0
        var mean = 0.0, m2 = 0.0, minimum = Double.infinity, maximum = -Double.infinity
        /// Rows before this one were read as numbers or dates and need their text again.
        var backfillBefore = 0

        init(name: String, mode: Mode, fixed: Bool, reason: String? = nil) {
            self.name = name
            self.mode = mode
            self.fixed = fixed
            self.reason = reason
        }

        func addNumber(_ value: Float, keep: Bool) {
            if keep { floats.append(value) }
            numbers += 1
            let x = Double(value)
            let delta = x - mean
            mean += delta / Double(numbers)
            m2 += delta * (x - mean)
            if x < minimum { minimum = x }
            if x > maximum { maximum = x }
        }

        /// Adds a run of values (NaN = missing, already counted), merging the run's mean and squared
        /// deviations into the column's (Chan, Golub & LeVeque 1979) so no division is done per value.
        func absorb(_ values: ArraySlice<Float>, present: Int, keep: Bool) {
            if keep {
                // A table keeps values, not statistics; the count decides whether text later needs a re-read.
                floats.append(contentsOf: values)
                numbers += present
                return
            }
            var count = 0, sum = 0.0, low = minimum, high = maximum
            for value in values where !value.isNaN {
                count += 1
                let x = Double(value)
                sum += x
                low = Swift.min(low, x)
                high = Swift.max(high, x)
            }
            guard count > 0 else { return }
            let runMean = sum / Double(count)
            var runM2 = 0.0
            for value in values where !value.isNaN {
                let d = Double(value) - runMean
                runM2 += d * d
            }
            let total = numbers + count
            let delta = runMean - mean
            mean += delta * Double(count) / Double(total)
            m2 += runM2 + delta * delta * Double(numbers) * Double(count) / Double(total)
            numbers = total
            minimum = low
            maximum = high
        }

        func code(for text: String, keep: Bool, limit: Int) -> Int32 {
            if let code = vocabulary[text] { return code }
            if !keep && vocabulary.count >= limit { capped = true; return -1 }
            let code = Int32(categories.count)
            vocabulary[text] = code
            categories.append(text)
            return code
        }
    }

    struct Result {
        var schema: Schema
        var columns: [ColumnState]
        var labels: [Int]
        var anomalies: Int
        var lines: [Int]
        var rows: Int
        var rowsWithMissing: Int
        var compressed: Bool
    }

    // MARK: - Reading

    func read() throws -> Result {
        let records = try CSVRecordReader(path: path)
        if !keepValues { records.parallelRegion = 1 << 21 }
        guard try records.next() else { throw DataError.emptyFile(file: path) }
        let header = records.headerStrings()
        let states = try makeColumns(header: header, records: records)
        var labels: [Int] = []
        var lines: [Int] = []
        var rows = 0
        var rowsWithMissing = 0
        var anomalies = 0
        let width = header.count
        let labelIndex = states.firstIndex { $0.mode == .label }
        let keep = keepValues

        // The hot path takes runs of simple records while every column is numeric, label or ignored.
        var fastKinds = [UInt8](repeating: 0, count: width)
        var numericStates: [ColumnState] = []
        var batches = [NumericBatch(), NumericBatch()]
        func prepareFastPath() -> Bool {
            guard states.allSatisfy({ $0.mode == .numeric || $0.mode == .label || $0.mode == .ignored }) else { return false }
            numericStates = states.filter { $0.mode == .numeric }
            for (j, state) in states.enumerated() {
                fastKinds[j] = state.mode == .numeric ? UInt8(AD_FAST_NUMERIC) : state.mode == .label ? UInt8(AD_FAST_LABEL) : UInt8(AD_FAST_SKIP)
            }
            return true
        }
        var fast = prepareFastPath()

        while true {
            if fast {
                let filled = try records.fastBatches(width: width, kinds: fastKinds, numericCount: numericStates.count, into: &batches)
                if filled > 0 {
                    if keep, rows == 0, let size = records.knownSize, batches[0].consumed > 0 {
                        // Size the columns once from the first rows' length instead of growing them.
                        let estimate = Int(Double(size) / Double(batches[0].consumed) * Double(batches[0].rows) * 1.02) + 16
                        for state in numericStates { state.floats.reserveCapacity(estimate) }
                        labels.reserveCapacity(estimate)
                        lines.reserveCapacity(estimate)
                    }
                    for batch in batches.prefix(filled) {
                        for (k, state) in numericStates.enumerated() {
                            state.absorb(batch.column(k), present: batch.rows - batch.missing[k], keep: keep)
                            state.missing += batch.missing[k]
                        }
                        rowsWithMissing += batch.rowsWithMissing
                        if labelIndex != nil {
                            for r in 0..<batch.rows {
                                anomalies += Int(batch.labels[r])
                                if keep { labels.append(Int(batch.labels[r])) }
                            }
                        }
                        if keep { lines.append(contentsOf: batch.firstLine..<(batch.firstLine + batch.rows)) }
                        rows += batch.rows
                    }
                    continue
                }
            }
            guard try records.next() else { break }
            guard records.fieldCount == width else {
                throw DataError.raggedRow(FileLocation(file: path, line: records.line), expected: width, found: records.fieldCount)
            }
            var rowMissing = false
            for j in 0..<width {
                let state = states[j]
                switch state.mode {
                case .ignored:
                    continue
                case .label:
                    let label = try readLabel(records, j, state)
                    anomalies += label
                    if keep { labels.append(label) }
                case .numeric:
                    if let value = try records.number(j, column: state.name) {
                        if value.isNaN {
                            state.missing += 1
                            rowMissing = true
                            if keep { state.floats.append(.nan) }
                        } else {
                            state.addNumber(value, keep: keep)
                        }
                    } else {
                        try notANumber(records, j, state, row: rows)
                    }
                case .dates:
                    let (missing, date) = records.withField(j) { (TokenClass.isMissing($0), TokenClass.isDateTime($0)) }
                    if missing {
                        state.missing += 1
                        rowMissing = true
                    } else if date {
                        state.dates += 1
                    } else {
                        switchToText(state, row: rows)
                        rowMissing = addText(records, j, state) || rowMissing
                    }
                case .text:
                    rowMissing = addText(records, j, state) || rowMissing
                }
            }
            if rowMissing { rowsWithMissing += 1 }
            if keep { lines.append(records.line) }
            rows += 1
            fast = prepareFastPath()
        }
        if rows == 0 { throw DataError.noRows(file: path) }
        try backfill(states, rows: rows)

        let schema = Schema(columns: states.map { state in
            switch state.mode {
            case .numeric: return ColumnSchema(name: state.name, kind: .numeric)
            case .text: return ColumnSchema(name: state.name, kind: .categorical)
            case .label: return ColumnSchema(name: state.name, kind: .label)
            case .dates: return ColumnSchema(name: state.name, kind: .ignored, reason: "timestamp")
            case .ignored: return ColumnSchema(name: state.name, kind: .ignored, reason: state.reason)
            }
        })
        return Result(schema: schema, columns: states, labels: labels, anomalies: anomalies, lines: lines, rows: rows,
                      rowsWithMissing: rowsWithMissing, compressed: records.isCompressed)
    }

    private func makeColumns(header: [String], records: CSVRecordReader) throws -> [ColumnState] {
        var seen: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if seen[name] != nil {
                throw DataError.duplicateColumn(FileLocation(file: path, line: records.line, column: index + 1), name: name)
            }
            seen[name] = index
        }
        for name in options.categorical.union(options.ignore).sorted() where seen[name] == nil {
            throw DataError.missingColumn(file: path, name: name, available: header)
        }
        if let schema = options.schema {
            return try fixedColumns(header: header, schema: schema, seen: seen)
        }
        var labelName: String?
        if let requested = options.labelColumn {
            guard seen[requested] != nil else { throw DataError.missingColumn(file: path, name: requested, available: header) }
            labelName = requested
        } else {
            labelName = header.first { $0.lowercased() == "label" }
        }
        return header.map { name in
            if name == labelName { return ColumnState(name: name, mode: .label, fixed: true) }
            if options.ignore.contains(name) { return ColumnState(name: name, mode: .ignored, fixed: true, reason: "user") }
            if options.categorical.contains(name) { return ColumnState(name: name, mode: .text, fixed: true) }
            let lower = name.lowercased()
            if name.isEmpty || ReadOptions.identifierNames.contains(lower) {
                let reason = ["timestamp", "datetime", "date", "time"].contains(lower) ? "timestamp" : "identifier"
                return ColumnState(name: name, mode: .ignored, fixed: true, reason: reason)
            }
            return ColumnState(name: name, mode: .numeric, fixed: false)
        }
    }

    private func fixedColumns(header: [String], schema: Schema, seen: [String: Int]) throws -> [ColumnState] {
        let expected = Dictionary(schema.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for column in schema.columns where column.kind != .label && column.kind != .ignored && seen[column.name] == nil {
            throw DataError.missingColumn(file: path, name: column.name, available: header)
        }
        return try header.map { name in
            guard let column = expected[name] else {
                throw DataError.schemaMismatch(file: path, reason: "unexpected column \(name.debugDescription), which the model was not trained with")
            }
            switch column.kind {
            case .numeric: return ColumnState(name: name, mode: .numeric, fixed: true)
            case .categorical: return ColumnState(name: name, mode: .text, fixed: true)
            case .label: return ColumnState(name: name, mode: .label, fixed: true)
            case .ignored: return ColumnState(name: name, mode: .ignored, fixed: true, reason: column.reason)
            }
        }
    }

    private func readLabel(_ records: CSVRecordReader, _ j: Int, _ state: ColumnState) throws -> Int {
        try records.withField(j) { bytes in
            if bytes.count == 1 {
                if bytes[0] == UInt8(ascii: "0") { return 0 }
                if bytes[0] == UInt8(ascii: "1") { return 1 }
            }
            var value = 0.0
            if ad_parse_double(bytes.baseAddress, bytes.count, &value) == Int32(AD_PARSE_FINITE), value == 0 || value == 1 {
                return Int(value)
            }
            throw DataError.invalidLabel(records.location(field: j), column: state.name, found: String(decoding: bytes, as: UTF8.self))
        }
    }

    private func notANumber(_ records: CSVRecordReader, _ j: Int, _ state: ColumnState, row: Int) throws {
        let text = records.string(j)
        if state.fixed {
            throw DataError.notANumber(records.location(field: j), column: state.name, found: text)
        }
        if state.numbers == 0 && text.utf8.withContiguousStorageIfAvailable({ TokenClass.isDateTime($0) }) == true {
            state.mode = .dates
            state.floats = []
            state.dates = 1
            return
        }
        switchToText(state, row: row)
        _ = addText(records, j, state)
    }

    private func switchToText(_ state: ColumnState, row: Int) {
        if state.numbers > 0 || state.dates > 0 { state.backfillBefore = row }
        let earlier = row
        state.mode = .text
        if keepValues { state.codes = [Int32](repeating: -1, count: earlier) }
        state.floats = []
        state.numbers = 0
        state.dates = 0
        state.mean = 0; state.m2 = 0; state.minimum = .infinity; state.maximum = -.infinity
    }

    /// Adds a text field; returns whether it was missing.
    private func addText(_ records: CSVRecordReader, _ j: Int, _ state: ColumnState) -> Bool {
        let missing = records.withField(j) { TokenClass.isMissing($0) }
        if missing {
            state.missing += 1
            if keepValues { state.codes.append(-1) }
            return true
        }
        let code = state.code(for: records.string(j), keep: keepValues, limit: categoryLimit)
        if keepValues { state.codes.append(code) }
        return false
    }

    /// Re-reads the first rows of columns that became text after rows of numbers or dates.
    private func backfill(_ states: [ColumnState], rows: Int) throws {
        let pending = states.enumerated().filter { $0.element.mode == .text && $0.element.backfillBefore > 0 }
        guard !pending.isEmpty else { return }
        let last = pending.map { $0.element.backfillBefore }.max() ?? 0
        var early: [Int: [String?]] = [:]
        if path == "-" {
            throw DataError.unreadable(file: path, reason: "columns \(pending.map { $0.element.name }) switch from numbers to text after the first rows; standard input cannot be read twice, so name them with --categorical")
        }
        let records = try CSVRecordReader(path: path)
        _ = try records.next()
        var row = 0
        while row < last, try records.next() {
            for (j, state) in pending where row < state.backfillBefore {
                let missing = records.withField(j) { TokenClass.isMissing($0) }
                early[j, default: []].append(missing ? nil : records.string(j))
            }
            row += 1
        }
        for (j, state) in pending {
            let texts = early[j] ?? []
            // Categories in order of first appearance over the whole file.
            let later = state.categories
            state.vocabulary = [:]
            state.categories = []
            var earlyCodes: [Int32] = []
            var earlyMissing = 0
            for text in texts {
                if let text { earlyCodes.append(state.code(for: text, keep: keepValues, limit: categoryLimit)) }
                else { earlyCodes.append(-1); earlyMissing += 1 }
            }
            let remap = later.map { state.code(for: $0, keep: keepValues, limit: categoryLimit) }
            _ = earlyMissing
            if keepValues {
                for i in 0..<texts.count { state.codes[i] = earlyCodes[i] }
                for i in texts.count..<state.codes.count where state.codes[i] >= 0 {
                    state.codes[i] = remap[Int(state.codes[i])]
                }
            }
        }
    }
}

extension Table {
    /// Reads a CSV file (plain or gzip; `-` for standard input) into memory.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - options: The label column, forced categorical or ignored columns, or a fixed schema.
    /// - Throws: `DataError` naming the file, line and column of the first problem.
    /// - Complexity: O(bytes); one extra pass over the first rows of a column that turns from numbers to text.
    public static func read(_ path: String, options: ReadOptions = ReadOptions()) throws -> Table {
        let result = try TableReader(path: path, options: options, keepValues: true).read()
        let values: [ColumnValues] = result.columns.map { state in
            switch state.mode {
            case .numeric: return .numeric(state.floats)
            case .text: return .categorical(codes: state.codes, categories: state.categories)
            case .label, .ignored, .dates: return .none
            }
        }
        let hasLabel = result.schema.labelColumn != nil
        return Table(source: path, schema: result.schema, values: values,
                     labels: hasLabel ? result.labels : nil, lines: result.lines)
    }
}

extension DataProfile {
    /// Profiles a CSV file in one streaming pass, in memory bounded by the chunk size and the
    /// category counts (at most `categoryLimit` distinct values per column are counted).
    ///
    /// - Throws: `DataError` naming the file, line and column of the first problem.
    public static func profile(_ path: String, options: ReadOptions = ReadOptions(), categoryLimit: Int = 1_000_000) throws -> DataProfile {
        var reader = TableReader(path: path, options: options, keepValues: false)
        reader.categoryLimit = categoryLimit
        let result = try reader.read()
        let columns: [ColumnProfile] = zip(result.schema.columns, result.columns).map { schema, state in
            var profile = ColumnProfile(name: schema.name, kind: schema.kind, reason: schema.reason, missing: state.missing)
            switch schema.kind {
            case .numeric where state.numbers > 0:
                profile.min = state.minimum
                profile.max = state.maximum
                profile.mean = state.mean
                profile.std = state.numbers > 1 ? (state.m2 / Double(state.numbers - 1)).squareRoot() : nil
            case .categorical:
                profile.categories = state.categories.count
                if state.capped { profile.categoriesCapped = true }
            default: break
            }
            return profile
        }
        let anomalies = result.schema.labelColumn == nil ? nil : result.anomalies
        let features = result.schema.features
        return DataProfile(
            file: path, compressed: result.compressed, rows: result.rows,
            features: features.count,
            numericFeatures: features.filter { $0.kind == .numeric }.count,
            categoricalFeatures: features.filter { $0.kind == .categorical }.count,
            ignoredColumns: result.schema.columns.filter { $0.kind == .ignored }.count,
            labelColumn: result.schema.labelColumn,
            anomalies: anomalies,
            anomalyRatio: anomalies.map { Double($0) / Double(result.rows) },
            missingValues: columns.reduce(0) { $0 + $1.missing },
            rowsWithMissing: result.rowsWithMissing,
            columns: columns)
    }
}
