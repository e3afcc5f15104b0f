/// What a column is used for.
public enum ColumnKind: String, Codable, Sendable, CaseIterable {
    /// A number; missing values allowed.
    case numeric
    /// Text categories (one-hot encoded by the preprocessor).
    case categorical
    /// The 0/1 anomaly label (1 = anomaly).
    case label
    /// Not a feature: an identifier, a timestamp or a column the user ignores.
    case ignored
}

/// One column of a data file.
public struct ColumnSchema: Codable, Sendable, Equatable {
    /// The header name.
    public var name: String
    /// How the column is used.
    public var kind: ColumnKind
    /// Why an ignored column is ignored (`"timestamp"`, `"identifier"`, `"user"`), else `nil`.
    public var reason: String?

    public init(name: String, kind: ColumnKind, reason: String? = nil) {
        self.name = name
        self.kind = kind
        self.reason = reason
    }
}

/// The columns of a data file, in header order.
public struct Schema: Codable, Sendable, Equatable {
    /// Every column of the header, in order.
    public var columns: [ColumnSchema]

    public init(columns: [ColumnSchema]) {
        self.columns = columns
    }

    /// The label column's name, if any.
    public var labelColumn: String? { columns.first { $0.kind == .label }?.name }

    /// The feature columns (numeric and categorical), in header order.
    public var features: [ColumnSchema] { columns.filter { $0.kind == .numeric || $0.kind == .categorical } }
}

/// How to read a data file: the user's overrides of schema inference and the tokens taken as missing.
public struct ReadOptions: Sendable, Equatable {
    /// The label column; `nil` picks a column named `label` (any case) when there is one.
    public var labelColumn: String?
    /// Columns to treat as categorical whatever their values.
    public var categorical: Set<String>
    /// Columns to ignore.
    public var ignore: Set<String>
    /// When set, the columns and kinds are fixed (no inference): used to read new data for a fitted model.
    public var schema: Schema?

    public init(labelColumn: String? = nil, categorical: Set<String> = [], ignore: Set<String> = [], schema: Schema? = nil) {
        self.labelColumn = labelColumn
        self.categorical = categorical
        self.ignore = ignore
        self.schema = schema
    }

    /// Field values read as missing: the empty field, `NA`, `N/A`, `NaN`, `nan`, `NULL`, `null`, `?`.
    public static let missingTokens: Set<String> = ["", "NA", "N/A", "NaN", "nan", "NAN", "NULL", "null", "?"]

    /// Header names (any case) of columns ignored without looking at their values.
    public static let identifierNames: Set<String> = ["id", "index", "row_id", "timestamp", "datetime", "date", "time"]
}

enum TokenClass {
    @inline(__always)
    static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch bytes.count {
        case 0: return true
        case 1: return bytes[0] == UInt8(ascii: "?")
        case 2: return bytes[0] == UInt8(ascii: "N") && bytes[1] == UInt8(ascii: "A")
        case 3, 4:
            return ReadOptions.missingTokens.contains(String(decoding: bytes, as: UTF8.self))
        default: return false
        }
    }

    /// Whether the bytes look like an ISO-8601 date or date-time (`2013-12-02`, `2013-12-02 21:15:00`,
    /// `2013-12-02T21:15:00Z`) or a slash date (`12/02/2013 ...`).
    static func isDateTime(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 8 else { return false }
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
        let dash = UInt8(ascii: "-"), slash = UInt8(ascii: "/")
        if digit(0) && digit(1) && digit(2) && digit(3) && bytes[4] == dash && digit(5) && digit(6) && bytes[7] == dash {
            return bytes.count >= 10 && digit(8) && digit(9)
        }
        if digit(0) && digit(1) && bytes[2] == slash && digit(3) && digit(4) && bytes[5] == slash && digit(6) && digit(7) {
            return true
        }
        return false
    }
}
