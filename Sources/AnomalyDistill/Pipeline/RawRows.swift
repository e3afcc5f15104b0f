/// Rows as the user gave them, checked against a model's schema and not yet preprocessed: the numeric
/// values of each row (`NaN` = missing) and the one-hot slot of each categorical value.
///
/// Build them with ``ScoringModel/rows(_:)`` (a ``Table``), ``ScoringModel/rows(arrays:)`` or
/// ``ScoringModel/rows(objects:)`` (JSON), or ``ScoreStream`` (CSV records); score them with
/// ``ScoringModel/score(_:)-(RawRows)``.
public struct RawRows: Sendable, Equatable {
    /// Number of rows.
    public internal(set) var count: Int
    /// `count × numericWidth` values, row-major, in the order of ``ScoringModel/numericFeatures``; `NaN` = missing.
    public internal(set) var numeric: [Float]
    /// `count × categoricalWidth` slots, row-major, in the order of ``ScoringModel/categoricalFeatures``:
    /// the category's slot, the unseen slot (`categories.count`) for a category not seen in training, `-1`
    /// for a missing value.
    public internal(set) var categories: [Int32]
    /// Numeric values per row.
    public let numericWidth: Int
    /// Categorical values per row.
    public let categoricalWidth: Int

    /// No rows, for a model with these numbers of numeric and categorical columns.
    public init(numericWidth: Int, categoricalWidth: Int) {
        count = 0
        numeric = []
        categories = []
        self.numericWidth = numericWidth
        self.categoricalWidth = categoricalWidth
    }

    /// Rows from their values.
    ///
    /// - Precondition: `numeric.count` and `categories.count` are multiples of the widths, for the same rows.
    public init(numeric: [Float], categories: [Int32], numericWidth: Int, categoricalWidth: Int) {
        let count = numericWidth > 0 ? numeric.count / numericWidth : (categoricalWidth > 0 ? categories.count / categoricalWidth : 0)
        precondition(numeric.count == count * numericWidth && categories.count == count * categoricalWidth,
                     "the values must fill whole rows")
        self.count = count
        self.numeric = numeric
        self.categories = categories
        self.numericWidth = numericWidth
        self.categoricalWidth = categoricalWidth
    }

    /// The rows at `indices`, in that order.
    /// - Precondition: every index is in `0..<count`.
    public func subset<Indices: Collection<Int>>(_ indices: Indices) -> RawRows {
        var result = RawRows(numericWidth: numericWidth, categoricalWidth: categoricalWidth)
        result.numeric.reserveCapacity(indices.count * numericWidth)
        result.categories.reserveCapacity(indices.count * categoricalWidth)
        for r in indices {
            precondition(r >= 0 && r < count, "row \(r) of \(count)")
            result.numeric += numeric[(r * numericWidth)..<((r + 1) * numericWidth)]
            result.categories += categories[(r * categoricalWidth)..<((r + 1) * categoricalWidth)]
        }
        result.count = indices.count
        return result
    }

    /// Removes every row, keeping the capacity.
    public mutating func removeAll() {
        count = 0
        numeric.removeAll(keepingCapacity: true)
        categories.removeAll(keepingCapacity: true)
    }
}

extension ScoringModel {
    /// No rows, shaped for this model.
    public func emptyRows() -> RawRows {
        RawRows(numericWidth: numericFeatures.count, categoricalWidth: categoricalFeatures.count)
    }

    /// The feature columns of a table read with this model's schema.
    ///
    /// - Throws: `DataError.missingColumn` naming a feature column the table lacks, `DataError.schemaMismatch`
    ///   for a column of another kind than at training.
    public func rows(_ table: Table) throws -> RawRows {
        var rows = emptyRows()
        let n = table.rowCount
        rows.count = n
        rows.numeric = [Float](repeating: .nan, count: n * numericFeatures.count)
        rows.categories = [Int32](repeating: -1, count: n * categoricalFeatures.count)
        let index = Dictionary(table.schema.columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        for item in layout {
            let name = item.numeric ? numericFeatures[item.index].name : categoricalFeatures[item.index].name
            guard let position = index[name] else {
                throw DataError.missingColumn(file: table.source, name: name, available: table.schema.columns.map(\.name))
            }
            switch (item.numeric, table.values[position]) {
            case let (true, .numeric(values)):
                let width = numericFeatures.count
                for r in 0..<n { rows.numeric[r * width + item.index] = values[r] }
            case let (false, .categorical(codes, names)):
                let feature = categoricalFeatures[item.index]
                let map = names.map { feature.slot(of: $0) }
                let width = categoricalFeatures.count
                for r in 0..<n where codes[r] >= 0 { rows.categories[r * width + item.index] = map[Int(codes[r])] }
            default:
                throw DataError.schemaMismatch(
                    file: table.source,
                    reason: "column \(name.debugDescription) was \(item.numeric ? "numeric" : "categorical") when the model was fitted, found \(table.schema.columns[position].kind.rawValue)")
            }
        }
        return rows
    }

    /// Rows given as JSON arrays: each either the feature columns' values in schema order
    /// (``featureNames``) or one value per schema column (label and ignored columns are then skipped).
    ///
    /// A numeric column takes a number or `null` (missing); a categorical column a string, a number (its text,
    /// `3` for 3.0) or `null`. A category not seen in training goes to the unseen slot.
    /// - Throws: `DataError.invalidField` naming the 0-based row and the column.
    public func rows(arrays: [[JSONValue]]) throws -> RawRows {
        var rows = emptyRows()
        let features = featureNames
        let columns = schema.columns
        let featurePositions = columns.enumerated().filter { $0.element.kind == .numeric || $0.element.kind == .categorical }.map(\.offset)
        reserve(&rows, arrays.count)
        for (r, values) in arrays.enumerated() {
            let positions: [Int]
            if values.count == features.count {
                positions = Array(0..<features.count)
            } else if values.count == columns.count {
                positions = featurePositions
            } else {
                throw DataError.invalidField(
                    row: r, field: "*",
                    reason: "expected \(features.count) values (the feature columns \(Self.list(features))) or \(columns.count) (every column), found \(values.count)")
            }
            try append(&rows, row: r) { positions[$0] < values.count ? values[positions[$0]] : nil }
        }
        return rows
    }

    /// Rows given as JSON objects keyed by column name. Every feature column must be present (`null` for a
    /// missing value); other keys (an id, the label) are ignored.
    /// - Throws: `DataError.invalidField` naming the 0-based row and the column.
    public func rows(objects: [[String: JSONValue]]) throws -> RawRows {
        var rows = emptyRows()
        let features = featureNames
        reserve(&rows, objects.count)
        for (r, object) in objects.enumerated() {
            try append(&rows, row: r) { object[features[$0]] }
        }
        return rows
    }

    private func reserve(_ rows: inout RawRows, _ count: Int) {
        rows.numeric.reserveCapacity(count * numericFeatures.count)
        rows.categories.reserveCapacity(count * categoricalFeatures.count)
    }

    /// Appends one row whose value for feature `k` (preprocessor order) is `value(k)` (`nil`: absent).
    private func append(_ rows: inout RawRows, row r: Int, _ value: (Int) -> JSONValue?) throws {
        let numericStart = rows.numeric.count, categoricalStart = rows.categories.count
        rows.numeric.append(contentsOf: repeatElement(Float.nan, count: numericFeatures.count))
        rows.categories.append(contentsOf: repeatElement(-1, count: categoricalFeatures.count))
        for (k, item) in layout.enumerated() {
            let name = item.numeric ? numericFeatures[item.index].name : categoricalFeatures[item.index].name
            guard let field = value(k) else {
                throw DataError.invalidField(row: r, field: name, reason: "expected a value (null for a missing one), found none")
            }
            if item.numeric {
                switch field {
                case .null:
                    break
                case let .number(number):
                    let single = Float(number)
                    guard number.isFinite, single.isFinite else {
                        throw DataError.invalidField(row: r, field: name, reason: "expected a finite number, found \(number)")
                    }
                    rows.numeric[numericStart + item.index] = single
                default:
                    throw DataError.invalidField(row: r, field: name, reason: "expected a number or null, found \(Self.describe(field))")
                }
            } else {
                let feature = categoricalFeatures[item.index]
                switch field {
                case .null:
                    break
                case let .string(text):
                    rows.categories[categoricalStart + item.index] = ReadOptions.missingTokens.contains(text) ? -1 : feature.slot(of: text)
                case let .number(number) where number.isFinite:
                    let text = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
                    rows.categories[categoricalStart + item.index] = feature.slot(of: text)
                case let .bool(flag):
                    rows.categories[categoricalStart + item.index] = feature.slot(of: flag ? "true" : "false")
                default:
                    throw DataError.invalidField(row: r, field: name, reason: "expected a category (text) or null, found \(Self.describe(field))")
                }
            }
        }
        rows.count += 1
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case let .bool(flag): return flag ? "true" : "false"
        case let .number(number): return "\(number)"
        case let .string(text): return "a string " + DataError.quoted(text)
        case .array: return "an array"
        case .object: return "an object"
        }
    }


    static func list(_ names: [String]) -> String {
        names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", …" : "")
    }
}
