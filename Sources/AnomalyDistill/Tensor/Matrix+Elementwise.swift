import _AnomalyDistillKernels

/// The few elementwise and reduction kernels neural-network training needs, on contiguous storage.
///
/// Every kernel writes into a matrix the caller owns, so a training step that reuses its buffers
/// allocates nothing.
extension Matrix {
    /// Gives the matrix the shape `rows` × `columns`, keeping its storage capacity.
    ///
    /// When the shape already matches, nothing happens (the contents are kept). Otherwise the
    /// contents are set to zero; storage is only reallocated when the new shape needs more
    /// elements than the matrix ever held, so alternating between a full and a last, smaller
    /// mini-batch allocates nothing after the first time.
    ///
    /// - Complexity: O(1) when the shape matches, else O(`rows` · `columns`).
    public mutating func resize(rows newRows: Int, columns newColumns: Int) {
        precondition(newRows >= 0 && newColumns >= 0, "matrix shape must be non-negative")
        if newRows == rows && newColumns == columns { return }
        let count = newRows * newColumns
        if scalars.count > count {
            scalars.removeLast(scalars.count - count)
        } else if scalars.count < count {
            scalars.append(contentsOf: repeatElement(0, count: count - scalars.count))
        }
        reshape(rows: newRows, columns: newColumns)
    }

    /// Copies `source`'s shape and elements into this matrix, reusing its storage when it can.
    ///
    /// - Complexity: O(*n*) in the number of elements; no allocation when the capacity suffices.
    public mutating func assign(_ source: Matrix) {
        resize(rows: source.rows, columns: source.columns)
        let count = source.scalars.count
        guard count > 0 else { return }
        source.scalars.withUnsafeBufferPointer { from in
            scalars.withUnsafeMutableBufferPointer { to in
                to.baseAddress!.update(from: from.baseAddress!, count: count)
            }
        }
    }

    /// Sets every row to `vector` (a 1 × `columns` matrix): how a dense layer starts from its bias.
    ///
    /// - Precondition: `vector.scalars.count == columns`.
    public mutating func fillRows(with vector: Matrix) {
        precondition(
            vector.scalars.count == columns, "fillRows: expected \(columns) values, got \(vector.scalars.count)")
        let rows = self.rows, columns = self.columns
        guard columns > 0 else { return }
        vector.scalars.withUnsafeBufferPointer { v in
            scalars.withUnsafeMutableBufferPointer { m in
                for r in 0..<rows {
                    (m.baseAddress! + r * columns).update(from: v.baseAddress!, count: columns)
                }
            }
        }
    }

    /// Writes the sum of each column into `sums` (1 × `columns`): a bias gradient.
    ///
    /// - Complexity: O(`rows` · `columns`), summed row after row in a fixed order (deterministic).
    public func columnSums(into sums: inout Matrix) {
        sums.resize(rows: 1, columns: columns)
        let rows = self.rows, columns = self.columns
        scalars.withUnsafeBufferPointer { m in
            sums.scalars.withUnsafeMutableBufferPointer { s in
                s.update(repeating: 0)
                for r in 0..<rows {
                    ad_saxpy(columns, 1, m.baseAddress! + r * columns, s.baseAddress!)
                }
            }
        }
    }

    /// `self += alpha · other`, elementwise.
    ///
    /// - Precondition: both have the same number of elements.
    public mutating func add(_ other: Matrix, scaledBy alpha: Float = 1) {
        precondition(other.scalars.count == scalars.count, "add: element counts differ")
        let count = scalars.count
        guard count > 0 else { return }
        other.scalars.withUnsafeBufferPointer { x in
            scalars.withUnsafeMutableBufferPointer { y in
                ad_saxpy(count, alpha, x.baseAddress!, y.baseAddress!)
            }
        }
    }

    /// Whether every element is finite (no NaN, no infinity).
    public var isFinite: Bool {
        scalars.withUnsafeBufferPointer { buffer in
            // x − x is 0 for finite x and NaN otherwise; one accumulated NaN flags the matrix.
            var accumulator: Float = 0
            for value in buffer { accumulator += value - value }
            return accumulator == 0
        }
    }
}
