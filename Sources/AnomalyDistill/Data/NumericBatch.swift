import _AnomalyDistillKernels

/// The output of one run of the CSV hot path: numeric columns (column-major), labels and missing counts.
struct NumericBatch {
    /// Column k of row r is `values[k * capacity + r]`.
    var values: [Float] = []
    var labels: [Int8] = []
    var missing: [Int] = []
    var capacity = 0
    var rows = 0
    var consumed = 0
    var rowsWithMissing = 0
    var firstLine = 0

    /// Makes room for `rows` records of `numericCount` numbers.
    mutating func prepare(rows needed: Int, numericCount: Int) {
        let columns = max(numericCount, 1)
        if needed > capacity || values.count < capacity * columns {
            // An odd stride keeps the columns of one row from mapping to the same cache set.
            capacity = max(needed, capacity) | 1 + 16
            values = [Float](repeating: 0, count: capacity * columns)
            labels = [Int8](repeating: 0, count: capacity)
        }
        missing = [Int](repeating: 0, count: columns)
        rows = 0
        consumed = 0
        rowsWithMissing = 0
    }

    /// Parses as many records as the hot path takes from `count` bytes at `bytes`.
    /// - Returns: why it stopped (`AD_FAST_STOP_*`).
    @discardableResult
    mutating func parse(_ bytes: UnsafePointer<UInt8>, count: Int, atEnd: Bool, width: Int, kinds: [UInt8]) -> Int32 {
        var stop: Int32 = 0
        var used = 0
        var withMissing = 0
        let stride = capacity
        let limit = capacity
        let parsed = values.withUnsafeMutableBufferPointer { values in
            labels.withUnsafeMutableBufferPointer { labels in
                missing.withUnsafeMutableBufferPointer { missing in
                    ad_csv_fast_rows(bytes, count, atEnd ? 1 : 0, width, kinds, limit, values.baseAddress, stride,
                                     labels.baseAddress, missing.baseAddress, &withMissing, &used, &stop)
                }
            }
        }
        rows = parsed
        consumed = used
        rowsWithMissing = withMissing
        return stop
    }

    /// Column `k`'s values for the parsed rows.
    func column(_ k: Int) -> ArraySlice<Float> {
        values[(k * capacity)..<(k * capacity + rows)]
    }
}
