import Foundation
import _AnomalyDistillKernels

/// What a scoring request may hold: a bound on rows and on nesting, so that no body can make the parser
/// use unbounded memory or stack.
public struct ScoreRequestLimits: Sendable, Equatable {
    /// Rows per request; one more ends the parse with ``ScoreRequestError/tooManyRows(limit:)``.
    public var maxRows: Int
    /// Nesting depth of JSON containers (the body's object is depth 1).
    public var maxDepth: Int

    public init(maxRows: Int = 10_000, maxDepth: Int = 64) {
        self.maxRows = maxRows
        self.maxDepth = maxDepth
    }
}

/// Why a scoring request's body was refused. Each case names the HTTP status a service answers with.
public enum ScoreRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not JSON (status 400); `offset` is the 0-based byte where reading stopped.
    case malformedJSON(offset: Int, reason: String)
    /// More rows than the limit (status 413).
    case tooManyRows(limit: Int)
    /// JSON, but not a scoring request: not an object, no `"rows"` array, a key given twice (status 422).
    case invalidRequest(reason: String)
    /// A row does not fit the model's schema (status 422): its 0-based index and the column's name
    /// (`"*"` for the row as a whole).
    case invalidField(row: Int, field: String, reason: String)

    /// The HTTP status for this error.
    public var httpStatus: Int {
        switch self {
        case .malformedJSON: 400
        case .tooManyRows: 413
        case .invalidRequest, .invalidField: 422
        }
    }

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .malformedJSON: "malformed_json"
        case .tooManyRows: "too_many_rows"
        case .invalidRequest: "invalid_request"
        case .invalidField: "invalid_field"
        }
    }

    public var description: String {
        switch self {
        case let .malformedJSON(offset, reason): "malformed JSON at byte \(offset): \(reason)"
        case let .tooManyRows(limit): "too many rows: at most \(limit) per request"
        case let .invalidRequest(reason): reason
        case let .invalidField(row, field, reason):
            field == "*" ? "row \(row): \(reason)" : "row \(row), field \(field.debugDescription): \(reason)"
        }
    }
}

extension ScoringModel {
    /// Parses a scoring request's body, `{"rows": [...]}`, straight into rows for this model.
    ///
    /// Each row is either an array — the feature columns' values in schema order (``featureNames``), or one
    /// value per schema column — or an object keyed by column name with every feature column present (other
    /// keys are ignored). Numeric columns take a number or `null` (missing); categorical columns take text,
    /// a number or `null`, and an unseen category goes to the unseen slot, as in
    /// ``rows(arrays:)`` and ``rows(objects:)``. Numbers are read with the same correctly rounded parser as
    /// CSV input, so a row scores bitwise the same through `score` and through a service. Other top-level
    /// keys are ignored.
    ///
    /// The whole body is read even after a row is found wrong, so a body that is not JSON is always
    /// reported as such (400), and otherwise the first wrong row is (422). Memory is bounded by the body's
    /// size and ``ScoreRequestLimits``; recursion by `maxDepth`.
    /// - Throws: ``ScoreRequestError``.
    public func parseScoreRequest(_ body: UnsafeRawBufferPointer, limits: ScoreRequestLimits = .init()) throws -> RawRows {
        var parser = ScoreRequestParser(model: self, body: body.bindMemory(to: UInt8.self), limits: limits)
        return try parser.parse()
    }

    /// ``parseScoreRequest(_:limits:)`` over bytes.
    public func parseScoreRequest(_ body: some Collection<UInt8>, limits: ScoreRequestLimits = .init()) throws -> RawRows {
        if let rows = try body.withContiguousStorageIfAvailable({ try parseScoreRequest(UnsafeRawBufferPointer($0), limits: limits) }) {
            return rows
        }
        return try Array(body).withUnsafeBytes { try parseScoreRequest($0, limits: limits) }
    }
}

/// One pass over a request body: JSON syntax, limits and the model's schema.
private struct ScoreRequestParser {
    /// A scalar (or skipped container) met where a row value belongs, as byte ranges into the body.
    enum Token {
        case null
        case bool(Bool)
        case number(Int, Int)
        case string(Int, Int, escaped: Bool)
        case array
        case object
    }

    /// What the parse needs of the model (taken field by field: copying the whole model costs a reference
    /// count per field, on every request).
    let featureNames: [String]
    let featureColumns: [Int]
    let featureIndex: [String: Int]
    let layout: [(numeric: Bool, index: Int, offset: Int, width: Int)]
    let categoricalFeatures: [ScoringModel.CategoricalFeature]
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: ScoreRequestLimits
    var position = 0
    var rows: RawRows
    /// The first schema error; the parse goes on to check the JSON's syntax.
    var fieldError: ScoreRequestError?
    var tokens: [Token] = []
    var seen: [Bool]
    /// Values in a row that lists every schema column (label and ignored ones too).
    let allColumns: Int
    /// Every feature is numeric: rows of numbers take ``parseNumericArrayRow()``.
    let numericOnly: Bool

    init(model: ScoringModel, body: UnsafeBufferPointer<UInt8>, limits: ScoreRequestLimits) {
        featureNames = model.featureNames
        featureColumns = model.featureColumns
        featureIndex = model.featureIndex
        layout = model.layout
        categoricalFeatures = model.categoricalFeatures
        bytes = body
        self.limits = limits
        rows = model.emptyRows()
        seen = [Bool](repeating: false, count: model.featureNames.count)
        allColumns = model.schema.columns.count
        numericOnly = model.categoricalFeatures.isEmpty
        tokens.reserveCapacity(allColumns + 1)
    }

    mutating func parse() throws -> RawRows {
        skipSpace()
        guard position < bytes.count else { throw malformed("expected a JSON object, found an empty body") }
        var sawRows = false
        var notAnObject: String?
        if bytes[position] == UInt8(ascii: "{") {
            position += 1
            skipSpace()
            if peek() == UInt8(ascii: "}") {
                position += 1
            } else {
                while true {
                    skipSpace()
                    let key = try scanString()
                    try expectColon()
                    if isKey(key, "rows") {
                        if sawRows { record(.invalidRequest(reason: "the key \"rows\" appears more than once")) }
                        sawRows = true
                        try parseRows()
                    } else {
                        try skipValue(depth: 2)
                    }
                    if try !nextMember(closing: UInt8(ascii: "}")) { break }
                }
            }
        } else {
            notAnObject = describe(try scanValue(depth: 1))
        }
        skipSpace()
        if position < bytes.count { throw malformed("expected the end of the body, found \(excerpt(at: position))") }
        if let notAnObject {
            throw ScoreRequestError.invalidRequest(reason: "expected an object {\"rows\": [...]}, found \(notAnObject)")
        }
        if let fieldError { throw fieldError }
        guard sawRows else {
            throw ScoreRequestError.invalidRequest(reason: "expected a key \"rows\" holding an array of rows, found none")
        }
        return rows
    }

    // MARK: Rows

    mutating func parseRows() throws {
        skipSpace()
        guard peek() == UInt8(ascii: "[") else {
            let found = describe(try scanValue(depth: 2))
            record(.invalidRequest(reason: "expected \"rows\" to be an array of rows, found \(found)"))
            return
        }
        position += 1
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        var index = 0
        while true {
            guard index < limits.maxRows else { throw ScoreRequestError.tooManyRows(limit: limits.maxRows) }
            skipSpace()
            switch peek() {
            case UInt8(ascii: "["): try parseArrayRow(index)
            case UInt8(ascii: "{"): try parseObjectRow(index)
            default:
                let found = describe(try scanValue(depth: 3))
                record(.invalidField(row: index, field: "*", reason: "expected an array or an object, found \(found)"))
            }
            index += 1
            if try !nextMember(closing: UInt8(ascii: "]")) { break }
        }
    }

    /// The common case in one pass: a model with only numeric features and a row of exactly its feature
    /// values, numbers or null. Anything else — and any doubt, an error included — restores the position and
    /// returns `false`, and the general path (the one source of every error message) reads the row again.
    mutating func parseNumericArrayRow() -> Bool {
        let start = position, width = rows.numericWidth, base = rows.numeric.count
        let features = layout.count
        rows.numeric.append(contentsOf: repeatElement(Float.nan, count: width))
        position += 1
        var k = 0
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                skipSpace()
                guard position < bytes.count, k < features else { return restore(start, base) }
                if bytes[position] == UInt8(ascii: "n") {
                    guard bytes.count - position >= 4, bytes[position + 1] == UInt8(ascii: "u"),
                          bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "l")
                    else { return restore(start, base) }
                    position += 4
                } else {
                    var value: Float = 0
                    var used = 0
                    guard ad_parse_json_float(bytes.baseAddress! + position, bytes.count - position, &value, &used) == 1 else {
                        return restore(start, base)
                    }
                    position += used
                    rows.numeric[base + layout[k].index] = value
                }
                k += 1
                skipSpace()
                guard position < bytes.count else { return restore(start, base) }
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "]") { break }
                guard byte == UInt8(ascii: ",") else { return restore(start, base) }
            }
        }
        guard k == features else { return restore(start, base) }
        rows.count += 1
        return true
    }

    private mutating func restore(_ start: Int, _ base: Int) -> Bool {
        rows.numeric.removeSubrange(base...)
        position = start
        return false
    }

    mutating func parseArrayRow(_ row: Int) throws {
        if numericOnly, fieldError == nil, parseNumericArrayRow() { return }
        position += 1
        tokens.removeAll(keepingCapacity: true)
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                let token = try scanValue(depth: 4)
                if tokens.count <= allColumns { tokens.append(token) }
                if try !nextMember(closing: UInt8(ascii: "]")) { break }
            }
        }
        guard fieldError == nil else { return }
        let features = featureNames.count, columns = allColumns
        guard tokens.count == features || tokens.count == columns else {
            let count = tokens.count > max(features, columns) ? "more than \(max(features, columns))" : "\(tokens.count)"
            let everyColumn = columns == features ? "" : " or \(columns) (every column)"
            record(.invalidField(
                row: row, field: "*",
                reason: "expected \(features) values (the feature columns \(ScoringModel.list(featureNames)))\(everyColumn), found \(count)"))
            return
        }
        beginRow()
        let byColumn = tokens.count != features
        for k in 0..<features {
            store(tokens[byColumn ? featureColumns[k] : k], feature: k, row: row)
            if fieldError != nil { return }
        }
        rows.count += 1
    }

    mutating func parseObjectRow(_ row: Int) throws {
        position += 1
        let healthy = fieldError == nil
        if healthy {
            beginRow()
            for k in seen.indices { seen[k] = false }
        }
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipSpace()
                let key = try scanString()
                try expectColon()
                let token = try scanValue(depth: 4)
                if fieldError == nil, let k = featurePosition(key) {
                    if seen[k] {
                        record(.invalidField(row: row, field: featureNames[k], reason: "the key appears more than once"))
                    } else {
                        seen[k] = true
                        store(token, feature: k, row: row)
                    }
                }
                if try !nextMember(closing: UInt8(ascii: "}")) { break }
            }
        }
        guard healthy, fieldError == nil else { return }
        if let missing = seen.firstIndex(of: false) {
            record(.invalidField(row: row, field: featureNames[missing],
                                 reason: "expected a value (null for a missing one), found none"))
            return
        }
        rows.count += 1
    }

    /// Appends a row of missing values, to be filled by ``store(_:feature:row:)``.
    mutating func beginRow() {
        rows.numeric.append(contentsOf: repeatElement(Float.nan, count: rows.numericWidth))
        rows.categories.append(contentsOf: repeatElement(-1, count: rows.categoricalWidth))
    }

    /// Writes feature `k`'s value into the last row, or records why it does not fit.
    mutating func store(_ token: Token, feature k: Int, row: Int) {
        let item = layout[k]
        if item.numeric {
            let slot = rows.count * rows.numericWidth + item.index
            switch token {
            case .null:
                rows.numeric[slot] = .nan
            case let .number(start, end):
                var value: Float = 0
                let status = ad_parse_float(bytes.baseAddress! + start, end - start, &value)
                if status == Int32(AD_PARSE_FINITE) {
                    rows.numeric[slot] = value
                } else {
                    record(.invalidField(row: row, field: featureNames[k],
                                         reason: "expected a finite number (within ±3.4e38), found \(excerpt(start, end))"))
                }
            default:
                record(.invalidField(row: row, field: featureNames[k],
                                     reason: "expected a number or null, found \(describe(token))"))
            }
        } else {
            let feature = categoricalFeatures[item.index]
            let slot = rows.count * rows.categoricalWidth + item.index
            switch token {
            case .null:
                rows.categories[slot] = -1
            case let .string(start, end, escaped):
                let text = string(start, end, escaped: escaped)
                rows.categories[slot] = ReadOptions.missingTokens.contains(text) ? -1 : feature.slot(of: text)
            case let .number(start, end):
                var number = 0.0
                _ = ad_parse_double(bytes.baseAddress! + start, end - start, &number)
                let text = number.isFinite && number == number.rounded() && abs(number) < 1e15
                    ? String(Int64(number)) : String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                rows.categories[slot] = feature.slot(of: text)
            case let .bool(flag):
                rows.categories[slot] = feature.slot(of: flag ? "true" : "false")
            case .array, .object:
                record(.invalidField(row: row, field: featureNames[k],
                                     reason: "expected a category (text) or null, found \(describe(token))"))
            }
        }
    }

    mutating func record(_ error: ScoreRequestError) {
        if fieldError == nil { fieldError = error }
    }

    func featurePosition(_ key: Token) -> Int? {
        guard case let .string(start, end, escaped) = key else { return nil }
        return featureIndex[string(start, end, escaped: escaped)]
    }

    func isKey(_ key: Token, _ name: StaticString) -> Bool {
        guard case let .string(start, end, escaped) = key else { return false }
        if escaped { return string(start, end, escaped: true) == name.description }
        return end - start == name.utf8CodeUnitCount
            && memcmp(bytes.baseAddress! + start, name.utf8Start, end - start) == 0
    }

    // MARK: JSON

    @inline(__always)
    mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    @inline(__always)
    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func expectColon() throws {
        skipSpace()
        guard peek() == UInt8(ascii: ":") else { throw malformed("expected ':' after an object key, found \(excerpt(at: position))") }
        position += 1
    }

    /// After a member: `true` at a comma (another member follows), `false` at `closing` (consumed).
    mutating func nextMember(closing: UInt8) throws -> Bool {
        skipSpace()
        guard let byte = peek() else { throw malformed("unexpected end of the body inside \(closing == UInt8(ascii: "]") ? "an array" : "an object")") }
        position += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closing { return false }
        position -= 1
        throw malformed("expected ',' or '\(Character(Unicode.Scalar(closing)))', found \(excerpt(at: position))")
    }

    /// Reads any value; containers are skipped (checked for syntax) and reported as `.array`/`.object`.
    mutating func scanValue(depth: Int) throws -> Token {
        skipSpace()
        guard let byte = peek() else { throw malformed("expected a value, found the end of the body") }
        switch byte {
        case UInt8(ascii: "\""):
            return try scanString()
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            try skipValue(depth: depth)
            return byte == UInt8(ascii: "[") ? .array : .object
        case UInt8(ascii: "t"):
            try scanWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try scanWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try scanWord("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try scanNumber()
        default:
            throw malformed("expected a value, found \(excerpt(at: position))")
        }
    }

    /// Skips one value of any kind, containers included, at nesting `depth`.
    mutating func skipValue(depth: Int) throws {
        skipSpace()
        guard let byte = peek() else { throw malformed("expected a value, found the end of the body") }
        guard byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") else {
            _ = try scanValue(depth: depth)
            return
        }
        guard depth <= limits.maxDepth else { throw malformed("nested more than \(limits.maxDepth) levels deep") }
        position += 1
        let closing = byte == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
        skipSpace()
        if peek() == closing {
            position += 1
            return
        }
        while true {
            if closing == UInt8(ascii: "}") {
                skipSpace()
                _ = try scanString()
                try expectColon()
            }
            try skipValue(depth: depth + 1)
            if try !nextMember(closing: closing) { return }
        }
    }

    mutating func scanWord(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count, memcmp(bytes.baseAddress! + position, word.utf8Start, count) == 0 else {
            throw malformed("expected a value, found \(excerpt(at: position))")
        }
        position += count
    }

    /// A number by JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    mutating func scanNumber() throws -> Token {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        func digits(_ parser: inout ScoreRequestParser) -> Int {
            let first = parser.position
            while parser.position < parser.bytes.count, parser.bytes[parser.position] &- UInt8(ascii: "0") < 10 {
                parser.position += 1
            }
            return parser.position - first
        }
        let integerStart = position
        let integerDigits = digits(&self)
        guard integerDigits > 0, !(integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0")) else {
            throw malformed("expected a number, found \(excerpt(start, max(position, start + 1)))")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw malformed("expected digits after the decimal point, found \(excerpt(start, position))") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw malformed("expected digits in the exponent, found \(excerpt(start, position))") }
        }
        return .number(start, position)
    }

    /// A string from its opening quote; escapes are checked here and decoded by ``string(_:_:escaped:)``.
    mutating func scanString() throws -> Token {
        guard peek() == UInt8(ascii: "\"") else { throw malformed("expected a string, found \(excerpt(at: position))") }
        position += 1
        let start = position
        var escaped = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return .string(start, position - 1, escaped: escaped)
            }
            if byte < 0x20 { throw malformed("a control character (\(byte)) inside a string must be escaped") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                position += 1
                guard let next = peek() else { break }
                switch next {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    guard bytes.count - position > 4, (1...4).allSatisfy({ hexValue(bytes[position + $0]) != nil }) else {
                        throw malformed("expected four hexadecimal digits after \\u")
                    }
                    position += 5
                default:
                    throw malformed("unknown escape \\\(Character(Unicode.Scalar(next)))")
                }
                continue
            }
            position += 1
        }
        throw malformed("unterminated string")
    }

    /// The text of a string token, escapes decoded (an unpaired surrogate becomes U+FFFD).
    func string(_ start: Int, _ end: Int, escaped: Bool) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        var scalars: [UInt8] = []
        scalars.reserveCapacity(raw.count)
        var i = start
        func hex4(_ at: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 << 4 | UInt32(hexValue(bytes[at + $1]) ?? 0) }
        }
        func append(_ scalar: Unicode.Scalar) {
            scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        while i < end {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "\\") else {
                scalars.append(byte)
                i += 1
                continue
            }
            let kind = bytes[i + 1]
            i += 2
            switch kind {
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= end, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let low = hex4(i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: scalars.append(kind)
            }
        }
        return String(decoding: scalars, as: UTF8.self)
    }

    func describe(_ token: Token) -> String {
        switch token {
        case .null: "null"
        case let .bool(flag): flag ? "true" : "false"
        case let .number(start, end): excerpt(start, end)
        case let .string(start, end, escaped): "a string " + DataError.quoted(string(start, end, escaped: escaped))
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The bytes `start..<end` as text, cut to a readable length.
    func excerpt(_ start: Int, _ end: Int) -> String {
        let end = min(end, bytes.count)
        let shown = min(end - start, 64)
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<start + shown]), as: UTF8.self)
        return end - start > shown ? text + "… (\(end - start) bytes)" : text
    }

    func excerpt(at offset: Int) -> String {
        guard offset < bytes.count else { return "the end of the body" }
        var end = offset
        while end < bytes.count, end - offset < 16, bytes[end] >= 0x20 { end += 1 }
        return (end > offset ? excerpt(offset, end) : "byte \(bytes[offset])").debugDescription
    }

    func malformed(_ reason: String) -> ScoreRequestError {
        .malformedJSON(offset: position, reason: reason)
    }
}

@inline(__always)
private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
