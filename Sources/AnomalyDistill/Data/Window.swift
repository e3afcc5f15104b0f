import Foundation

/// A preprocessing stage for time series: each row becomes the window of readings ending at it.
///
/// Every numeric input column `c` is replaced by columns computed over the last ``length`` readings of the
/// same series (the row itself and the `length − 1` before it):
/// - ``Features/stats`` (the default, for point-wise detectors and students): `c` (the reading), `c@diff`
///   (the reading minus the one before), `c@meanN` and `c@stdN` (mean and population standard deviation over
///   the window);
/// - ``Features/lags``: `c`, `c@lag1`, …, `c@lag(N−1)` (the readings themselves, newest first).
///
/// Categorical columns pass through as they are. The window travels in the model file with the preprocessing,
/// so `score` keeps the last readings as state and scores each new row as it arrives (``WindowState``).
///
/// **Order.** Rows are read in file order. When a ``timeColumn`` is given (by default the file's `datetime` or
/// `timestamp` column), a reading whose time is earlier than the one before starts a new series: the window
/// restarts there (joined recordings, such as SKAB's `other` file, step back at their boundaries). Repeated
/// times are kept in file order; gaps are not filled. Times compare as numbers when both are numbers, else as
/// text, which orders ISO 8601 timestamps of one format correctly.
///
/// **Partial windows.** The first `length − 1` rows of a series are scored on the readings there are: the
/// statistics over fewer rows (a single reading has difference 0 and deviation 0), lags before the first reading
/// repeat it. **Missing values** are carried forward from the column's last reading; a series that starts with
/// one uses the column's training median.
public struct Window: Codable, Sendable, Equatable {
    /// What a window becomes.
    public enum Features: String, Codable, Sendable, CaseIterable {
        /// The reading, its difference from the previous one, and the window's mean and standard deviation.
        case stats
        /// The last `length` readings.
        case lags
    }

    /// The number of readings in a window, in ``lengthRange``.
    public var length: Int
    public var features: Features
    /// The column whose order starts new series, or `nil` for file order alone.
    public var timeColumn: String?
    /// The numeric input columns that are windowed, in schema order.
    public var inputs: [String]
    /// Each input's training median: the value of a missing first reading.
    public var fills: [Float]
    /// The schema of the raw rows (what files and streams give).
    public var input: Schema

    /// The allowed window lengths.
    public static let lengthRange = 2...10_000

    enum CodingKeys: String, CodingKey {
        case length, features, inputs, fills, input
        case timeColumn = "time_column"
    }

    /// Derived columns per input column.
    public var width: Int { features == .stats ? 4 : length }

    /// The derived column names of input `name`, in output order.
    public func outputNames(of name: String) -> [String] {
        switch features {
        case .stats: return [name, "\(name)@diff", "\(name)@mean\(length)", "\(name)@std\(length)"]
        case .lags: return [name] + (1..<length).map { "\(name)@lag\($0)" }
        }
    }

    /// Every derived numeric column, input by input.
    public var outputNames: [String] { inputs.flatMap(outputNames(of:)) }

    /// The schema of windowed rows: each numeric input replaced by its derived columns, the rest unchanged.
    public var outputSchema: Schema { outputSchema(of: input) }

    /// `schema` with each numeric input replaced by its derived columns.
    func outputSchema(of schema: Schema) -> Schema {
        let windowed = Set(inputs)
        return Schema(columns: schema.columns.flatMap { column -> [ColumnSchema] in
            guard windowed.contains(column.name) else { return [column] }
            return outputNames(of: column.name).map { ColumnSchema(name: $0, kind: .numeric) }
        })
    }

    /// What is wrong with a window read from a model file, or `nil`.
    public var problem: String? {
        guard Self.lengthRange.contains(length) else {
            return "window length: expected \(Self.lengthRange.lowerBound) to \(Self.lengthRange.upperBound), found \(length)"
        }
        guard !inputs.isEmpty, inputs.count == fills.count, fills.allSatisfy(\.isFinite) else {
            return "window: expected one finite fill value per input column (\(inputs.count) inputs, \(fills.count) fills)"
        }
        let numeric = Set(input.columns.filter { $0.kind == .numeric }.map(\.name))
        if let missing = inputs.first(where: { !numeric.contains($0) }) {
            return "window input \(missing.debugDescription) is not a numeric column of the input schema"
        }
        if let timeColumn, !input.columns.contains(where: { $0.name == timeColumn }) {
            return "window time column \(timeColumn.debugDescription) is not in the input schema"
        }
        var names = Set(input.columns.map(\.name))
        for name in inputs { names.remove(name) }
        for name in outputNames where !names.insert(name).inserted {
            return "window output column \(name.debugDescription) is also an input column"
        }
        return nil
    }

    /// The window over the numeric columns of `table` (the training rows, in order).
    ///
    /// - Parameters:
    ///   - length: Readings per window.
    ///   - timeColumn: The ordering column; `nil` picks the first column the reader ignored as a timestamp.
    /// - Throws: `ConfigurationError.invalidSetting` naming `window` for a length out of range or longer than
    ///   the training rows, `time-column` for a column that is not in the file; `DataError.invalidInput` when
    ///   there is no numeric column or a derived name is taken.
    public static func fit(_ table: Table, length: Int, features: Features = .stats,
                           timeColumn: String? = nil) throws -> Window {
        guard lengthRange.contains(length) else {
            throw ConfigurationError.invalidSetting(
                name: "window", reason: "expected \(lengthRange.lowerBound) to \(lengthRange.upperBound) readings, found \(length)")
        }
        guard length <= table.rowCount else {
            throw ConfigurationError.invalidSetting(
                name: "window", reason: "a window of \(length) readings is longer than the \(table.rowCount) training rows of \(table.source)")
        }
        let time: String?
        if let timeColumn {
            guard let column = table.schema.columns.first(where: { $0.name == timeColumn }) else {
                throw ConfigurationError.invalidSetting(
                    name: "time-column", reason: "expected a column of \(table.source), found none called \(timeColumn.debugDescription) (columns: \(table.schema.columns.map(\.name).joined(separator: ", ")))")
            }
            guard column.kind != .numeric else {
                throw ConfigurationError.invalidSetting(
                    name: "time-column", reason: "\(timeColumn.debugDescription) is a feature column; ignore it (--ignore) to order rows by it")
            }
            time = timeColumn
        } else {
            time = table.schema.columns.first { $0.kind == .ignored && $0.reason == "timestamp" }?.name
        }
        var inputs: [String] = [], fills: [Float] = []
        for (column, values) in zip(table.schema.columns, table.values) {
            guard column.kind == .numeric, case let .numeric(numbers) = values else { continue }
            inputs.append(column.name)
            let present = Statistics.sortedPresent(numbers)
            fills.append(present.isEmpty ? 0 : Float(Statistics.quantile(sorted: present, 0.5)))
        }
        guard !inputs.isEmpty else {
            throw DataError.invalidInput(name: "window", reason: "expected a numeric column to window in \(table.source), found none")
        }
        let window = Window(length: length, features: features, timeColumn: time, inputs: inputs, fills: fills,
                            input: table.schema)
        if let problem = window.problem { throw DataError.invalidInput(name: "window", reason: problem) }
        return window
    }

    /// The time column's keys in the file at `path`, one per row (`nil` when the window has no time column).
    /// - Throws: `DataError` when the file cannot be read or lacks the column.
    public func times(in path: String) throws -> [TimeKey?]? {
        try timeColumn.map { try TimeColumn.read(path, column: $0) }
    }

    /// The file at `path` read with ``input`` and windowed, one series in file order.
    /// - Throws: `DataError` for a file that cannot be read or lacks a column.
    public func read(_ path: String) throws -> Table {
        try apply(Table.read(path, options: ReadOptions(schema: input)), times: times(in: path)).table
    }

    /// The windowed rows of `table` (read with ``input``), one series in file order that restarts where
    /// `times` go backwards.
    ///
    /// - Parameter times: The time column's field of each row (``TimeColumn/read(_:column:)``), or `nil` for
    ///   file order alone.
    /// - Returns: The windowed table and the number of restarts.
    /// - Throws: `DataError.missingColumn` for an input column that is absent, `DataError.schemaMismatch` when it
    ///   is not numeric or `times` does not have one entry per row.
    public func apply(_ table: Table, times: [TimeKey?]?) throws -> (table: Table, restarts: Int) {
        if let times, times.count != table.rowCount {
            throw DataError.schemaMismatch(file: table.source, reason: "expected a time for each of the \(table.rowCount) rows, found \(times.count)")
        }
        let index = Dictionary(table.schema.columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var columns: [[Float]] = []
        for name in inputs {
            guard let position = index[name] else {
                throw DataError.missingColumn(file: table.source, name: name, available: table.schema.columns.map(\.name))
            }
            guard case let .numeric(numbers) = table.values[position] else {
                throw DataError.schemaMismatch(file: table.source, reason: "column \(name.debugDescription) was numeric when the window was fitted, found \(table.schema.columns[position].kind.rawValue)")
            }
            columns.append(numbers)
        }
        let n = table.rowCount, d = inputs.count, w = width
        var derived = [Float](repeating: 0, count: n * d * w)
        var state = WindowState(self)
        var raw = [Float](repeating: 0, count: d)
        derived.withUnsafeMutableBufferPointer { out in
            for r in 0..<n {
                for j in 0..<d { raw[j] = columns[j][r] }
                if let times { state.order(times[r]) }
                raw.withUnsafeBufferPointer { state.push($0, into: UnsafeMutableBufferPointer(rebasing: out[(r * d * w)..<((r + 1) * d * w)])) }
            }
        }
        var values: [ColumnValues] = []
        let windowed = Dictionary(inputs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (column, value) in zip(table.schema.columns, table.values) {
            guard let j = windowed[column.name] else {
                values.append(value)
                continue
            }
            for k in 0..<w {
                values.append(.numeric((0..<n).map { derived[$0 * d * w + j * w + k] }))
            }
        }
        var result = table
        result.schema = outputSchema(of: table.schema)
        result.values = values
        return (result, state.restarts)
    }
}

/// One row's time, for ordering: a number when the field is one, else its text.
public enum TimeKey: Sendable, Equatable {
    case number(Double)
    case text([UInt8])

    /// The key of a field's bytes (a missing field is `nil`: it neither orders nor restarts).
    public init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.isEmpty || TokenClass.isMissing(bytes) { return nil }
        if let number = Self.parseNumber(bytes) { self = .number(number) } else { self = .text(Array(bytes)) }
    }

    /// A decimal number (digits, signs, a point, an exponent: `strtod` must take every byte) that is finite,
    /// or `nil`. Allocates nothing.
    static func parseNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard bytes.count <= 40, bytes.allSatisfy({ (48...57).contains($0) || $0 == 43 || $0 == 45 || $0 == 46 || $0 == 69 || $0 == 101 })
        else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 41) { text -> Double? in
            for (i, byte) in bytes.enumerated() { text[i] = CChar(bitPattern: byte) }
            text[bytes.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(text.baseAddress!, &end)
            guard let end, end - text.baseAddress! == bytes.count, value.isFinite else { return nil }
            return value
        }
    }
}

/// Reading the time column of a file: one key per record, in file order (the rows of ``Table/read(_:options:)``).
public enum TimeColumn {
    /// The time column's keys, one per record (`nil` for a missing field).
    /// - Throws: `DataError` when the file cannot be read or has no column `column`.
    public static func read(_ path: String, column: String) throws -> [TimeKey?] {
        let records = try CSVRecordReader(path: path)
        guard try records.next() else { throw DataError.emptyFile(file: path) }
        let header = records.headerStrings()
        guard let position = header.firstIndex(of: column) else {
            throw DataError.missingColumn(file: path, name: column, available: header)
        }
        var keys: [TimeKey?] = []
        while try records.next() {
            guard position < records.fieldCount else {
                throw DataError.raggedRow(FileLocation(file: path, line: records.line), expected: header.count,
                                          found: records.fieldCount)
            }
            keys.append(records.withField(position) { TimeKey($0) })
        }
        return keys
    }
}

/// The last readings of one series: what a windowed model keeps between rows of a stream.
///
/// ``push(_:into:)`` takes one row's raw input values (``Window/inputs`` order, `NaN` = missing) and writes its
/// derived values (``Window/outputNames`` order). Sums for the mean and deviation run in `Double` around the
/// series' first reading and are recomputed from the window every 4,096 rows, so rounding does not build up.
public struct WindowState: Sendable {
    public let window: Window
    /// Series restarted because the time went backwards.
    public private(set) var restarts = 0
    private let d: Int, length: Int, width: Int, stats: Bool
    private var ring: [Float]      // length × d, slot (count % length)
    private var last: [Float]      // last reading per input (after carrying forward)
    private var origin: [Double]   // first reading of the series, per input
    private var sum: [Double], squares: [Double]
    private var count = 0          // readings in this series
    /// The previous row's time: a number, or text kept in a buffer that is reused.
    private var previousNumber: Double?
    private var previousText: [UInt8] = []
    private var hasPrevious = false

    public init(_ window: Window) {
        self.window = window
        d = window.inputs.count
        length = window.length
        width = window.width
        stats = window.features == .stats
        ring = [Float](repeating: 0, count: window.length * d)
        last = window.fills
        origin = [Double](repeating: 0, count: d)
        sum = origin
        squares = origin
    }

    /// Starts a new series (the next reading is its first).
    public mutating func reset() {
        count = 0
        last = window.fills
        hasPrevious = false
    }

    /// Notes the next row's time; a time before the previous one starts a new series.
    public mutating func order(_ time: TimeKey?) {
        switch time {
        case nil: return
        case let .number(value): order(number: value, text: nil)
        case let .text(bytes): bytes.withUnsafeBufferPointer { order(number: nil, text: $0) }
        }
    }

    /// Notes the next row's time from its field's bytes (a stream's time column), allocating nothing once the
    /// text buffer has grown to the field's length.
    public mutating func order(field bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.isEmpty || TokenClass.isMissing(bytes) { return }
        if let number = TimeKey.parseNumber(bytes) { order(number: number, text: nil) } else { order(number: nil, text: bytes) }
    }

    private mutating func order(number: Double?, text: UnsafeBufferPointer<UInt8>?) {
        if hasPrevious {
            let earlier: Bool
            switch (number, previousNumber, text) {
            case let (a?, b?, _): earlier = a < b
            case let (nil, nil, bytes?): earlier = bytes.lexicographicallyPrecedes(previousText)
            default:  // a number after text or text after a number: compare both as text
                let current = text.map(Array.init) ?? Array(String(number!).utf8)
                let previous = previousNumber.map { Array(String($0).utf8) } ?? previousText
                earlier = current.lexicographicallyPrecedes(previous)
            }
            if earlier {
                reset()
                restarts += 1
            }
        }
        hasPrevious = true
        previousNumber = number
        previousText.removeAll(keepingCapacity: true)
        if let text { previousText.append(contentsOf: text) }
    }

    /// Adds one reading and writes the row's derived values.
    public mutating func push(_ raw: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        let n = length, w = width
        let slot = count % n
        let evicting = count >= n
        for j in 0..<d {
            let value = raw[j].isNaN ? last[j] : raw[j]
            let previous = count == 0 ? value : last[j]
            if count == 0 { origin[j] = Double(value); sum[j] = 0; squares[j] = 0 }
            let old = ring[slot * d + j]
            ring[slot * d + j] = value
            last[j] = value
            if stats {
                let shifted = Double(value) - origin[j]
                sum[j] += shifted
                squares[j] += shifted * shifted
                if evicting {
                    let gone = Double(old) - origin[j]
                    sum[j] -= gone
                    squares[j] -= gone * gone
                }
                out[j * w] = value
                out[j * w + 1] = value - previous
            } else {
                let filled = min(count + 1, n)
                for k in 0..<n {
                    // Lag k is the reading k rows back, or the series' first reading before it.
                    let back = min(k, filled - 1)
                    out[j * w + k] = ring[((count - back) % n + n) % n * d + j]
                }
            }
        }
        count += 1
        guard stats else { return }
        let filled = Double(min(count, n))
        if count % 4096 == 0 { recompute() }
        for j in 0..<d {
            let mean = sum[j] / filled
            out[j * w + 2] = Float(origin[j] + mean)
            out[j * w + 3] = Float(max(0, squares[j] / filled - mean * mean).squareRoot())
        }
    }

    /// The sums from the readings in the window.
    private mutating func recompute() {
        let filled = min(count, length)
        for j in 0..<d {
            var s = 0.0, q = 0.0
            for slot in 0..<filled {
                let shifted = Double(ring[slot * d + j]) - origin[j]
                s += shifted
                q += shifted * shifted
            }
            sum[j] = s
            squares[j] = q
        }
    }
}
