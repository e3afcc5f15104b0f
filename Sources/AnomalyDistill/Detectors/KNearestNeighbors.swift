import Foundation

/// k-nearest-neighbour outlier detection: a row is as anomalous as it is far from its k nearest
/// training rows.
///
/// Ramaswamy, Rastogi & Shim 2000, "Efficient Algorithms for Mining Outliers from Large Data Sets"
/// (SIGMOD; the distance to the k-th neighbour), and Angiulli & Pizzuti 2002, "Fast Outlier
/// Detection in High Dimensional Spaces" (PKDD; the sum, here the mean, of the k distances).
/// Distances are Euclidean. Corresponds to PyOD's `KNN(n_neighbors: k, method:)`: a training row's
/// score leaves the row itself out (PyOD queries k + 1 neighbours and drops the first), a new row
/// is scored against all training rows.
public struct KNearestNeighbors: Detector, Equatable {
    /// How the k neighbour distances become a score (PyOD's `method`).
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// The distance to the k-th nearest neighbour (Ramaswamy et al. 2000).
        case largest
        /// The mean distance to the k nearest neighbours (Angiulli & Pizzuti 2002, scaled by 1/k).
        case mean
        /// The median distance to the k nearest neighbours.
        case median
    }

    /// Number of neighbours (PyOD's `n_neighbors`).
    public var k: Int
    /// How the distances are combined (PyOD's `method`).
    public var method: Method
    /// The expected fraction of anomalies (PyOD's `contamination`).
    public var contamination: Double
    /// Threads for scoring; results do not depend on it.
    var threads: Int?

    /// A k-nearest-neighbour configuration.
    ///
    /// - Parameters:
    ///   - k: Number of neighbours, at least 1 and fewer than the training rows (default 5, as PyOD).
    ///   - method: How the k distances are combined (default ``Method/largest``, as PyOD).
    ///   - contamination: Expected fraction of anomalies in (0, 0.5] (default 0.1).
    public init(k: Int = 5, method: Method = .largest, contamination: Double = Contamination.default) {
        self.k = k
        self.method = method
        self.contamination = contamination
    }

    public var description: String {
        "KNearestNeighbors(k: \(k), method: \(method.rawValue), contamination: \(contamination))"
    }

    /// - Throws: `ConfigurationError.invalidSetting` for `k < 1` or a contamination outside (0, 0.5].
    public func validate() throws {
        try SettingLimits.check(k, in: SettingLimits.neighbors, name: "k")
        try Contamination.validate(contamination)
        if let threads, threads < 1 {
            throw ConfigurationError.invalidSetting(name: "threads", reason: "expected at least 1 thread, found \(threads)")
        }
    }

    /// Keeps the training rows and scores each of them against the others.
    ///
    /// - Parameters:
    ///   - x: Training rows (more than `k`), finite values.
    ///   - labels: Ignored.
    ///   - random: Unused (the detector is deterministic); taken for the common interface.
    /// - Throws: `ConfigurationError.invalidSetting` for a bad configuration or `k` not below the number of
    ///   rows, `DataError.nonFinite` naming the row and column of a NaN or infinite value,
    ///   `TrainingError.noTrainingRows` for no rows.
    /// - Complexity: O(n² · d) time through blocked GEMM, O(n · d) memory.
    public func fit(_ x: Matrix, labels: [Int]? = nil, using random: inout RandomSource) throws -> FittedKNearestNeighbors {
        try validate()
        try ClassicDetectorSupport.checkTraining(x)
        guard k < x.rows else {
            throw ConfigurationError.invalidSetting(
                name: "k", reason: "k must be < number of training rows: expected k below \(x.rows), found \(k)")
        }
        let index = NeighborIndex(training: x)
        let threadCount = threads ?? ClassicDetectorSupport.defaultThreads
        let distances = index.nearestDistances(x, k: k, excludingSelf: true, threads: threadCount)
        let scores = KNearestNeighbors.combine(distances, k: k, method: method)
        let state = try DetectorState(trainingScores: scores, contamination: contamination, featureCount: x.columns)
        return FittedKNearestNeighbors(index: index, k: k, method: method, threads: threadCount, state: state,
                                       trainingScores: scores)
    }

    /// One score per row of ascending distances (`rows × k`, row-major).
    static func combine(_ distances: [Float], k: Int, method: Method) -> [Float] {
        let rows = distances.count / k
        return (0..<rows).map { r in
            let base = r * k
            switch method {
            case .largest:
                return distances[base + k - 1]
            case .mean:
                var sum = 0.0
                for i in 0..<k { sum += Double(distances[base + i]) }
                return Float(sum / Double(k))
            case .median:
                if k % 2 == 1 { return distances[base + k / 2] }
                return Float((Double(distances[base + k / 2 - 1]) + Double(distances[base + k / 2])) / 2)
            }
        }
    }
}
