import Foundation
import Numerics
import Testing
@testable import AnomalyDistill

@Suite struct QuantileMapTests {
    @Test("knots are numpy's quantiles; values between them interpolate, values outside take the end levels")
    func fitAndApply() {
        let map = QuantileMap.fit(sorted: [1, 2, 3, 4, 5], maximumKnots: 5)
        #expect(map.values == [1, 2, 3, 4, 5])
        #expect(map.levels == [0, 0.25, 0.5, 0.75, 1])
        #expect(map.apply(2.5) == 0.375)
        #expect(map.apply(1) == 0 && map.apply(-100) == 0)
        #expect(map.apply(5) == 1 && map.apply(1e30) == 1)
        // Nine values, three knots: the quantiles at 0, 0.5 and 1.
        let coarse = QuantileMap.fit(sorted: (1...9).map(Double.init), maximumKnots: 3)
        #expect(coarse.values == [1, 5, 9])
        #expect(coarse.apply(3) == 0.25)
    }

    @Test("tied knots merge at the mean of their levels (scikit-learn's two-sided interpolation)")
    func ties() {
        // Levels 0, 1/3, 2/3, 1 land on 0, 0, 0, 1: one knot at 0 with level 1/3, one at 1 with level 1.
        let map = QuantileMap.fit(sorted: [0, 0, 0, 1], maximumKnots: 4)
        #expect(map.values == [0, 1])
        #expect(map.levels[0].isApproximatelyEqual(to: 1.0 / 3, relativeTolerance: 1e-6))
        #expect(map.levels[1] == 1)
        #expect(map.apply(0).isApproximatelyEqual(to: 1.0 / 3, relativeTolerance: 1e-6))
        #expect(map.apply(0.5).isApproximatelyEqual(to: 2.0 / 3, relativeTolerance: 1e-6))
        // A constant column: one knot, one level, whatever the value.
        let constant = QuantileMap.fit(sorted: [7, 7, 7])
        #expect(constant.values == [7] && constant.levels == [0.5])
        #expect(constant.apply(-1) == 0.5 && constant.apply(7) == 0.5 && constant.apply(9) == 0.5)
    }

    @Test("the map is monotone over a heavy-tailed column and spreads it evenly over [0, 1]")
    func monotoneAndEven() {
        var random = RandomSource(seed: 4)
        // Lognormal-like: exp of a normal, with a few huge values.
        var values = (0..<2_000).map { _ in exp(random.normal() * 3) }
        values += [1e9, 5e12]
        let sorted = values.sorted()
        let map = QuantileMap.fit(sorted: sorted)
        #expect(map.values.count == QuantileMap.maximumKnots)
        var previous = -Float.infinity
        for x in sorted {
            let u = map.apply(Float(x))
            #expect(u >= previous, "not monotone at \(x)")
            #expect(u >= 0 && u <= 1)
            previous = u
        }
        // About a tenth of the values below each tenth of [0, 1].
        for decile in 1..<10 {
            let below = sorted.filter { map.apply(Float($0)) < Float(decile) / 10 }.count
            #expect(abs(Double(below) / Double(sorted.count) - Double(decile) / 10) < 0.02, "decile \(decile): \(below)")
        }
    }

    @Test("knots that cannot be a map are refused, from code and from a file", arguments: [
        ([Float](), [Float]()), ([1, 2], [0]), ([2, 1], [0, 1]), ([1, 1], [0, 1]), ([1, .nan], [0, 1]),
        ([1, 2], [0.5, 0.25]), ([1, 2], [0, 1.5]), ([0, .leastNonzeroMagnitude], [0, 1]),
    ] as [([Float], [Float])])
    func invalidKnots(values: [Float], levels: [Float]) throws {
        #expect(throws: DataError.self) { try QuantileMap(values: values, levels: levels) }
        // JSON cannot hold NaN; the other cases go through a decoder.
        guard !values.contains(where: \.isNaN) else { return }
        let json = try JSONSerialization.data(withJSONObject: ["values": values.map(Double.init), "levels": levels.map(Double.init)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(QuantileMap.self, from: json) }
    }

    @Test("quantile scaling standardises the mapped column; missing values take the mapped median")
    func preprocessor() throws {
        let path = try PreprocessorTests.write("a,b\n1,5\n2,\n3,5\n4,5\n1000,6\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Table.read(path)
        let pre = try Preprocessor.fit(table, scaling: .quantile)
        let x = try pre.transform(table)
        let a = (0..<5).map { Double(x[$0, 0]) }
        let mean = a.reduce(0, +) / 5
        let deviation = (a.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 5).squareRoot()
        #expect(abs(mean) < 1e-6 && abs(deviation - 1) < 1e-5)
        // The outlier is as far from the others as one rank is: ranks are evenly spaced.
        #expect(a[4] - a[3] == a[3] - a[2] || (a[4] - a[3] - (a[3] - a[2])).magnitude < 1e-5)
        // b: 5, (missing → median 5), 5, 5, 6: the missing value becomes what 5 becomes.
        #expect(x[1, 1] == x[0, 1])
        // The state round-trips; a file written before quantile maps existed still reads.
        #expect(try JSONDecoder().decode(Preprocessor.self, from: JSONEncoder().encode(pre)) == pre)
        let old = Data(#"{"numeric":{"name":"a","median":1,"center":0,"scale":2}}"#.utf8)
        let feature = try JSONDecoder().decode(Preprocessor.Feature.self, from: old)
        #expect(feature == .numeric(name: "a", median: 1, center: 0, scale: 2, quantiles: nil))
    }

    @Test("a model file whose quantile map is broken is refused with the feature named")
    func brokenFile() throws {
        let models = ScoringFixture.quantileModels
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("quantile-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try DetectorFile.write(models.student, preprocessor: models.preprocessor, to: url)
        let model = try ScoringModel(contentsOf: url)
        #expect(model.numericFeatures.allSatisfy { $0.quantiles != nil })
        // The first map's knots in reverse order (the same bytes, so the file's layout holds).
        var bytes = try Data(contentsOf: url)
        // (The metadata is JSON held in a JSON string, so its quotes are escaped.)
        let open = try #require(bytes.range(of: Data(#"\"values\":["#.utf8)))
        let close = try #require(bytes[open.upperBound...].firstIndex(of: UInt8(ascii: "]")))
        let list = String(decoding: bytes[open.upperBound..<close], as: UTF8.self)
        let reversed = list.split(separator: ",").reversed().joined(separator: ",")
        #expect(reversed.utf8.count == list.utf8.count && reversed != list)
        bytes.replaceSubrange(open.upperBound..<close, with: Data(reversed.utf8))
        try bytes.write(to: url)
        let error = #expect(throws: ModelError.self) { try ScoringModel(contentsOf: url) }
        #expect(String(describing: error!).contains("quantile") || String(describing: error!).contains("knot"),
                "\(String(describing: error!))")
    }
}
