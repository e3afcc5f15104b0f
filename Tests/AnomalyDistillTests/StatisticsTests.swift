import Testing

@testable import AnomalyDistill

/// One quantile, mean and standard deviation for the whole library, equal to NumPy's to the last bit.
@Suite struct StatisticsTests {
    static let values = [3.5, -1.25, 7.0, 0.1, 2.2, 9.75, 4.4]

    @Test("quantiles equal numpy.quantile (linear) exactly", arguments: [
        (0.0, -1.25), (0.1, -0.43999999999999995), (0.25, 1.1500000000000001), (0.5, 3.5), (0.75, 5.7),
        (0.9, 8.100000000000001), (1.0, 9.75),
    ])
    func quantile(_ q: Double, _ expected: Double) throws {
        #expect(Statistics.quantile(sorted: Self.values.sorted(), q) == expected)
        #expect(Preprocessor.quantile(Self.values.sorted(), q) == expected)
        #expect(SoftTargets.quantile(Self.values.sorted(), q) == expected)
        let percentile = try Metrics.percentile(Self.values, q * 100)
        #expect(percentile == expected)
    }

    @Test("Float quantiles are computed in Double, as NumPy on float32 input cast to float64")
    func floatQuantile() {
        let floats = Self.values.map(Float.init).sorted()
        #expect(Statistics.quantile(sorted: floats, 0.3) == Float(1.7800000384449954))
    }

    @Test("mean and population standard deviation equal numpy.mean and numpy.std")
    func meanAndDeviation() {
        #expect(Statistics.mean(Self.values) == 3.6714285714285717)
        #expect(abs(Statistics.standardDeviation(Self.values) - 3.540163146246344) < 1e-15)
        #expect(Statistics.mean([Double]()) == 0 && Statistics.standardDeviation([Double]()) == 0)
    }
}
