import Foundation
import Testing

@testable import AnomalyDistill

/// Sizes and ranges of the transfer set's probes.
@Suite struct DistillationTransferSetTests {
    /// 100 rows on a 3-feature grid: feature j of row r is r·(j+1)/100.
    static let x: Matrix = {
        var rows: [[Float]] = []
        for r in 0..<100 { rows.append((0..<3).map { Float(r * ($0 + 1)) / 100 }) }
        return Matrix(rows)
    }()

    static func probes(_ augmentation: TransferSet.Augmentation, ratio: Double = 2, margin: Double = 0.1,
                       noise: Double = 0.1) throws -> (rows: Matrix, kinds: [TransferSet.Augmentation]) {
        var random = RandomSource(seed: 11)
        let options = TransferSet.Options(augmentation: augmentation, ratio: ratio, noise: noise, margin: margin)
        return try TransferSet.probes(around: x, options: options, using: &random)
    }

    @Test("ratio sets the number of probes, split evenly between the kinds")
    func sizes() throws {
        let all = try Self.probes(.all, ratio: 1.5)
        #expect(all.rows.rows == 150 && all.rows.columns == 3)
        for kind in [TransferSet.Augmentation.jitter, .mixup, .uniform] {
            #expect(all.kinds.filter { $0 == kind }.count == 50)
        }
        #expect(try Self.probes(.none).rows.rows == 0)
        var random = RandomSource(seed: 1)
        let capped = try TransferSet.probes(
            around: Self.x, options: TransferSet.Options(ratio: 10, maximumProbes: 30), using: &random)
        #expect(capped.rows.rows == 30)
    }

    @Test("uniform probes lie inside the widened bounding box and reach outside the rows' box")
    func uniformBox() throws {
        let probes = try Self.probes(.uniform, margin: 0.2).rows
        var outside = false
        for r in 0..<probes.rows {
            for j in 0..<3 {
                let high = Float(99 * (j + 1)) / 100, range = high
                let v = probes[r, j]
                #expect(v >= -0.2 * range - 1e-5 && v <= high + 0.2 * range + 1e-5)
                if v < 0 || v > high { outside = true }
            }
        }
        #expect(outside)
    }

    @Test("mixup probes lie on segments between rows")
    func mixupSegments() throws {
        // Every row of x is r/100 · (1, 2, 3), so a convex combination is t · (1, 2, 3) with t in [0, 0.99].
        let probes = try Self.probes(.mixup).rows
        for r in 0..<probes.rows {
            let t = probes[r, 0]
            #expect(t >= 0 && t <= 0.99 + 1e-6)
            #expect(abs(probes[r, 1] - 2 * t) < 1e-4 && abs(probes[r, 2] - 3 * t) < 1e-4)
        }
    }

    @Test("jitter probes lie near a row")
    func jitterNearRows() throws {
        // Feature standard deviations are about 0.29 · (j + 1); noise 0.1 gives σ ≈ 0.03–0.09, so 6σ < 0.6.
        let probes = try Self.probes(.jitter).rows
        var total: Float = 0
        for r in 0..<probes.rows {
            let nearest = (0..<100).map { row in
                (0..<3).map { j in abs(probes[r, j] - Self.x[row, j]) }.max() ?? 0
            }.min() ?? 0
            #expect(nearest < 0.6)
            total += nearest
        }
        #expect(total / Float(probes.rows) < 0.1)
    }

    @Test("tail probes are training rows with one feature moved past the rows' edge, at most 10σ")
    func tailProbes() throws {
        let probes = try Self.probes(.tail).rows
        #expect(probes.rows == 200)
        var below = 0, above = 0
        for r in 0..<probes.rows {
            // Feature j of the rows spans [0, 0.99·(j + 1)], standard deviation about 0.29·(j + 1).
            let moved = (0..<3).filter { j in probes[r, j] < 0 || probes[r, j] > 0.99 * Float(j + 1) + 1e-6 }
            #expect(moved.count == 1, "row \(r): \(probes.row(r))")
            guard let j = moved.first else { continue }
            let limit = 10 * 0.2887 * Float(j + 1) * 1.01
            if probes[r, j] < 0 { below += 1; #expect(-probes[r, j] <= limit) }
            else { above += 1; #expect(probes[r, j] - 0.99 * Float(j + 1) <= limit) }
            // The other features are those of one training row: t · (1, 2, 3) for one t.
            let others = (0..<3).filter { $0 != j }
            let t = probes[r, others[0]] / Float(others[0] + 1)
            #expect(abs(probes[r, others[1]] - t * Float(others[1] + 1)) < 1e-5)
        }
        #expect(below > 60 && above > 60)
        #expect(try TransferSet.Augmentation(parsing: "uniform,tail") == [.uniform, .tail])
    }

    @Test("the teacher scores every row, training rows first")
    func labelledByTeacher() throws {
        var random = RandomSource(seed: 2)
        let teacher = try ECOD(contamination: 0.1).fit(Self.x, using: &random)
        let set = try TransferSet(x: Self.x, teacher: teacher, options: TransferSet.Options(ratio: 0.5), using: &random)
        #expect(set.inputs.rows == 150 && set.trainingRowCount == 100 && set.teacherScores.count == 150)
        #expect(Array(set.teacherScores[..<100]) == (try teacher.scores(Self.x)))
    }

    @Test("augmentation names parse")
    func parsing() throws {
        #expect(try TransferSet.Augmentation(parsing: "none") == .none)
        #expect(try TransferSet.Augmentation(parsing: "all") == .all)
        #expect(try TransferSet.Augmentation(parsing: "jitter") == .jitter)
        #expect(try TransferSet.Augmentation(parsing: "mixup, uniform") == [.mixup, .uniform])
        #expect(TransferSet.Augmentation.all.description == "jitter,mixup,uniform")
    }

    @Test("an unknown augmentation or a negative ratio is an error")
    func badOptions() throws {
        #expect(throws: ConfigurationError.self) { try TransferSet.Augmentation(parsing: "rotate") }
        #expect(throws: ConfigurationError.self) { try Self.probes(.all, ratio: -1) }
    }
}
