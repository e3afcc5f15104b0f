import Foundation
import _AnomalyDistillKernels

/// A fitted k-nearest-neighbour detector (Ramaswamy et al. 2000); see ``KNearestNeighbors``.
public struct FittedKNearestNeighbors: FittedDetector, Equatable {
    public static let kind = "knn"

    public internal(set) var state: DetectorState
    public internal(set) var trainingScores: [Float]

    /// Brute force: `3 · n · d` for the squared distances to the `n` training rows.
    public var flopsPerRow: Double {
        3 * Double(max(trainingScores.count, 1)) * Double(state.featureCount)
    }
    /// Number of neighbours.
    public let k: Int
    /// How the k distances are combined.
    public let method: KNearestNeighbors.Method
    let index: NeighborIndex
    /// Threads for scoring; results do not depend on it.
    var threads: Int

    init(index: NeighborIndex, k: Int, method: KNearestNeighbors.Method, threads: Int, state: DetectorState,
         trainingScores: [Float]) {
        self.index = index
        self.k = k
        self.method = method
        self.threads = threads
        self.state = state
        self.trainingScores = trainingScores
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.state == rhs.state && lhs.trainingScores == rhs.trainingScores && lhs.k == rhs.k
            && lhs.method == rhs.method && lhs.index.training == rhs.index.training
    }

    /// The anomaly score of each row: its distance to its k nearest training rows, combined by ``method``.
    ///
    /// - Throws: `DataError.schemaMismatch` for another number of columns, `DataError.nonFinite`
    ///   naming the row and column of a NaN or infinite value.
    /// - Complexity: O(rows · n · d) through blocked GEMM; memory O(threads · block) beyond the output.
    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        let distances = index.nearestDistances(x, k: k, excludingSelf: false, threads: threads)
        return KNearestNeighbors.combine(distances, k: k, method: method)
    }

    /// The distances of each row to its k nearest training rows, ascending (`rows × k`).
    func neighborDistances(_ x: Matrix) throws -> Matrix {
        try checkWidth(x)
        return Matrix(rows: x.rows, columns: k,
                      scalars: index.nearestDistances(x, k: k, excludingSelf: false, threads: threads))
    }
}

/// The training rows, searched by brute force in blocks.
///
/// Candidates come from tiles of ``queryBlock`` × ``trainingBlock`` squared distances. With more
/// than ``directLimit`` features the tile is ‖a‖² + ‖b‖² − 2a·b (clamped at 0) through GEMM, on
/// rows centred on the training mean so that the norms stay small; with fewer, the differences
/// are summed directly over a feature-major copy of the training rows, which costs no more and has
/// no cancellation. The k + ``extraCandidates`` best candidates are then measured exactly as
/// √Σ(a − b)² in double precision.
struct NeighborIndex: Sendable {
    /// The training rows as given.
    let training: Matrix
    /// The training mean, subtracted from both sides on the GEMM path.
    let mean: [Float]
    /// GEMM path: centred training rows (n × d); direct path: training rows feature-major (d × n).
    let prepared: Matrix
    /// Squared norms of the centred training rows (GEMM path only).
    let norms: [Float]

    /// Query rows per block (one block per task).
    static let queryBlock = 128
    /// Training rows per tile: a 128 × 2048 tile of squared distances is 1 MiB.
    static let trainingBlock = 2048
    /// Candidates kept beyond k, whose distances are recomputed exactly before the final choice.
    static let extraCandidates = 8
    /// Up to this many features, distances are summed directly rather than through GEMM.
    static let directLimit = 16

    var usesGEMM: Bool { training.columns > NeighborIndex.directLimit }

    init(training: Matrix) {
        self.training = training
        let n = training.rows, d = training.columns
        if d > NeighborIndex.directLimit {
            var mean = [Double](repeating: 0, count: d)
            for r in 0..<n { for c in 0..<d { mean[c] += Double(training[r, c]) } }
            let m = mean.map { Float($0 / Double(max(n, 1))) }
            var centred = training
            centred.scalars.withUnsafeMutableBufferPointer { values in
                for r in 0..<n { for c in 0..<d { values[r * d + c] -= m[c] } }
            }
            self.mean = m
            prepared = centred
            norms = NeighborIndex.squaredNorms(centred)
        } else {
            mean = []
            prepared = training.transposed()
            norms = []
        }
    }

    static func squaredNorms(_ x: Matrix) -> [Float] {
        let d = x.columns
        return x.scalars.withUnsafeBufferPointer { values in
            (0..<x.rows).map { r in ad_sdot(d, values.baseAddress! + r * d, values.baseAddress! + r * d) }
        }
    }

    /// The `k` smallest Euclidean distances from each row of `queries` to the training rows,
    /// ascending, `rows × k` row-major. With `excludingSelf`, `queries` are the training rows and
    /// row i does not count itself.
    func nearestDistances(_ queries: Matrix, k: Int, excludingSelf: Bool, threads: Int) -> [Float] {
        let n = training.rows, d = training.columns, m = queries.rows
        let available = n - (excludingSelf ? 1 : 0)
        precondition(k >= 1 && k <= available, "k must be below the number of training rows")
        let keep = min(k + NeighborIndex.extraCandidates, available)
        var output = [Float](repeating: 0, count: m * k)
        let gemm = usesGEMM
        // GEMM path: centred queries and their norms.
        var centred = Matrix(rows: 0, columns: d)
        var queryNorms = [Float]()
        if gemm {
            centred = queries
            centred.scalars.withUnsafeMutableBufferPointer { values in
                for r in 0..<m { for c in 0..<d { values[r * d + c] -= mean[c] } }
            }
            queryNorms = NeighborIndex.squaredNorms(centred)
        }
        training.scalars.withUnsafeBufferPointer { train in
            prepared.scalars.withUnsafeBufferPointer { prepared in
                queries.scalars.withUnsafeBufferPointer { query in
                    centred.scalars.withUnsafeBufferPointer { centred in
                        norms.withUnsafeBufferPointer { trainNorms in
                            queryNorms.withUnsafeBufferPointer { queryNorms in
                                output.withUnsafeMutableBufferPointer { output in
                                    let buffers = Buffers(
                                        train: train, prepared: prepared, query: query, centred: centred,
                                        trainNorms: trainNorms, queryNorms: queryNorms, output: output)
                                    Parallel.forEachChunk(count: m, chunk: NeighborIndex.queryBlock, threads: threads,
                                                          sharing: buffers) { rows, buffers in
                                        NeighborIndex.searchBlock(rows: rows, buffers, n: n, d: d, k: k, keep: keep,
                                                                  gemm: gemm, excludingSelf: excludingSelf)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    struct Buffers {
        let train: UnsafeBufferPointer<Float>
        let prepared: UnsafeBufferPointer<Float>
        let query: UnsafeBufferPointer<Float>
        let centred: UnsafeBufferPointer<Float>
        let trainNorms: UnsafeBufferPointer<Float>
        let queryNorms: UnsafeBufferPointer<Float>
        let output: UnsafeMutableBufferPointer<Float>
    }

    private static func searchBlock(
        rows: Range<Int>, _ buffers: Buffers, n: Int, d: Int, k: Int, keep: Int, gemm: Bool, excludingSelf: Bool
    ) {
        let b = rows.count
        let tile = trainingBlock
        let products = UnsafeMutablePointer<Float>.allocate(capacity: b * tile)
        defer { products.deallocate() }
        // Per query row: `keep` candidates sorted ascending by approximate squared distance.
        let bestDistance = UnsafeMutablePointer<Float>.allocate(capacity: b * keep)
        let bestIndex = UnsafeMutablePointer<Int32>.allocate(capacity: b * keep)
        defer {
            bestDistance.deallocate()
            bestIndex.deallocate()
        }
        bestDistance.initialize(repeating: .infinity, count: b * keep)
        bestIndex.initialize(repeating: -1, count: b * keep)
        let prepared = buffers.prepared.baseAddress!
        var start = 0
        while start < n {
            let count = min(tile, n - start)
            if gemm {
                // products = Q · Tᵀ for this tile (b × count, row stride `count`), on centred rows.
                ad_sgemm(0, 1, b, count, d, 1, buffers.centred.baseAddress! + rows.lowerBound * d, d,
                         prepared + start * d, d, 0, products, count)
                for i in 0..<b {
                    let qn = buffers.queryNorms[rows.lowerBound + i]
                    let row = products + i * count
                    for j in 0..<count {
                        let squared = qn + buffers.trainNorms[start + j] - 2 * row[j]
                        row[j] = squared < 0 ? 0 : squared
                    }
                }
            } else {
                // Σ (q_f − t_f)² over a feature-major copy: the inner loop runs along training rows.
                for i in 0..<b {
                    let q = buffers.query.baseAddress! + (rows.lowerBound + i) * d
                    let row = products + i * count
                    row.initialize(repeating: 0, count: count)
                    for f in 0..<d {
                        let qf = q[f]
                        let column = prepared + f * n + start
                        for j in 0..<count {
                            let delta = qf - column[j]
                            row[j] += delta * delta
                        }
                    }
                }
            }
            for i in 0..<b {
                let global = rows.lowerBound + i
                let distances = bestDistance + i * keep
                let indices = bestIndex + i * keep
                var worst = distances[keep - 1]
                let row = products + i * count
                for j in 0..<count {
                    let squared = row[j]
                    guard squared < worst else { continue }
                    let candidate = start + j
                    if excludingSelf && candidate == global { continue }
                    // Insert into the sorted list, dropping the last.
                    var position = keep - 1
                    while position > 0 && distances[position - 1] > squared {
                        distances[position] = distances[position - 1]
                        indices[position] = indices[position - 1]
                        position -= 1
                    }
                    distances[position] = squared
                    indices[position] = Int32(candidate)
                    worst = distances[keep - 1]
                }
            }
            start += count
        }
        // Exact distances of the candidates, then the k smallest, ascending.
        let trainBase = buffers.train.baseAddress!
        var exact = [(Double, Int32)](repeating: (0, 0), count: keep)
        for i in 0..<b {
            let global = rows.lowerBound + i
            let q = buffers.query.baseAddress! + global * d
            for c in 0..<keep {
                let index = bestIndex[i * keep + c]
                // Only a non-finite squared distance (values near Float's range) leaves a slot empty.
                guard index >= 0 else {
                    exact[c] = (.infinity, .max)
                    continue
                }
                let t = trainBase + Int(index) * d
                var sum = 0.0
                for f in 0..<d {
                    let delta = Double(q[f]) - Double(t[f])
                    sum += delta * delta
                }
                exact[c] = (sum.squareRoot(), index)
            }
            exact.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            for c in 0..<k { buffers.output[global * k + c] = Float(exact[c].0) }
        }
    }
}

// MARK: - Model file

extension FittedKNearestNeighbors {
    /// Tensor `training` (F32, n × d: the training rows); architecture `{k, method, rows}`.
    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        let architecture: JSONValue = [
            "k": .number(Double(k)),
            "method": .string(method.rawValue),
            "rows": .number(Double(index.training.rows)),
        ]
        return ([Tensor(name: "training", matrix: index.training)], architecture)
    }

    /// Rebuilds the model from its training rows.
    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        let architecture = file.metadata.architecture
        let k = try ClassicDetectorSupport.integer(architecture, "k", file: file.file)
        let rows = try ClassicDetectorSupport.integer(architecture, "rows", file: file.file)
        let name = try ClassicDetectorSupport.string(architecture, "method", file: file.file)
        guard let method = KNearestNeighbors.Method(rawValue: name) else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected method largest, mean or median, found \(name.debugDescription)")
        }
        guard k >= 1, k < rows else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected 1 ≤ k < rows, found k = \(k) and \(rows) rows")
        }
        let training = try file.matrix(named: "training", rows: rows, columns: state.featureCount)
        self.init(index: NeighborIndex(training: training), k: k, method: method,
                  threads: ClassicDetectorSupport.defaultThreads, state: state, trainingScores: trainingScores)
    }
}
