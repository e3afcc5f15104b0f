// The scoring runtime with ordo-one/benchmark: the single-row path (allocations per row: zero) and the batch
// path of a distilled student, preprocessing included.
// Run with `ANOMALY_DISTILL_BENCHMARKS=1 swift package benchmark --target Scoring`; Scripts/bench-scoring.sh
// puts the same model side by side with ONNX Runtime and NumPy.
import AnomalyDistill
import Benchmark

/// A student distilled from an isolation forest on the embedded data (30 numeric features), its scoring model
/// and its raw rows.
private let fixture: (model: ScoringModel, rows: RawRows) = {
    // swiftlint:disable force_try
    let table = try! Table.read(try! EmbeddedData.breastCancerPath())
    let preprocessor = try! Preprocessor.fit(table)
    let x = try! preprocessor.transform(table)
    var random = RandomSource(seed: 0)
    let teacher = try! IsolationForest().fit(x, using: &random)
    let student = try! Distiller(epochs: 20).distill(teacher: teacher, x: x, using: &random)
    let model = try! ScoringModel(detector: student, preprocessor: preprocessor)
    return (model, try! model.rows(table))
    // swiftlint:enable force_try
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 3,
        maxDuration: .seconds(2)
    )

    // One row per iteration through RowScorer: the allocation count must stay 0 per row.
    Benchmark("single row, student (30 features)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let scorer = RowScorer(fixture.model)
        let rows = fixture.rows
        let width = rows.numericWidth
        var sink: Float = 0
        rows.numeric.withUnsafeBufferPointer { numeric in
            benchmark.startMeasurement()
            var next = 0
            for _ in benchmark.scaledIterations {
                let row = UnsafeBufferPointer(rebasing: numeric[(next * width)..<((next + 1) * width)])
                sink += (try? scorer.score(row)) ?? 0
                next = next + 1 == rows.count ? 0 : next + 1
            }
            benchmark.stopMeasurement()
        }
        blackHole(sink)
    }

    // 100k rows per iteration through the batch path (both cores).
    Benchmark("batch of 100k rows, student (30 features)") { benchmark in
        var numeric: [Float] = []
        let repeats = 100_000 / fixture.rows.count + 1
        for _ in 0..<repeats { numeric += fixture.rows.numeric }
        let batch = RawRows(numeric: numeric, categories: [], numericWidth: fixture.rows.numericWidth, categoricalWidth: 0)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try? fixture.model.scores(batch))
        }
    }
}
