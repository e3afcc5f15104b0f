import Foundation

/// A fitted ECOD detector (Li et al. 2022); see ``ECOD``.
public struct FittedECOD: FittedDetector, Equatable {
    public static let kind = "ecod"

    public internal(set) var state: DetectorState
    public internal(set) var trainingScores: [Float]

    /// Two binary searches over the `n` training values per feature (Li et al. 2022): `d · (2 log₂ n + 4)`.
    public var flopsPerRow: Double {
        Double(state.featureCount) * (2 * log2(Double(max(trainingScores.count, 1))) + 4)
    }
    /// How tails are combined.
    public var aggregation: ECOD.Aggregation { columns.aggregation }
    let columns: ECODColumns
    /// Threads for scoring; results do not depend on it.
    var threads: Int

    init(columns: ECODColumns, threads: Int, state: DetectorState, trainingScores: [Float]) {
        self.columns = columns
        self.threads = threads
        self.state = state
        self.trainingScores = trainingScores
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.state == rhs.state && lhs.trainingScores == rhs.trainingScores && lhs.columns == rhs.columns
    }

    /// The anomaly score of each row against the training ECDFs (see ``ECOD`` for the rule on new rows).
    ///
    /// - Throws: `DataError.schemaMismatch` for another number of columns, `DataError.nonFinite`
    ///   naming the row and column of a NaN or infinite value.
    /// - Complexity: O(rows · d · log n), no allocation per row.
    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        return columns.scores(x, training: false, threads: threads)
    }

    /// The left and right tail probabilities of one value of feature `j` (for tests and explanations).
    func tailProbabilities(_ value: Float, feature j: Int, training: Bool) -> (left: Double, right: Double) {
        columns.tails(value, feature: j, training: training)
    }
}

/// The sorted training values of every feature and the skewness signs.
struct ECODColumns: Sendable, Equatable {
    /// d × n: row j holds feature j's training values in ascending order.
    let sorted: Matrix
    /// −1, 0 or 1 per feature.
    let skewSigns: [Int32]
    let aggregation: ECOD.Aggregation

    /// Left and right tail probabilities of `value` for feature `j`: #{≤ z}/n and #{≥ z}/n for a
    /// training row (which is among the n), (#{≤ z} + 1)/(n + 1) and (#{≥ z} + 1)/(n + 1) for a new one.
    @inline(__always)
    func tails(_ value: Float, feature j: Int, training: Bool) -> (left: Double, right: Double) {
        sorted.scalars.withUnsafeBufferPointer { values in
            let n = sorted.columns
            let column = UnsafeBufferPointer(rebasing: values[(j * n)..<((j + 1) * n)])
            return Self.tails(value, column: column, training: training)
        }
    }

    @inline(__always)
    static func tails(_ value: Float, column: UnsafeBufferPointer<Float>, training: Bool) -> (left: Double, right: Double) {
        let n = column.count
        // First index with column[i] > value, and first with column[i] >= value.
        var low = 0, high = n
        while low < high {
            let mid = (low + high) >> 1
            if column[mid] <= value { low = mid + 1 } else { high = mid }
        }
        let atMost = low
        low = 0
        high = atMost
        while low < high {
            let mid = (low + high) >> 1
            if column[mid] < value { low = mid + 1 } else { high = mid }
        }
        let atLeast = n - low
        if training {
            return (Double(atMost) / Double(n), Double(atLeast) / Double(n))
        }
        return (Double(atMost + 1) / Double(n + 1), Double(atLeast + 1) / Double(n + 1))
    }

    /// A feature's term in PyOD's aggregation: the largest of the left tail, the right tail and the tail the
    /// skewness picks (both for a symmetric feature), each as −log of its probability.
    @inline(__always)
    static func pyodTerm(left uLeft: Double, right uRight: Double, sign: Int32) -> Double {
        max(uLeft, uRight, sign < 0 ? uLeft : (sign > 0 ? uRight : uLeft + uRight))
    }

    func scores(_ x: Matrix, training: Bool, threads: Int) -> [Float] {
        var output = [Float](repeating: 0, count: x.rows)
        let d = x.columns, n = sorted.columns
        let aggregation = self.aggregation
        sorted.scalars.withUnsafeBufferPointer { columns in
            x.scalars.withUnsafeBufferPointer { values in
                skewSigns.withUnsafeBufferPointer { signs in
                    output.withUnsafeMutableBufferPointer { output in
                        Parallel.forEachChunk(count: x.rows, chunk: 1024, threads: threads,
                                              sharing: (columns, values, signs, output)) { rows, shared in
                            let (columns, values, signs, output) = shared
                            for r in rows {
                                var pyod = 0.0, sumLeft = 0.0, sumRight = 0.0, sumAuto = 0.0
                                for j in 0..<d {
                                    let column = UnsafeBufferPointer(rebasing: columns[(j * n)..<((j + 1) * n)])
                                    let (left, right) = Self.tails(values[r * d + j], column: column, training: training)
                                    let uLeft = -Foundation.log(left), uRight = -Foundation.log(right)
                                    switch aggregation {
                                    case .pyod:
                                        pyod += Self.pyodTerm(left: uLeft, right: uRight, sign: signs[j])
                                    case .paper:
                                        sumLeft += uLeft
                                        sumRight += uRight
                                        sumAuto += signs[j] < 0 ? uLeft : uRight
                                    }
                                }
                                output[r] = Float(aggregation == .pyod ? pyod : max(sumLeft, sumRight, sumAuto))
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}

// MARK: - Model file

extension FittedECOD {
    /// Tensors `sorted_values` (F32, d × n: each feature's training values in ascending order) and
    /// `skew_sign` (I32, d: −1, 0 or 1); architecture `{features, rows, aggregation}`.
    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        let tensors = [
            Tensor(name: "sorted_values", matrix: columns.sorted),
            Tensor(name: "skew_sign", shape: [columns.skewSigns.count], int32s: columns.skewSigns),
        ]
        let architecture: JSONValue = [
            "features": .number(Double(columns.sorted.rows)),
            "rows": .number(Double(columns.sorted.columns)),
            "aggregation": .string(columns.aggregation.rawValue),
        ]
        return (tensors, architecture)
    }

    /// Rebuilds the model, checking shapes and that every column is sorted.
    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        let architecture = file.metadata.architecture
        let d = try ClassicDetectorSupport.integer(architecture, "features", file: file.file)
        let n = try ClassicDetectorSupport.integer(architecture, "rows", file: file.file)
        let name = try ClassicDetectorSupport.string(architecture, "aggregation", file: file.file)
        guard let aggregation = ECOD.Aggregation(rawValue: name) else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected aggregation \"pyod\" or \"paper\", found \(name.debugDescription)")
        }
        guard d == state.featureCount, n >= 1 else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected \(state.featureCount) features and at least 1 row, found \(d) and \(n)")
        }
        let sorted = try file.matrix(named: "sorted_values", rows: d, columns: n)
        let signs = try ClassicDetectorSupport.int32s(file, "skew_sign", shape: [d])
        for j in 0..<d {
            for i in 1..<n where sorted[j, i - 1] > sorted[j, i] {
                throw ModelError.invalidMetadata(file: file.file, reason: "expected sorted_values row \(j) in ascending order")
            }
        }
        guard signs.allSatisfy({ (-1...1).contains($0) }) else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected skew_sign values of -1, 0 or 1")
        }
        self.init(columns: ECODColumns(sorted: sorted, skewSigns: signs, aggregation: aggregation),
                  threads: ClassicDetectorSupport.defaultThreads, state: state, trainingScores: trainingScores)
    }
}
