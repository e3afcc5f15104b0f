/// A dense matrix of `Float`, stored row-major and contiguous, with value semantics.
///
/// `Matrix` is the one numeric container of the library: data sets after preprocessing, network
/// weights and activations are all matrices. Storage is a Swift array, so copies are cheap until
/// one side is mutated (copy-on-write).
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var columns: Int
    /// The elements, row after row (`scalars[row * columns + column]`).
    public var scalars: [Float]

    /// A matrix of the given shape filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative")
        self.rows = rows
        self.columns = columns
        self.scalars = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major elements.
    ///
    /// - Precondition: `scalars.count == rows * columns`.
    public init(rows: Int, columns: Int, scalars: [Float]) {
        precondition(rows >= 0 && columns >= 0 && scalars.count == rows * columns,
                     "matrix of \(rows)×\(columns) needs \(rows * columns) scalars, got \(scalars.count)")
        self.rows = rows
        self.columns = columns
        self.scalars = scalars
    }

    /// A matrix from an array of equally long rows.
    public init(_ rowArrays: [[Float]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "all rows must have the same length")
        self.init(rows: rowArrays.count, columns: columns, scalars: rowArrays.flatMap { $0 })
    }

    /// The shape as `(rows, columns)`.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// The element at `row`, `column`.
    @inlinable
    public subscript(row: Int, column: Int) -> Float {
        get { scalars[row * columns + column] }
        set { scalars[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(scalars[(index * columns)..<((index + 1) * columns)])
    }

    /// The rows at the given indices, in that order, as a new matrix.
    public func rows<Indices: Collection<Int>>(at indices: Indices) -> Matrix {
        var result = Matrix(rows: indices.count, columns: columns)
        scalars.withUnsafeBufferPointer { source in
            result.scalars.withUnsafeMutableBufferPointer { target in
                for (position, index) in indices.enumerated() {
                    precondition(index >= 0 && index < rows, "row index \(index) out of range 0..<\(rows)")
                    let from = source.baseAddress! + index * columns
                    (target.baseAddress! + position * columns).update(from: from, count: columns)
                }
            }
        }
        return result
    }

    /// The transpose.
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        scalars.withUnsafeBufferPointer { source in
            result.scalars.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    for c in 0..<columns {
                        target[c * rows + r] = source[r * columns + c]
                    }
                }
            }
        }
        return result
    }

    /// Changes the shape in place when the element count does not change.
    public mutating func reshape(rows newRows: Int, columns newColumns: Int) {
        precondition(newRows * newColumns == scalars.count, "reshape must keep the element count")
        rows = newRows
        columns = newColumns
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        let shown = (0..<min(rows, 6)).map { r in
            (0..<min(columns, 8)).map { c in String(self[r, c]) }.joined(separator: " ")
                + (columns > 8 ? " …" : "")
        }
        return "Matrix(\(rows)×\(columns))\n" + shown.joined(separator: "\n") + (rows > 6 ? "\n…" : "")
    }
}
