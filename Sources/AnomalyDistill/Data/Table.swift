/// The values of one column after reading.
public enum ColumnValues: Sendable, Equatable {
    /// Numbers, `Float.nan` where the file had a missing value.
    case numeric([Float])
    /// Category codes into `categories` (in order of first appearance), `-1` where missing.
    case categorical(codes: [Int32], categories: [String])
    /// Not kept (ignored and label columns).
    case none
}

/// A data file read into memory: typed columns, the schema, and the labels when the file has them.
///
/// Read with ``Table/read(_:options:)``; every record of the file is a row (blank lines are not
/// records), so no row is ever dropped silently.
public struct Table: Sendable {
    /// The file the table was read from.
    public var source: String
    /// The columns and their kinds, in header order.
    public var schema: Schema
    /// The values of every column, parallel to `schema.columns`.
    public var values: [ColumnValues]
    /// The 0/1 labels, when the schema has a label column.
    public var labels: [Int]?
    /// The physical line number (1-based) of each row in the file.
    public var lines: [Int]

    /// Number of rows.
    public var rowCount: Int { lines.count }

    /// The values of the column called `name`.
    public func column(named name: String) -> ColumnValues? {
        schema.columns.firstIndex { $0.name == name }.map { values[$0] }
    }

    /// The table restricted to the given rows, in that order.
    public func rows(_ indices: [Int]) -> Table {
        var copy = self
        copy.values = values.map { column in
            switch column {
            case .numeric(let numbers): return .numeric(indices.map { numbers[$0] })
            case .categorical(let codes, let categories):
                return .categorical(codes: indices.map { codes[$0] }, categories: categories)
            case .none: return .none
            }
        }
        copy.labels = labels.map { labels in indices.map { labels[$0] } }
        copy.lines = indices.map { lines[$0] }
        return copy
    }
}

/// Summary of one column, as `anomaly-distill inspect` prints it.
public struct ColumnProfile: Codable, Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    /// Why an ignored column is ignored.
    public var reason: String?
    /// Missing values (empty, `NA`, `NaN`, `?`, ...).
    public var missing: Int
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    /// Sample standard deviation (n − 1), as pandas' `describe`.
    public var std: Double?
    /// Distinct categories of a categorical column.
    public var categories: Int?
    /// `true` when there were more categories than could be counted in bounded memory.
    public var categoriesCapped: Bool?

    enum CodingKeys: String, CodingKey {
        case name, kind, reason, missing, min, max, mean, std, categories
        case categoriesCapped = "categories_capped"
    }
}

/// Summary of a data file: rows, columns and their kinds, missing values, label balance.
public struct DataProfile: Codable, Sendable, Equatable {
    public var file: String
    public var compressed: Bool
    public var rows: Int
    /// Feature columns (numeric + categorical).
    public var features: Int
    public var numericFeatures: Int
    public var categoricalFeatures: Int
    public var ignoredColumns: Int
    public var labelColumn: String?
    public var anomalies: Int?
    /// Fraction of rows labelled 1.
    public var anomalyRatio: Double?
    /// Missing values over all columns.
    public var missingValues: Int
    /// Rows with at least one missing value.
    public var rowsWithMissing: Int
    public var columns: [ColumnProfile]

    enum CodingKeys: String, CodingKey {
        case file, compressed, rows, features, columns, anomalies
        case numericFeatures = "numeric_features"
        case categoricalFeatures = "categorical_features"
        case ignoredColumns = "ignored_columns"
        case labelColumn = "label_column"
        case anomalyRatio = "anomaly_ratio"
        case missingValues = "missing_values"
        case rowsWithMissing = "rows_with_missing"
    }
}
