import Foundation

/// What a fitted detector costs to keep and to run: its size, an estimate of its arithmetic per row, and its
/// measured scoring speed.
///
/// Sizes come from the model itself: ``parameters`` counts the scalars in the tensors of
/// ``FittedDetector/encode()`` (the training scores kept for calibration are not counted), ``bytesOnDisk`` is the
/// size of the model file ``DetectorFile/encode(_:preprocessor:training:)`` would write. Speeds are measured in
/// process with `ContinuousClock` on the rows given, so a teacher and a student measured on the same rows compare
/// fairly.
public struct ModelCost: Codable, Sendable, Hashable {
    /// How the speed measurements are made.
    public struct Options: Sendable, Hashable {
        /// Rows per `scores(_:)` call when measuring batch throughput.
        public var batchSize: Int
        /// The fewest full passes over the rows; the best pass counts.
        public var repeats: Int
        /// More passes are made (up to ``maximumRepeats``) until the passes together took this long.
        public var minimumSeconds: Double
        /// The most full passes over the rows.
        public var maximumRepeats: Int
        /// Calls scoring a one-row matrix; the median is the single-row latency.
        public var latencyCalls: Int

        public init(
            batchSize: Int = 4_096, repeats: Int = 3, minimumSeconds: Double = 0.2, maximumRepeats: Int = 50,
            latencyCalls: Int = 101
        ) {
            self.batchSize = batchSize
            self.repeats = repeats
            self.minimumSeconds = minimumSeconds
            self.maximumRepeats = maximumRepeats
            self.latencyCalls = latencyCalls
        }

        /// Throws when a count is below one or the time is negative.
        public func validate() throws {
            for (name, value) in [
                ("batch size", batchSize), ("repeats", repeats), ("maximum repeats", maximumRepeats),
                ("latency calls", latencyCalls),
            ] where value < 1 {
                throw DataError.invalidArgument(name: name, reason: "expected at least 1, found \(value)")
            }
            guard minimumSeconds >= 0 && minimumSeconds.isFinite else {
                throw DataError.invalidArgument(
                    name: "minimum seconds", reason: "expected a finite value ≥ 0, found \(minimumSeconds)")
            }
        }
    }

    /// The detector's kind, as written in its model file (`isolation_forest`, `student_mlp`, …).
    public var kind: String
    /// Scalars in the model's tensors.
    public var parameters: Int
    /// Bytes of the model file (safetensors with the metadata header, no preprocessor).
    public var bytesOnDisk: Int
    /// Estimated floating-point operations (and comparisons, for trees) to score one row; `nil` when the
    /// detector's structure gives no estimate. See ``estimatedFLOPsPerRow(_:)``.
    public var flopsPerRow: Double?
    /// Rows scored per second in batches of ``Options/batchSize`` rows (best pass).
    public var rowsPerSecond: Double
    /// Median seconds to score a one-row matrix.
    public var singleRowLatency: Double
    /// Rows the speeds were measured on.
    public var measuredRows: Int

    public init(
        kind: String, parameters: Int, bytesOnDisk: Int, flopsPerRow: Double?, rowsPerSecond: Double,
        singleRowLatency: Double, measuredRows: Int
    ) {
        self.kind = kind
        self.parameters = parameters
        self.bytesOnDisk = bytesOnDisk
        self.flopsPerRow = flopsPerRow
        self.rowsPerSecond = rowsPerSecond
        self.singleRowLatency = singleRowLatency
        self.measuredRows = measuredRows
    }

    /// Measures `detector` on the rows of `x`.
    ///
    /// - Parameters:
    ///   - detector: the fitted detector.
    ///   - x: preprocessed rows, at least one, as wide as the detector expects.
    ///   - options: batch size, repeats and latency calls.
    /// - Throws: `DataError` for no rows, a width mismatch or bad options; whatever scoring or encoding throws.
    /// - Complexity: a few passes of `detector.scores` over `x`, plus ``Options/latencyCalls`` one-row calls.
    public init(measuring detector: any FittedDetector, on x: Matrix, options: Options = Options()) throws {
        try options.validate()
        guard x.rows > 0 else {
            throw DataError.invalidArgument(
                name: "rows", reason: "expected at least one row to measure speed on, found none")
        }
        try detector.checkWidth(x)
        let (tensors, _) = try detector.encode()
        let (metadata, fileTensors) = try DetectorFile.encode(detector)
        let bytes = try ModelFile.encoded(tensors: fileTensors, metadata: metadata).count
        self.init(
            kind: type(of: detector).kind, parameters: tensors.reduce(0) { $0 + $1.elementCount },
            bytesOnDisk: bytes, flopsPerRow: Self.estimatedFLOPsPerRow(detector),
            rowsPerSecond: try Self.rowsPerSecond(detector, x, options),
            singleRowLatency: try Self.singleRowLatency(detector, x, calls: options.latencyCalls),
            measuredRows: x.rows)
    }

    /// Best rows per second over full passes of `x` in batches.
    static func rowsPerSecond(_ detector: any FittedDetector, _ x: Matrix, _ options: Options) throws -> Double {
        let batches = stride(from: 0, to: x.rows, by: options.batchSize).map { start in
            x.rows(at: start..<min(x.rows, start + options.batchSize))
        }
        let clock = ContinuousClock()
        var best = Double.infinity, total = 0.0, passes = 0
        while passes < options.repeats || (total < options.minimumSeconds && passes < options.maximumRepeats) {
            var sink: Float = 0
            let elapsed = DetectorRun.seconds(
                try clock.measure {
                    for batch in batches { sink += try detector.scores(batch).first ?? 0 }
                })
            blackHole(sink)
            best = min(best, elapsed)
            total += elapsed
            passes += 1
        }
        return Double(x.rows) / max(best, 1e-9)
    }

    /// Median seconds of `calls` one-row `scores` calls, cycling through the rows of `x`.
    static func singleRowLatency(_ detector: any FittedDetector, _ x: Matrix, calls: Int) throws -> Double {
        let rows = (0..<min(x.rows, calls)).map { x.rows(at: [$0]) }
        let clock = ContinuousClock()
        var times: [Double] = []
        times.reserveCapacity(calls)
        var sink: Float = 0
        for call in 0..<calls {
            let row = rows[call % rows.count]
            times.append(DetectorRun.seconds(try clock.measure { sink += try detector.scores(row).first ?? 0 }))
        }
        blackHole(sink)
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }

    @inline(never)
    static func blackHole(_ value: Float) {
        if value.isNaN && value.sign == .minus && value.significandBitPattern == 0x12345 { print(value) }
    }

    /// An estimate of the arithmetic needed to score one row, from the detector's structure.
    ///
    /// - Networks (students, autoencoders, Deep SVDD, supervised networks, MO-GAAL's discriminator):
    ///   `2 · Σ in · out` over the dense layers (one multiply and one add per weight; biases and activations
    ///   are not counted). An autoencoder adds `3 · d` for the reconstruction distance per network; Deep SVDD
    ///   `3 · width` for the distance to the centre.
    /// - Isolation forest (Liu et al. 2008): one comparison per node visited, `trees · c(ψ)` where `c(ψ)` is the
    ///   average path length of an unsuccessful search in a binary search tree of `ψ` rows, plus one add per tree.
    /// - ECOD (Li et al. 2022): two binary searches over the `n` training values per feature, `d · (2 log₂ n + 4)`.
    /// - k nearest neighbours, brute force: `3 · n · d` for the squared distances to the `n` training rows.
    /// - Ensembles: the sum over their members plus two operations per member for normalising.
    /// - Returns: the estimate, or `nil` for detectors not listed.
    public static func estimatedFLOPsPerRow(_ detector: any FittedDetector) -> Double? {
        let d = Double(detector.featureCount)
        let n = Double(max(detector.trainingScores.count, 1))
        switch detector {
        case let student as any FittedStudent:
            return denseFLOPs(student.network)
        case let forest as FittedIsolationForest:
            return Double(forest.trees) * (IsolationForestStorage.averagePathLength(forest.subsample) + 1)
        case is FittedECOD:
            return d * (2 * log2(n) + 4)
        case is FittedKNearestNeighbors:
            return 3 * n * d
        case let autoencoder as FittedAutoencoder:
            return autoencoder.networks.reduce(0) { $0 + denseFLOPs($1) + 3 * d }
        case let svdd as FittedDeepSVDD:
            return denseFLOPs(svdd.network) + 3 * Double(svdd.centre.count)
        case let supervised as FittedSupervisedNetwork:
            return denseFLOPs(supervised.network)
        case let gaal as FittedMOGAAL:
            return denseFLOPs(gaal.discriminator)
        case let ensemble as FittedEnsemble:
            var total = 0.0
            for member in ensemble.members {
                guard let flops = estimatedFLOPsPerRow(member) else { return nil }
                total += flops + 2
            }
            return total
        default:
            return nil
        }
    }

    /// `2 · Σ in · out` over the dense layers of `network`.
    static func denseFLOPs(_ network: Network) -> Double {
        network.layers.reduce(0) { total, layer in
            guard let dense = layer as? Dense else { return total }
            return total + 2 * Double(dense.inputs) * Double(dense.outputs)
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, parameters
        case bytesOnDisk = "bytes_on_disk"
        case flopsPerRow = "flops_per_row"
        case rowsPerSecond = "rows_per_second"
        case singleRowLatency = "single_row_latency_seconds"
        case measuredRows = "measured_rows"
    }
}
