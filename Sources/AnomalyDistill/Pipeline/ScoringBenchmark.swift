import Foundation

/// What scoring with a model costs on this machine: the single-row latency through ``RowScorer`` and the batch
/// throughput through ``ScoringModel/scores(_:)``, both from raw rows (preprocessing included), and the peak
/// memory. `anomaly-distill bench` prints it; the teacher-vs-student report's cost table uses the same
/// measurement, so the two cannot disagree.
///
/// **Single row.** Calls go through ``RowScorer`` on the rows in turn. One call of a small network takes
/// less time than reading the clock, so calls are timed in groups (as many as take about 20 µs together)
/// and the latency is the median over groups of the time per call.
/// **Batch.** The rows, repeated up to ``Options/batchRows``, are scored in one call (on every core when large);
/// the best of several passes counts.
public struct ScoringBenchmark: Codable, Sendable {
    /// How long to measure.
    public struct Options: Sendable {
        /// Rows per batch call (the input's rows repeated up to this many).
        public var batchRows: Int
        /// Measure each path for at least this long.
        public var minimumSeconds: Double
        /// The most groups of single-row calls and the most batch passes.
        public var maximumRepeats: Int

        /// Also time explanations (``ScoringBenchmark/explainNanosecondsPerRow``), on at most 1,000 of the rows.
        public var explanations: Bool = false

        public init(batchRows: Int = 100_000, minimumSeconds: Double = 0.3, maximumRepeats: Int = 1_000_000,
                    explanations: Bool = false) {
            self.explanations = explanations
            self.batchRows = batchRows
            self.minimumSeconds = minimumSeconds
            self.maximumRepeats = maximumRepeats
        }

        /// - Throws: `ConfigurationError.invalidSetting` for counts below one or a negative time.
        public func validate() throws {
            guard batchRows >= 1 else {
                throw ConfigurationError.invalidSetting(name: "batch rows", reason: "expected at least 1, found \(batchRows)")
            }
            guard maximumRepeats >= 1 else {
                throw ConfigurationError.invalidSetting(name: "repeats", reason: "expected at least 1, found \(maximumRepeats)")
            }
            guard minimumSeconds >= 0 && minimumSeconds.isFinite else {
                throw ConfigurationError.invalidSetting(name: "seconds", reason: "expected a finite value ≥ 0, found \(minimumSeconds)")
            }
        }
    }

    /// The model's kind.
    public var kind: String
    /// Whether the single-row path is the compiled, allocation-free one.
    public var compiled: Bool
    /// The network kernel this CPU runs (`avx2-fma`, `portable`).
    public var kernel: String
    /// Whether this build was optimised (a debug build's timings are 10–100× off).
    public var optimizedBuild: Bool
    /// Distinct rows measured on.
    public var rows: Int
    /// Feature columns of the model.
    public var features: Int
    /// Scalars in the model's tensors.
    public var parameters: Int
    /// Arithmetic per row.
    public var flopsPerRow: Double
    /// Median nanoseconds to score one raw row (preprocessing included).
    public var singleRowLatencyNanoseconds: Double
    /// The 99th percentile over groups of calls.
    public var singleRowLatencyP99Nanoseconds: Double
    /// Rows per second through the batch path (best pass).
    public var batchRowsPerSecond: Double
    /// Rows per batch call.
    public var batchRows: Int
    /// The process's peak resident memory so far, in bytes.
    public var peakMemoryBytes: Int
    /// Time per row of ``ScoringModel/explain(_:)`` on (at most 1,000 of) the rows — every column's contribution —
    /// best pass; `nil` for a model without an explainer or when ``Options/explanations`` is off.
    public var explainNanosecondsPerRow: Double?

    /// Measures `model` on `rows`.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` for no rows or bad options; the model's scoring errors.
    public static func measure(_ model: ScoringModel, on rows: RawRows, options: Options = Options()) throws -> ScoringBenchmark {
        try options.validate()
        guard rows.count > 0 else {
            throw DataError.invalidInput(name: "rows", reason: "expected at least one row to measure on, found none")
        }
        let (single, p99) = try singleRowLatency(model, rows, options)
        let (batch, batchRows) = try batchThroughput(model, rows, options)
        let parameters = try model.detector.encode().tensors.reduce(0) { $0 + $1.elementCount }
        return ScoringBenchmark(
            kind: model.kind, compiled: model.isCompiled, kernel: CompiledNetwork.kernel,
            optimizedBuild: isOptimizedBuild, rows: rows.count,
            features: model.numericFeatures.count + model.categoricalFeatures.count, parameters: parameters,
            flopsPerRow: model.flopsPerRow, singleRowLatencyNanoseconds: single * 1e9,
            singleRowLatencyP99Nanoseconds: p99 * 1e9, batchRowsPerSecond: batch, batchRows: batchRows,
            peakMemoryBytes: peakMemory(), explainNanosecondsPerRow: try explainCost(model, rows, options))
    }

    /// Seconds per row of explaining `rows`, best pass; `nil` without an explainer.
    static func explainCost(_ model: ScoringModel, _ rows: RawRows, _ options: Options) throws -> Double? {
        guard options.explanations, model.canExplain else { return nil }
        let rows = rows.subset(0..<min(rows.count, 1_000))
        return try bestPass(options) { try model.explain(rows).contributions.first ?? 0 } / Double(rows.count) * 1e9
    }

    /// The speed part, for a ``ModelCost``.
    public var speed: ModelCost.Speed {
        ModelCost.Speed(rowsPerSecond: batchRowsPerSecond, singleRowLatency: singleRowLatencyNanoseconds / 1e9,
                        measuredRows: rows)
    }

    /// Whether this library was compiled with optimisation.
    public static var isOptimizedBuild: Bool {
        #if DEBUG
        return false
        #else
        return true
        #endif
    }

    static func singleRowLatency(_ model: ScoringModel, _ rows: RawRows, _ options: Options) throws -> (Double, Double) {
        let scorer = RowScorer(model)
        let clock = ContinuousClock()
        let count = rows.count, nNumeric = rows.numericWidth, nCategorical = rows.categoricalWidth
        return try rows.numeric.withUnsafeBufferPointer { numeric in
            try rows.categories.withUnsafeBufferPointer { categories in
                // Calls `calls` rows in turn from row `start`; the loop keeps its state in locals (no captured
                // variable is touched per call, so no exclusivity check is timed with the model).
                func run(_ calls: Int, from start: Int) throws -> (sink: Float, next: Int) {
                    var k = start, sink: Float = 0
                    for _ in 0..<calls {
                        sink += try scorer.score(
                            numeric: UnsafeBufferPointer(start: numeric.baseAddress.map { $0 + k * nNumeric }, count: nNumeric),
                            categories: UnsafeBufferPointer(start: categories.baseAddress.map { $0 + k * nCategorical },
                                                            count: nCategorical))
                        k += 1
                        if k == count { k = 0 }
                    }
                    return (sink, k)
                }
                // Warm up, then size the groups so one takes about 20 µs.
                var (sink, next) = try run(min(1000, max(10, count)), from: 0)
                var probeResult: (sink: Float, next: Int) = (0, next)
                let probe = try clock.measure { probeResult = try run(10, from: next) }.seconds / 10
                next = probeResult.next
                let group = max(1, min(1000, Int((20e-6 / max(probe, 1e-9)).rounded(.up))))
                var perCall: [Double] = []
                var total = 0.0
                while perCall.count < 11 || (total < options.minimumSeconds && perCall.count < options.maximumRepeats) {
                    var result: (sink: Float, next: Int) = (0, next)
                    let elapsed = try clock.measure { result = try run(group, from: next) }.seconds
                    sink += result.sink
                    next = result.next
                    perCall.append(elapsed / Double(group))
                    total += elapsed
                }
                blackHole(sink)
                perCall.sort()
                let median = perCall.count % 2 == 1 ? perCall[perCall.count / 2]
                    : (perCall[perCall.count / 2 - 1] + perCall[perCall.count / 2]) / 2
                let p99 = perCall[min(perCall.count - 1, Int((Double(perCall.count) * 0.99).rounded(.down)))]
                return (median, p99)
            }
        }
    }

    static func batchThroughput(_ model: ScoringModel, _ rows: RawRows, _ options: Options) throws -> (Double, Int) {
        var batch = rows
        if rows.count < options.batchRows {
            var numeric: [Float] = [], categories: [Int32] = []
            let repeats = (options.batchRows + rows.count - 1) / rows.count
            numeric.reserveCapacity(rows.numeric.count * repeats)
            categories.reserveCapacity(rows.categories.count * repeats)
            for _ in 0..<repeats {
                numeric += rows.numeric
                categories += rows.categories
            }
            batch = RawRows(numeric: numeric, categories: categories, numericWidth: rows.numericWidth,
                            categoricalWidth: rows.categoricalWidth)
        }
        let best = try bestPass(options) { try model.scores(batch).first ?? 0 }
        return (Double(batch.count) / max(best, 1e-12), batch.count)
    }

    /// The fastest of at least two passes of `body`, repeated while under ``Options/minimumSeconds`` (at most 50
    /// passes), in seconds; `body`'s result goes to ``blackHole(_:)`` so the work is not optimised away.
    static func bestPass(_ options: Options, _ body: () throws -> Float) rethrows -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity, total = 0.0, passes = 0
        var sink: Float = 0
        while passes < 2 || (total < options.minimumSeconds && passes < min(options.maximumRepeats, 50)) {
            let elapsed = try clock.measure { sink += try body() }.seconds
            best = min(best, elapsed)
            total += elapsed
            passes += 1
        }
        blackHole(sink)
        return best
    }

    @inline(never)
    static func blackHole(_ value: Float) {
        if value.isNaN && value.sign == .minus && value.significandBitPattern == 0x12345 { print(value) }
    }

    /// Peak resident set size of this process, in bytes (0 where the system does not say).
    public static func peakMemory() -> Int {
        var usage = rusage()
        #if os(Linux)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
        #endif
    }

    enum CodingKeys: String, CodingKey {
        case kind, compiled, kernel, rows, features, parameters
        case optimizedBuild = "optimized_build"
        case flopsPerRow = "flops_per_row"
        case singleRowLatencyNanoseconds = "single_row_latency_ns"
        case singleRowLatencyP99Nanoseconds = "single_row_latency_p99_ns"
        case batchRowsPerSecond = "batch_rows_per_second"
        case batchRows = "batch_rows"
        case peakMemoryBytes = "peak_memory_bytes"
        case explainNanosecondsPerRow = "explain_ns_per_row"
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
