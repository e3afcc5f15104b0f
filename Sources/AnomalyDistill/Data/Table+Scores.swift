extension Table {
    /// The values of a numeric column as doubles, every row present.
    ///
    /// - Throws: `DataError.missingColumn` when there is no such column, `DataError.schemaMismatch`
    ///   when it is not numeric, `DataError.notANumber` naming the line of a missing value.
    public func numericColumn(_ name: String) throws -> [Double] {
        guard let position = schema.columns.firstIndex(where: { $0.name == name }) else {
            throw DataError.missingColumn(file: source, name: name, available: schema.columns.map(\.name))
        }
        guard case .numeric(let values) = self.values[position] else {
            // Text in the column made it categorical: name the first value that is not a number.
            if case let .categorical(codes, names) = self.values[position],
               let row = codes.indices.first(where: { codes[$0] >= 0 && Double(names[Int(codes[$0])]) == nil }) {
                throw DataError.notANumber(FileLocation(file: source, line: lines[row], column: position + 1), column: name,
                                           found: names[Int(codes[row])])
            }
            throw DataError.notANumber(FileLocation(file: source, line: lines.first ?? 2, column: position + 1), column: name,
                                       found: "a \(schema.columns[position].kind.rawValue) column")
        }
        if let row = values.firstIndex(where: { $0.isNaN }) {
            throw DataError.notANumber(FileLocation(file: source, line: lines[row], column: position + 1), column: name, found: "")
        }
        return values.map(Double.init)
    }

    /// The labels, or an error naming the file when it has none.
    public func requireLabels() throws -> [Int] {
        guard let labels else {
            throw DataError.missingColumn(file: source, name: "label", available: schema.columns.map(\.name))
        }
        return labels
    }
}
