import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// Exact checks of the teacher logits and soft targets (Hinton et al. 2015; DESIGN.md, *Distillation*).
@Suite struct DistillationSoftTargetsTests {
    static let scores: [Float] = [1, 2, 3, 4, 5]

    @Test("the spread is the IQR over 1.349")
    func interquartileSpread() throws {
        // Quartiles of 1…5 (NumPy linear): 2 and 4.
        #expect(try SoftTargets.robustSpread(Self.scores).isApproximatelyEqual(to: 2 / 1.349, relativeTolerance: 1e-12))
    }

    @Test("logits and soft targets by hand", arguments: [
        (1.0, 0.6625100510139386, 0.11675756811643866),
        (2.0, 0.5835223607823741, 0.2666375126313684),
        (4.0, 0.5420566426113068, 0.3761610185446528),
    ])
    func softTargets(temperature: Double, high: Double, low: Double) throws {
        let targets = try SoftTargets(trainingScores: Self.scores, threshold: 4, temperature: temperature)
        #expect(Double(targets.logit(5)).isApproximatelyEqual(to: 0.6745, relativeTolerance: 1e-6))
        #expect(Double(targets.logit(1)).isApproximatelyEqual(to: -2.0235, relativeTolerance: 1e-6))
        #expect(targets.logit(4) == 0)
        #expect(targets.probability(4) == 0.5)
        #expect(Double(targets.probability(5)).isApproximatelyEqual(to: high, relativeTolerance: 1e-6))
        #expect(Double(targets.probability(1)).isApproximatelyEqual(to: low, relativeTolerance: 1e-6))
    }

    @Test("a zero IQR falls back to the standard deviation, then to 1")
    func spreadFallback() throws {
        // IQR 0, MAD 0; mean 2, population variance (4 · 4 + 64) / 5 = 16.
        #expect(try SoftTargets.robustSpread([0, 0, 0, 0, 10]) == 4)
        #expect(try SoftTargets.robustSpread([3, 3, 3]) == 1)
    }

    @Test("a supervised teacher keeps its real logits")
    func supervisedTeacher() throws {
        let x = Matrix([[0, 0], [0.1, 0.2], [0.2, 0.1], [0.1, 0.1], [5, 5], [5.1, 4.9]])
        var random = RandomSource(seed: 3)
        let teacher = try SupervisedNetwork(hidden: [4], epochs: 2, validationFraction: 0, contamination: 0.3)
            .fit(x, labels: [0, 0, 0, 0, 1, 1], using: &random)
        let targets = try SoftTargets(teacher: teacher, temperature: 2)
        #expect(targets.threshold == 0 && targets.spread == 1)
        #expect(targets.logit(1.5) == 1.5)
    }

    @Test("a temperature that is not positive is an error", arguments: [0.0, -1.0, .nan, .infinity])
    func badTemperature(temperature: Double) {
        #expect(throws: ConfigurationError.self) { try SoftTargets(trainingScores: Self.scores, threshold: 4, temperature: temperature) }
    }

    @Test("soft targets round-trip through JSON")
    func codable() throws {
        let targets = try SoftTargets(threshold: 1.5, spread: 0.25, temperature: 4)
        let decoded = try JSONDecoder().decode(SoftTargets.self, from: JSONEncoder().encode(targets))
        #expect(decoded == targets)
    }
}
