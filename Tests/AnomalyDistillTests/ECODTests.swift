import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// ECOD (Li et al. 2022): tail probabilities by hand, scores against PyOD's formula.
@Suite struct ECODTests {
    /// Column 1, 2, 2, 3, 5 (n = 5).
    static let column: [Float] = [3, 1, 5, 2, 2]

    static let trainingCases: [(Float, Double, Double)] = [
        (1, 1.0 / 5, 5.0 / 5), (2, 3.0 / 5, 4.0 / 5), (3, 4.0 / 5, 2.0 / 5), (5, 5.0 / 5, 1.0 / 5),
    ]

    @Test("training tail probabilities count ties on both sides", arguments: trainingCases)
    func trainingTails(value: Float, left: Double, right: Double) throws {
        var random = RandomSource(seed: 0)
        let fitted = try ECOD().fit(Matrix(rows: 5, columns: 1, scalars: Self.column), using: &random)
        let tails = fitted.tailProbabilities(value, feature: 0, training: true)
        #expect(tails.left.isApproximatelyEqual(to: left) && tails.right.isApproximatelyEqual(to: right))
    }

    static let newCases: [(Float, Double, Double)] = [
        (4, 5.0 / 6, 2.0 / 6), (10, 6.0 / 6, 1.0 / 6), (-3, 1.0 / 6, 6.0 / 6), (2, 4.0 / 6, 5.0 / 6),
    ]

    @Test("a new value counts itself among n + 1", arguments: newCases)
    func newTails(value: Float, left: Double, right: Double) throws {
        var random = RandomSource(seed: 0)
        let fitted = try ECOD().fit(Matrix(rows: 5, columns: 1, scalars: Self.column), using: &random)
        let tails = fitted.tailProbabilities(value, feature: 0, training: false)
        #expect(tails.left.isApproximatelyEqual(to: left) && tails.right.isApproximatelyEqual(to: right))
    }

    /// Feature 0 is right-skewed, feature 1 left-skewed, feature 2 constant.
    static let x = Matrix([[1, 10, 7], [2, 20, 7], [2, 30, 7], [3, 40, 7], [5, 0, 7], [4, 35, 7]])

    @Test("skewness signs follow scipy.stats.skew, 0 for a constant feature")
    func skewSigns() throws {
        var random = RandomSource(seed: 0)
        let fitted = try ECOD().fit(Self.x, using: &random)
        #expect(fitted.columns.skewSigns == [1, -1, 0])
    }

    /// Expected: PyOD's `ECOD().fit(x).decision_scores_` reimplemented in NumPy (`column_ecdf`,
    /// `scipy.stats.skew`, per-feature max(U_l, U_r, U_skew), summed); the same rule reproduces the
    /// peers' PyOD 3.6.7 test ROC-AUCs (vowels, thyroid, cardio) to 1e-12.
    @Test("training scores equal PyOD's decision_scores_")
    func pyodTrainingScores() throws {
        var random = RandomSource(seed: 0)
        let fitted = try ECOD().fit(Self.x, using: &random)
        let expected = [2.89037176, 1.38629436, 1.38629436, 2.48490665, 3.58351894, 2.19722458]
        for (score, value) in zip(fitted.trainingScores, expected) {
            #expect(Double(score).isApproximatelyEqual(to: value, absoluteTolerance: 1e-6))
        }
    }

    @Test("a new row scores against the training ECDFs as if concatenated alone")
    func newRowScore() throws {
        var random = RandomSource(seed: 0)
        let fitted = try ECOD().fit(Self.x, using: &random)
        // Feature 0: left 6 of 7, right 2 of 7 → −log(2/7); feature 1: 4 of 7 on both sides →
        // −log(4/7); feature 2 (constant): 0.
        let expected = -log(2.0 / 7) - log(4.0 / 7)
        let score = try fitted.scores(Matrix([[4.5, 25, 7]]))[0]
        #expect(Double(score).isApproximatelyEqual(to: expected, absoluteTolerance: 1e-6))
        // The same in any batch.
        let batch = try fitted.scores(Matrix([[10, -5, 7], [4.5, 25, 7]]))
        #expect(batch[1] == score)
    }

    @Test("the paper's aggregation takes the largest of the three sums")
    func paperAggregation() throws {
        var random = RandomSource(seed: 0)
        let fitted = try ECOD(aggregation: .paper).fit(Self.x, using: &random)
        let score = try fitted.scores(Matrix([[4.5, 25, 7]]))[0]
        let left = -log(6.0 / 7) - log(4.0 / 7) - log(1.0)
        let right = -log(2.0 / 7) - log(4.0 / 7) - log(1.0)
        let auto = -log(2.0 / 7) - log(4.0 / 7) - log(1.0)  // right, left, right (sign 0 → right)
        #expect(Double(score).isApproximatelyEqual(to: max(left, right, auto), absoluteTolerance: 1e-6))
    }

    @Test("identical rows score 0, never NaN")
    func identicalRows() throws {
        var random = RandomSource(seed: 0)
        let fitted = try ECOD().fit(Matrix(rows: 20, columns: 2, repeating: 1), using: &random)
        #expect(fitted.trainingScores.allSatisfy { $0 == 0 })
        #expect(try fitted.scores(Matrix([[1, 1], [5, -5]])).allSatisfy(\.isFinite))
    }
}
