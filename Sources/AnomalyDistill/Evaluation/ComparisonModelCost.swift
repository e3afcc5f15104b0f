import Foundation

/// What a fitted detector costs to keep and to run: its size, an estimate of its arithmetic per row, and its
/// measured scoring speed.
///
/// Sizes come from the model itself: ``parameters`` counts the scalars in the tensors of
/// ``FittedDetector/encode()`` (the training scores kept for calibration are not counted), ``bytesOnDisk`` is the
/// size of the model file ``DetectorFile/encode(_:preprocessor:training:)`` would write. Speeds are measured by
/// the caller (`ScoringBenchmark`, the measurement `bench` prints) on the same raw rows for both models.
public struct ModelCost: Codable, Sendable, Hashable {
    /// A measured scoring speed: what `bench` reports (``ScoringBenchmark`` in `Pipeline/` measures it
    /// through ``ScoringModel``, preprocessing included, so a report and `bench` cannot disagree).
    public struct Speed: Codable, Sendable, Hashable {
        /// Rows scored per second in batches.
        public var rowsPerSecond: Double
        /// Median seconds to score one row.
        public var singleRowLatency: Double
        /// Rows the speeds were measured on.
        public var measuredRows: Int

        public init(rowsPerSecond: Double, singleRowLatency: Double, measuredRows: Int) {
            self.rowsPerSecond = rowsPerSecond
            self.singleRowLatency = singleRowLatency
            self.measuredRows = measuredRows
        }
    }

    /// The detector's kind, as written in its model file (`isolation_forest`, `student_mlp`, …).
    public var kind: String
    /// Scalars in the model's tensors.
    public var parameters: Int
    /// Bytes of the model file (safetensors with the metadata header, no preprocessor).
    public var bytesOnDisk: Int
    /// Estimated floating-point operations (and comparisons, for trees) to score one row
    /// (``FittedDetector/flopsPerRow``).
    public var flopsPerRow: Double
    /// Rows scored per second in batches of ``Options/batchSize`` rows (best pass).
    public var rowsPerSecond: Double
    /// Median seconds to score a one-row matrix.
    public var singleRowLatency: Double
    /// Rows the speeds were measured on.
    public var measuredRows: Int

    public init(
        kind: String, parameters: Int, bytesOnDisk: Int, flopsPerRow: Double, rowsPerSecond: Double,
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

    /// The sizes of `detector` with a speed measured elsewhere.
    ///
    /// - Throws: whatever encoding the model throws.
    public init(describing detector: any FittedDetector, speed: Speed) throws {
        let (tensors, _) = try detector.encode()
        let (metadata, fileTensors) = try DetectorFile.encode(detector)
        let bytes = try ModelFile.encoded(tensors: fileTensors, metadata: metadata).count
        self.init(
            kind: detector.modelKind, parameters: tensors.reduce(0) { $0 + $1.elementCount },
            bytesOnDisk: bytes, flopsPerRow: detector.flopsPerRow, rowsPerSecond: speed.rowsPerSecond,
            singleRowLatency: speed.singleRowLatency, measuredRows: speed.measuredRows)
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
