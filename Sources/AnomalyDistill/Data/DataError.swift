/// Where in a data file something was found: file, 1-based line and 1-based column (field).
public struct FileLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path as the user gave it, or a name such as `<stdin>`.
    public var file: String
    /// 1-based physical line number in the file (0 when unknown).
    public var line: Int
    /// 1-based field number in the record (0 when the whole record or file is meant).
    public var column: Int

    public init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        if column > 0 { text += ":\(column)" }
        return text
    }
}

/// Errors in user data: files, rows, columns, values and labels.
///
/// Each case names where the problem is and what was expected, so that its description can be
/// printed as `Error: FILE:LINE:COLUMN: what was expected, what was found`.
public enum DataError: Error, Sendable, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// An output file could not be created or written.
    case unwritable(file: String, reason: String)
    /// The file has no header row.
    case emptyFile(file: String)
    /// The file has a header but no data rows.
    case noRows(file: String)
    /// A record has a different number of fields than the header.
    case raggedRow(FileLocation, expected: Int, found: Int)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote(FileLocation)
    /// A character follows a closing quote where a separator or line end was expected.
    case malformedQuote(FileLocation, found: String)
    /// Two header fields have the same name.
    case duplicateColumn(FileLocation, name: String)
    /// A column named by the user (or needed by a model) is not in the header.
    case missingColumn(file: String, name: String, available: [String])
    /// A field that must be a number is not one.
    case notANumber(FileLocation, column: String, found: String)
    /// A number is infinite or not a number (`inf`, `1e999`).
    case nonFinite(FileLocation, column: String, found: String)
    /// A label field is not 0 or 1.
    case invalidLabel(FileLocation, column: String, found: String)
    /// The labels have one class only where two are needed.
    case singleClassLabels(context: String, label: Int)
    /// A gzip stream is damaged or truncated.
    case corruptCompressedStream(file: String, reason: String)
    /// The data does not match what a fitted model expects.
    case schemaMismatch(file: String, reason: String)
    /// Input of the wrong shape or content for the call — labels that do not fit the rows, a non-finite
    /// feature, too few rows — as opposed to a setting out of range (``ConfigurationError``).
    case invalidInput(name: String, reason: String)
    /// A field of a row given as JSON (an array or an object) is not what the model expects; `row` is 0-based.
    case invalidField(row: Int, field: String, reason: String)
}

extension DataError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file: \(reason)"
        case let .unwritable(file, reason):
            return "\(file): cannot write the file: \(reason)"
        case let .emptyFile(file):
            return "\(file): expected a header row, found an empty file"
        case let .noRows(file):
            return "\(file): expected data rows after the header, found none"
        case let .raggedRow(location, expected, found):
            return "\(location): expected \(expected) fields as in the header, found \(found)"
        case let .unterminatedQuote(location):
            return "\(location): expected a closing quote, found the end of the file"
        case let .malformedQuote(location, found):
            return "\(location): expected a comma or line end after a closing quote, found \(Self.quoted(found))"
        case let .duplicateColumn(location, name):
            return "\(location): expected unique column names, found \(name.debugDescription) twice"
        case let .missingColumn(file, name, available):
            let shown = available.prefix(12).joined(separator: ", ") + (available.count > 12 ? ", …" : "")
            return "\(file): expected a column named \(name.debugDescription), found only: \(shown)"
        case let .notANumber(location, column, found):
            return "\(location): expected a number in column \(column.debugDescription), found "
                + (found.isEmpty ? "a missing value" : Self.quoted(found))
        case let .nonFinite(location, column, found):
            return "\(location): expected a finite number in column \(column.debugDescription), found \(Self.quoted(found))"
        case let .invalidLabel(location, column, found):
            return "\(location): expected a label of 0 or 1 in column \(column.debugDescription), found \(Self.quoted(found))"
        case let .singleClassLabels(context, label):
            return "\(context): expected labels of both classes (0 and 1), found only \(label)"
        case let .corruptCompressedStream(file, reason):
            return "\(file): expected a valid gzip stream, found damaged data (\(reason))"
        case let .schemaMismatch(file, reason):
            return "\(file): the data does not match the model's schema: \(reason)"
        case let .invalidInput(name, reason):
            return "invalid \(name): \(reason)"
        case let .invalidField(row, field, reason):
            return "row \(row), field \(field.debugDescription): \(reason)"
        }
    }

    /// A value from the input, quoted and cut to a readable length (a 1 MB field is not echoed whole) — the
    /// one helper every message quoting user input uses.
    public static func quoted(_ text: String) -> String {
        guard text.count > 64 else { return text.debugDescription }
        return String(text.prefix(64)).debugDescription + "… (\(text.utf8.count) bytes)"
    }
}
