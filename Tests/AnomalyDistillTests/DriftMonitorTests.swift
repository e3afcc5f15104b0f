import Foundation
import Testing

@testable import AnomalyDistill

/// Drift monitoring: the population stability index, the monitor's blocks, and `score --monitor` lines.
@Suite struct DriftMonitorTests {
    @Test("PSI: deciles of the training values, 0 for the same distribution, the formula for a moved one")
    func psi() throws {
        let values = (0..<1000).map(Double.init)
        let bins = try #require(BinnedDistribution(sorted: values))
        #expect(bins.shares.allSatisfy { abs($0 - 0.1) < 0.002 })
        #expect(bins.problem == nil)
        var same = [Int](repeating: 0, count: 10)
        for v in values { same[bins.bin(Float(v))] += 1 }
        #expect(bins.psi(same) < 1e-3)
        // Everything in the last bin: (1 − e) ln(1/e) + 9 (f − e) ln(f/e), e = 0.1, f = 10⁻⁴.
        let moved = [0, 0, 0, 0, 0, 0, 0, 0, 0, 500]
        let e = bins.shares[9], f = 1e-4
        let expected = (1 - e) * log(1 / e) + bins.shares.prefix(9).reduce(0) { $0 + (f - $1) * log(f / $1) }
        #expect(abs(bins.psi(moved) - expected) < 1e-9 && bins.psi(moved) > BinnedDistribution.alarmLevel)
        #expect(BinnedDistribution(sorted: []) == nil)
        var broken = bins
        broken.edges.swapAt(0, 8)
        #expect(broken.problem != nil)
    }

    /// A PCA model on three Gaussian columns, with its drift reference.
    static func model() throws -> ScoringModel {
        var random = RandomSource(seed: 3)
        var text = "a,b,c\n"
        for _ in 0..<2000 { text += "\(random.normal()),\(random.normal()),\(random.normal())\n" }
        return try TestFiles.with(text) { path in
            let table = try Table.read(path)
            let preprocessor = try Preprocessor.fit(table)
            let detector = try PCA().fit(try preprocessor.transform(table), using: &random)
            return try ScoringModel(detector: detector, preprocessor: preprocessor)
        }
    }

    static func rows(_ model: ScoringModel, count: Int, shiftB: Float, seed: UInt64) -> RawRows {
        var random = RandomSource(seed: seed)
        var rows = model.emptyRows()
        for _ in 0..<count {
            rows.numeric += [Float(random.normal()), Float(random.normal()) + shiftB, Float(random.normal())]
            rows.count += 1
        }
        return rows
    }

    @Test("blocks of K rows in stream order; a shifted feature raises the alarm and tops the list")
    func blocks() throws {
        let model = try Self.model()
        var monitor = DriftMonitor(model: model, every: 1000)
        let calm = Self.rows(model, count: 1500, shiftB: 0, seed: 4)
        var reports = monitor.add(calm, scores: try model.scores(calm))
        #expect(reports.count == 1 && reports[0].firstRow == 0 && reports[0].rows == 1000)
        #expect(!reports[0].alarm && reports[0].features.count == 3)
        #expect(try #require(reports[0].scorePSI) < 0.1)
        let shifted = Self.rows(model, count: 1500, shiftB: 3, seed: 5)
        reports = monitor.add(shifted, scores: try model.scores(shifted))
        // Rows 1000–1999 hold 500 calm and 500 shifted rows; rows 2000–2999 are all shifted.
        #expect(reports.map(\.firstRow) == [1000, 2000])
        let last = reports[1]
        #expect(last.alarm && last.features[0].name == "b" && last.features[0].psi > 1)
        #expect(last.features.dropFirst().allSatisfy { $0.psi < 0.1 })
        #expect(try #require(last.scorePSI) > BinnedDistribution.alarmLevel)
        #expect(last.line.hasPrefix("drift rows 2001–3000: score PSI") && last.line.contains("b ") && last.line.hasSuffix("ALARM"))
        #expect(monitor.finish() == nil)
    }

    @Test("score --monitor: one line per block, the last one shorter; the reference survives the model file")
    func stream() throws {
        let model = try Self.model()
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(try #require(model.detector as? FittedPCA), preprocessor: model.preprocessor, to: url)
        let loaded = try ScoringModel(contentsOf: url)
        #expect(loaded.preprocessor.reference == model.preprocessor.reference && loaded.preprocessor.reference?.count == 3)
        var random = RandomSource(seed: 8)
        var text = "a,b,c\n"
        for r in 0..<2500 { text += "\(random.normal()),\(random.normal() + (r >= 2000 ? 4 : 0)),\(random.normal())\n" }
        try TestFiles.with(text) { path in
            let stream = ScoreStream(model: loaded, options: ScoreStream.Options(chunkRows: 300, monitorEvery: 1000))
            let (_, summary, lines) = try ScoreStreamTests.output(stream, path)
            #expect(lines.count == 3 && summary.driftReports == 3 && summary.driftAlarms == 1)
            #expect(lines[2].hasPrefix("drift rows 2001–2500") && lines[2].hasSuffix("ALARM"))
        }
    }
}
