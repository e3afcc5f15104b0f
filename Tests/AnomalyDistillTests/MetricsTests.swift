import Foundation
import Testing

@testable import AnomalyDistill

/// Metrics against values computed by scikit-learn, SciPy and NumPy (`Scripts/make_metric_fixtures.py`),
/// against small hand computations, and with bad input.
@Suite struct MetricsTests {
    // MARK: Fixtures

    /// One case of `Fixtures/metrics.json`; keys are snake_case there.
    struct Fixture: Decodable, Sendable {
        struct AtThreshold: Decodable, Sendable {
            var threshold: Double
            var tp, fp, tn, fn: Int
            var precision, recall, f1, accuracy: Double
        }
        struct Contamination: Decodable, Sendable {
            var contamination, threshold: Double
            var flagged: Int
        }
        struct NValue: Decodable, Sendable {
            var n: Int
            var value: Double
        }
        struct BestF1: Decodable, Sendable {
            var threshold, f1: Double
        }
        struct Budget: Decodable, Sendable {
            var budget, threshold: Double
        }
        struct TopK: Decodable, Sendable {
            var k: Int
            var overlap: Double
        }

        var name: String
        var scores: [Double]
        var labels: [Int]
        var rocAuc: Double?
        var averagePrecision: Double?
        var precisionAtN: Double?
        var precisionAtCustomN: [NValue]
        var atThreshold: [AtThreshold]
        var contamination: [Contamination]
        var bestF1: BestF1?
        var fpBudget: [Budget]
        var otherScores: [Double]?
        var spearman: Double?
        var topK: [TopK]?
        var decisionAgreement: Double?

        var hasBothClasses: Bool { labels.contains(0) && labels.contains(1) }
    }

    struct FixtureFile: Decodable, Sendable {
        var cases: [Fixture]
    }

    /// The fixture file inside the test bundle (copied as the `Fixtures` folder), or next to this file.
    static func fixtureURL() -> URL {
        if let url = Bundle.module.url(forResource: "metrics", withExtension: "json", subdirectory: "Fixtures") {
            return url
        }
        if let url = Bundle.module.url(forResource: "Fixtures/metrics", withExtension: "json") {
            return url
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/metrics.json")
    }

    static func loadFixtures() throws -> [Fixture] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(FixtureFile.self, from: Data(contentsOf: fixtureURL())).cases
    }

    static let fixtures: [String: Fixture] = {
        let cases = (try? loadFixtures()) ?? []
        return Dictionary(cases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }()

    static let caseNames: [String] = fixtures.keys.sorted()

    private func fixture(_ name: String) throws -> Fixture {
        try #require(Self.fixtures[name], "no fixture named \(name)")
    }

    @Test("the fixture file loads and has the expected cases")
    func fixturesLoad() throws {
        let cases = try Self.loadFixtures()
        #expect(cases.count >= 25)
        #expect(Set(cases.map(\.name)).count == cases.count)
        #expect(Self.caseNames.contains("ties_1dp_200"))
    }

    // MARK: Against scikit-learn, SciPy and NumPy

    @Test("ROC-AUC and average precision match scikit-learn", arguments: caseNames)
    func rankingMetrics(name: String) throws {
        let c = try fixture(name)
        if let expected = c.rocAuc {
            expectClose(try Metrics.rocAUC(scores: c.scores, labels: c.labels), expected)
        } else {
            #expect(throws: DataError.self) { try Metrics.rocAUC(scores: c.scores, labels: c.labels) }
        }
        if let expected = c.averagePrecision {
            expectClose(try Metrics.averagePrecision(scores: c.scores, labels: c.labels), expected)
        } else {
            #expect(throws: DataError.self) { try Metrics.averagePrecision(scores: c.scores, labels: c.labels) }
        }
    }

    @Test("precision@n matches PyOD's precision_n_scores", arguments: caseNames)
    func precisionAtN(name: String) throws {
        let c = try fixture(name)
        if let expected = c.precisionAtN {
            expectClose(try Metrics.precisionAtN(scores: c.scores, labels: c.labels), expected)
        } else {
            #expect(throws: EvaluationError.countOutOfRange(name: "n", found: 0, maximum: c.scores.count)) {
                try Metrics.precisionAtN(scores: c.scores, labels: c.labels)
            }
        }
        for item in c.precisionAtCustomN {
            expectClose(try Metrics.precisionAtN(scores: c.scores, labels: c.labels, n: item.n), item.value)
        }
    }

    @Test("counts and rates at a threshold match scikit-learn", arguments: caseNames)
    func atThreshold(name: String) throws {
        let c = try fixture(name)
        for item in c.atThreshold {
            let matrix = try ConfusionMatrix(scores: c.scores, labels: c.labels, threshold: item.threshold)
            #expect(matrix == ConfusionMatrix(
                truePositives: item.tp, falsePositives: item.fp, trueNegatives: item.tn, falseNegatives: item.fn))
            expectClose(matrix.precision, item.precision)
            expectClose(matrix.recall, item.recall)
            expectClose(matrix.f1, item.f1)
            expectClose(matrix.accuracy, item.accuracy)
        }
    }

    @Test("contamination thresholds match NumPy's percentile as PyOD uses it", arguments: caseNames)
    func contaminationThreshold(name: String) throws {
        let c = try fixture(name)
        for item in c.contamination {
            let threshold = try Metrics.contaminationThreshold(
                trainingScores: c.scores, contamination: item.contamination)
            expectClose(threshold, item.threshold)
            let matrix = try ConfusionMatrix(scores: c.scores, labels: c.labels, threshold: threshold)
            #expect(matrix.flagged == item.flagged, "contamination \(item.contamination)")
        }
    }

    @Test("the best-F1 threshold matches a brute-force search with scikit-learn's f1_score", arguments: caseNames)
    func bestF1(name: String) throws {
        let c = try fixture(name)
        guard let expected = c.bestF1 else {
            #expect(throws: DataError.self) { try Metrics.bestF1Threshold(scores: c.scores, labels: c.labels) }
            return
        }
        let best = try Metrics.bestF1Threshold(scores: c.scores, labels: c.labels)
        #expect(best.threshold == expected.threshold)
        expectClose(best.f1, expected.f1)
        let matrix = try ConfusionMatrix(scores: c.scores, labels: c.labels, threshold: best.threshold)
        expectClose(matrix.f1, best.f1)
        expectClose(matrix.precision, best.precision)
        expectClose(matrix.recall, best.recall)
    }

    @Test("false-positive budget thresholds match a brute-force search", arguments: caseNames)
    func falsePositiveBudget(name: String) throws {
        let c = try fixture(name)
        for item in c.fpBudget {
            let threshold = try Metrics.falsePositiveBudgetThreshold(
                scores: c.scores, labels: c.labels, budget: item.budget)
            #expect(threshold == item.threshold, "budget \(item.budget)")
            let matrix = try ConfusionMatrix(scores: c.scores, labels: c.labels, threshold: threshold)
            #expect(matrix.falsePositiveRate <= item.budget)
        }
        if !c.labels.contains(0) {
            #expect(throws: DataError.singleClassLabels(context: "false-positive budget threshold", label: 1)) {
                try Metrics.falsePositiveBudgetThreshold(scores: c.scores, labels: c.labels, budget: 0.1)
            }
        }
    }

    @Test("Spearman, top-k overlap and decision agreement match SciPy and NumPy", arguments: caseNames)
    func agreement(name: String) throws {
        let c = try fixture(name)
        guard let other = c.otherScores else { return }
        if let expected = c.spearman {
            expectClose(try Metrics.spearman(c.scores, other), expected)
        } else {
            #expect(throws: EvaluationError.constantInput(context: "Spearman correlation")) {
                try Metrics.spearman(c.scores, other)
            }
        }
        for item in c.topK ?? [] {
            expectClose(try Metrics.topKOverlap(c.scores, other, k: item.k), item.overlap)
        }
        if let expected = c.decisionAgreement {
            let a = try median(c.scores)
            let b = try median(other)
            expectClose(try Metrics.decisionAgreement(c.scores.map { $0 > a }, other.map { $0 > b }), expected)
        }
    }

    @Test(
        "Float overloads give the Double results on float32 values",
        arguments: ["float32_random_100", "spearman_ties", "integers_ties_150"])
    func floatOverloads(name: String) throws {
        let c = try fixture(name)
        let floats = c.scores.map { Float($0) }
        #expect(floats.map(Double.init) == c.scores, "the case holds float32 values")
        expectClose(try Metrics.rocAUC(scores: floats, labels: c.labels), try #require(c.rocAuc))
        expectClose(try Metrics.averagePrecision(scores: floats, labels: c.labels), try #require(c.averagePrecision))
        expectClose(try Metrics.precisionAtN(scores: floats, labels: c.labels), try #require(c.precisionAtN))
        for item in c.contamination {
            expectClose(
                try Metrics.contaminationThreshold(trainingScores: floats, contamination: item.contamination),
                item.threshold)
        }
        let best = try Metrics.bestF1Threshold(scores: floats, labels: c.labels)
        #expect(best.threshold == c.bestF1?.threshold)
        for item in c.fpBudget {
            #expect(try Metrics.falsePositiveBudgetThreshold(scores: floats, labels: c.labels, budget: item.budget)
                == item.threshold)
        }
        for item in c.atThreshold {
            let matrix = try ConfusionMatrix(scores: floats, labels: c.labels, threshold: item.threshold)
            #expect(matrix.truePositives == item.tp && matrix.falsePositives == item.fp)
        }
        let other = try #require(c.otherScores).map { Float($0) }
        if let expected = c.spearman { expectClose(try Metrics.spearman(floats, other), expected) }
        if let item = c.topK?.first { expectClose(try Metrics.topKOverlap(floats, other, k: item.k), item.overlap) }
        let report = try MetricReport(scores: floats, labels: c.labels, threshold: 0)
        expectClose(report.rocAUC, try #require(c.rocAuc))
    }

    @Test("the report bundles the metrics and round-trips through JSON", arguments: caseNames)
    func report(name: String) throws {
        let c = try fixture(name)
        guard c.hasBothClasses, let item = c.atThreshold.first else {
            #expect(throws: DataError.self) { try MetricReport(scores: c.scores, labels: c.labels, threshold: 0) }
            return
        }
        let report = try MetricReport(scores: c.scores, labels: c.labels, threshold: item.threshold)
        expectClose(report.rocAUC, try #require(c.rocAuc))
        expectClose(report.averagePrecision, try #require(c.averagePrecision))
        expectClose(report.precisionAtN, try #require(c.precisionAtN))
        expectClose(report.f1, item.f1)
        expectClose(report.accuracy, item.accuracy)
        #expect(report.confusionMatrix.truePositives == item.tp)
        #expect(report.sampleCount == c.scores.count)
        #expect(report.anomalyCount == c.labels.reduce(0, +))
        #expect(report.flaggedCount == item.tp + item.fp)
        let decoded = try JSONDecoder().decode(MetricReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
    }

    // MARK: Exact small checks

    @Test("scikit-learn's documented example: ROC-AUC 0.75, AP 0.8333")
    func documentedExample() throws {
        let scores = [0.1, 0.4, 0.35, 0.8]
        let labels = [0, 0, 1, 1]
        #expect(try Metrics.rocAUC(scores: scores, labels: labels) == 0.75)
        // Thresholds 0.8, 0.4, 0.35: (R, P) = (1/2, 1), (1/2, 1/2), (1, 2/3); AP = 1/2 + 1/2 × 2/3.
        expectClose(try Metrics.averagePrecision(scores: scores, labels: labels), 0.5 + 1.0 / 3)
    }

    @Test("tied scores form one step: ROC-AUC counts ties as one half")
    func tiesCountHalf() throws {
        #expect(try Metrics.rocAUC(scores: [1, 1], labels: [0, 1]) == 0.5)
        #expect(try Metrics.averagePrecision(scores: [1, 1], labels: [0, 1]) == 0.5)
        // Anomaly ranks (average): 2.5 and 4 among [0.1, 0.5, 0.5, 0.9]; U = 1.5 + 2 = 3.5 of 4 pairs.
        #expect(try Metrics.rocAUC(scores: [0.1, 0.5, 0.5, 0.9], labels: [0, 1, 0, 1]) == 0.875)
    }

    @Test("percentile interpolates as NumPy's linear method")
    func percentile() throws {
        expectClose(try Metrics.percentile([1, 2, 3, 4], 90), 3.7)
        expectClose(try Metrics.percentile([4, 1, 3, 2], 25), 1.75)
        #expect(try Metrics.percentile([5, 1, 3], 100) == 5)
        #expect(try Metrics.percentile([5, 1, 3], 0) == 1)
        #expect(try Metrics.percentile([5, 1, 3], 50) == 3)
        #expect(try Metrics.percentile([7], 37) == 7)
    }

    @Test("the contamination threshold of 1…10 at 10% flags the top row only")
    func contaminationOfTen() throws {
        let scores = (1...10).map(Double.init)
        let threshold = try Metrics.contaminationThreshold(trainingScores: scores, contamination: 0.1)
        expectClose(threshold, 9.1)
        #expect(try ConfusionMatrix(scores: scores, labels: Array(repeating: 0, count: 10), threshold: threshold)
            .flagged == 1)
    }

    @Test("a row is flagged only when its score is strictly above the threshold")
    func strictComparison() throws {
        let matrix = try ConfusionMatrix(scores: [0.5, 0.5, 0.9, 0.2], labels: [1, 0, 1, 0], threshold: 0.5)
        #expect(matrix == ConfusionMatrix(truePositives: 1, falsePositives: 0, trueNegatives: 2, falseNegatives: 1))
        #expect(matrix.precision == 1)
        #expect(matrix.recall == 0.5)
        expectClose(matrix.f1, 2.0 / 3)
        #expect(matrix.accuracy == 0.75)
    }

    @Test("undefined rates are 0, as scikit-learn's zero_division default")
    func zeroDivision() throws {
        let nothingFlagged = try ConfusionMatrix(scores: [0.1, 0.2], labels: [1, 0], threshold: 1)
        #expect(nothingFlagged.precision == 0)
        #expect(nothingFlagged.f1 == 0)
        let noAnomalies = try ConfusionMatrix(scores: [0.1, 0.2], labels: [0, 0], threshold: 1)
        #expect(noAnomalies.recall == 0)
        #expect(noAnomalies.f1 == 0)
        #expect(noAnomalies.accuracy == 1)
        let noNormals = try ConfusionMatrix(labels: [1, 1], decisions: [true, false])
        #expect(noNormals.falsePositiveRate == 0)
        #expect(noNormals.recall == 0.5)
    }

    @Test("precision@n: tied scores at the cut-off are all left out, as in PyOD")
    func precisionAtNTies() throws {
        #expect(try Metrics.precisionAtN(scores: [0.1, 0.5, 0.7, 0.9], labels: [0, 1, 0, 1]) == 0.5)
        #expect(try Metrics.precisionAtN(scores: [0.1, 0.5, 0.7, 0.9], labels: [0, 1, 0, 1], n: 1) == 1)
        // Threshold = percentile 50 of [0.5, 0.5, 0.5, 0.9] = 0.5: only the 0.9 row is flagged.
        #expect(try Metrics.precisionAtN(scores: [0.5, 0.5, 0.5, 0.9], labels: [1, 1, 0, 0]) == 0)
        #expect(try Metrics.precisionAtN(scores: [0.5, 0.5, 0.5, 0.5], labels: [1, 1, 0, 0]) == 0)
    }

    @Test("the best-F1 threshold separates separable scores and prefers the larger of equal thresholds")
    func bestF1Exact() throws {
        let best = try Metrics.bestF1Threshold(scores: [0.1, 0.2, 0.3, 0.4], labels: [0, 0, 1, 1])
        #expect(best == F1Optimum(threshold: 0.2, f1: 1, precision: 1, recall: 1))
        // Every row flagged is the only split with an anomaly: the threshold is just below the minimum.
        let equal = try Metrics.bestF1Threshold(scores: [0.3, 0.3], labels: [1, 0])
        #expect(equal.threshold == 0.3.nextDown)
        expectClose(equal.f1, 2.0 / 3)
    }

    @Test("the false-positive budget threshold is the smallest that keeps the rate within budget")
    func falsePositiveBudgetExact() throws {
        let scores = [1.0, 2, 3, 4, 5, 10]
        let labels = [0, 0, 0, 0, 0, 1]
        #expect(try Metrics.falsePositiveBudgetThreshold(scores: scores, labels: labels, budget: 0.2) == 4)
        #expect(try Metrics.falsePositiveBudgetThreshold(scores: scores, labels: labels, budget: 0.39) == 4)
        #expect(try Metrics.falsePositiveBudgetThreshold(scores: scores, labels: labels, budget: 0.4) == 3)
        #expect(try Metrics.falsePositiveBudgetThreshold(scores: scores, labels: labels, budget: 0) == 5)
        #expect(try Metrics.falsePositiveBudgetThreshold(scores: scores, labels: labels, budget: 1) == 1.0.nextDown)
        // 0.29 × 100 is 28.999… in floating point; the rate 29/100 is still within a budget of 0.29.
        let hundred = (0..<100).map(Double.init)
        let normal = Array(repeating: 0, count: 100)
        #expect(try Metrics.falsePositiveBudgetThreshold(scores: hundred, labels: normal, budget: 0.29) == 70)
    }

    @Test("Spearman uses average ranks for ties")
    func spearmanExact() throws {
        #expect(try Metrics.spearman([1, 2, 3], [30, 20, 10]) == -1)
        // Ranks [1, 2.5, 2.5, 4] and [1, 2, 3, 4]: 4.5 / √(4.5 × 5).
        expectClose(try Metrics.spearman([1, 2, 2, 3], [1, 2, 3, 4]), 4.5 / (4.5 * 5.0).squareRoot())
        #expect(Metrics.averageRanks([10, 20, 10, 30, 10]) == [2, 4, 2, 5, 2])
    }

    @Test("top-k overlap and decision agreement")
    func overlapAndAgreement() throws {
        #expect(try Metrics.topKOverlap([4, 3, 2, 1], [1, 2, 3, 4], k: 2) == 0)
        #expect(try Metrics.topKOverlap([4, 3, 2, 1], [1, 2, 3, 4], k: 4) == 1)
        #expect(try Metrics.topKOverlap([4, 3, 2, 1], [4, 1, 3, 2], k: 2) == 0.5)
        // Ties go to the lower row index in both vectors.
        #expect(try Metrics.topKOverlap([1, 1, 1, 1], [0, 0, 0, 0], k: 2) == 1)
        expectClose(try Metrics.decisionAgreement([true, false, true], [true, true, true]), 2.0 / 3)
    }

    @Test("the report encodes with snake_case keys")
    func reportKeys() throws {
        let report = try MetricReport(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], threshold: 0.3)
        let json = try #require(String(data: JSONEncoder().encode(report), encoding: .utf8))
        for key in [
            "\"roc_auc\"", "\"average_precision\"", "\"precision_at_n\"", "\"confusion_matrix\"",
            "\"true_positives\"", "\"false_negatives\"", "\"sample_count\"", "\"flagged_count\"", "\"threshold\"",
        ] {
            #expect(json.contains(key), "missing \(key)")
        }
        #expect(report.confusionMatrix == ConfusionMatrix(
            truePositives: 2, falsePositives: 1, trueNegatives: 1, falseNegatives: 0))
        #expect(report.precisionAtN == 0.5)
    }

    // MARK: Bad input

    @Test("mismatched lengths are thrown")
    func lengthMismatch() {
        #expect(throws: EvaluationError.lengthMismatch(context: "ROC-AUC", expected: 2, found: 1)) {
            try Metrics.rocAUC(scores: [0.1, 0.2], labels: [0])
        }
        #expect(throws: EvaluationError.lengthMismatch(context: "confusion matrix", expected: 2, found: 3)) {
            try ConfusionMatrix(scores: [0.1, 0.2], labels: [0, 1, 0], threshold: 0)
        }
        #expect(throws: EvaluationError.lengthMismatch(context: "Spearman correlation", expected: 2, found: 3)) {
            try Metrics.spearman([1, 2], [1, 2, 3])
        }
        #expect(throws: EvaluationError.lengthMismatch(context: "decision agreement", expected: 1, found: 2)) {
            try Metrics.decisionAgreement([true], [true, false])
        }
    }

    @Test("empty input is thrown")
    func emptyInput() {
        #expect(throws: EvaluationError.emptyInput(context: "ROC-AUC")) {
            try Metrics.rocAUC(scores: [Double](), labels: [])
        }
        #expect(throws: EvaluationError.emptyInput(context: "average precision")) {
            try Metrics.averagePrecision(scores: [Double](), labels: [])
        }
        #expect(throws: EvaluationError.emptyInput(context: "percentile")) { try Metrics.percentile([Double](), 50) }
        #expect(throws: EvaluationError.emptyInput(context: "decision agreement")) {
            try Metrics.decisionAgreement([], [])
        }
        #expect(throws: EvaluationError.emptyInput(context: "confusion matrix")) {
            try ConfusionMatrix(labels: [], decisions: [])
        }
    }

    @Test("labels other than 0 and 1 are thrown")
    func invalidLabels() {
        #expect(throws: EvaluationError.invalidLabel(context: "ROC-AUC", index: 1, found: 2)) {
            try Metrics.rocAUC(scores: [0.1, 0.2, 0.3], labels: [0, 2, 1])
        }
        #expect(throws: EvaluationError.invalidLabel(context: "precision@n", index: 0, found: -1)) {
            try Metrics.precisionAtN(scores: [0.1, 0.2], labels: [-1, 1])
        }
    }

    @Test("one-class labels are thrown where both classes are needed")
    func singleClass() {
        #expect(throws: DataError.singleClassLabels(context: "ROC-AUC", label: 0)) {
            try Metrics.rocAUC(scores: [0.1, 0.2], labels: [0, 0])
        }
        #expect(throws: DataError.singleClassLabels(context: "average precision", label: 1)) {
            try Metrics.averagePrecision(scores: [0.1, 0.2], labels: [1, 1])
        }
        #expect(throws: DataError.singleClassLabels(context: "best-F1 threshold", label: 0)) {
            try Metrics.bestF1Threshold(scores: [0.1, 0.2], labels: [0, 0])
        }
        #expect(throws: DataError.singleClassLabels(context: "ROC-AUC", label: 0)) {
            try MetricReport(scores: [0.1, 0.2], labels: [0, 0], threshold: 0.15)
        }
    }

    @Test("non-finite scores and thresholds are thrown", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) {
        #expect(throws: EvaluationError.nonFiniteScore(context: "ROC-AUC", index: 1, found: "\(value)")) {
            try Metrics.rocAUC(scores: [0.1, value], labels: [0, 1])
        }
        #expect(throws: EvaluationError.nonFiniteScore(context: "average precision", index: 0, found: "\(value)")) {
            try Metrics.averagePrecision(scores: [Float(value), 1], labels: [0, 1])
        }
        #expect(throws: EvaluationError.nonFiniteScore(context: "Spearman correlation", index: 2, found: "\(value)")) {
            try Metrics.spearman([1, 2, 3], [1, 2, value])
        }
        #expect(throws: EvaluationError.nonFiniteThreshold(found: "\(value)")) {
            try ConfusionMatrix(scores: [0.1, 0.2], labels: [0, 1], threshold: value)
        }
        #expect(throws: EvaluationError.self) {
            try Metrics.contaminationThreshold(trainingScores: [0.1, value], contamination: 0.1)
        }
    }

    @Test("contamination outside (0, 0.5] is thrown", arguments: [0, -0.1, 0.51, 1, Double.nan])
    func contaminationOutOfRange(contamination: Double) {
        #expect(throws: EvaluationError.contaminationOutOfRange(found: "\(contamination)")) {
            try Metrics.contaminationThreshold(trainingScores: [0.1, 0.2], contamination: contamination)
        }
    }

    @Test("counts below 1 or above the number of rows are thrown")
    func countOutOfRange() {
        #expect(throws: EvaluationError.countOutOfRange(name: "n", found: 0, maximum: 2)) {
            try Metrics.precisionAtN(scores: [0.1, 0.2], labels: [0, 1], n: 0)
        }
        #expect(throws: EvaluationError.countOutOfRange(name: "n", found: 3, maximum: 2)) {
            try Metrics.precisionAtN(scores: [0.1, 0.2], labels: [0, 1], n: 3)
        }
        #expect(throws: EvaluationError.countOutOfRange(name: "n", found: 0, maximum: 2)) {
            try Metrics.precisionAtN(scores: [0.1, 0.2], labels: [0, 0])
        }
        #expect(throws: EvaluationError.countOutOfRange(name: "k", found: 0, maximum: 2)) {
            try Metrics.topKOverlap([0.1, 0.2], [0.2, 0.1], k: 0)
        }
    }

    @Test("rates, percentiles and constant inputs out of their domain are thrown")
    func otherDomains() {
        #expect(throws: EvaluationError.rateOutOfRange(name: "false-positive budget", found: "1.5")) {
            try Metrics.falsePositiveBudgetThreshold(scores: [0.1, 0.2], labels: [0, 1], budget: 1.5)
        }
        #expect(throws: EvaluationError.percentileOutOfRange(found: "101.0")) { try Metrics.percentile([1, 2], 101) }
        #expect(throws: EvaluationError.percentileOutOfRange(found: "nan")) { try Metrics.percentile([1, 2], .nan) }
        #expect(throws: EvaluationError.constantInput(context: "Spearman correlation")) {
            try Metrics.spearman([1, 1, 1], [1, 2, 3])
        }
        #expect(throws: EvaluationError.constantInput(context: "Spearman correlation")) {
            try Metrics.spearman([1], [2])
        }
    }

    @Test("error descriptions name the metric and say what was expected")
    func descriptions() {
        #expect(EvaluationError.lengthMismatch(context: "ROC-AUC", expected: 2, found: 1).description
            == "ROC-AUC: expected 2 values, as many as the first input has, found 1")
        #expect(EvaluationError.contaminationOutOfRange(found: "0.7").description
            == "invalid contamination: expected a value in (0, 0.5], found 0.7")
        #expect(EvaluationError.invalidLabel(context: "ROC-AUC", index: 3, found: 2).description
            == "ROC-AUC: expected a label of 0 or 1 at index 3, found 2")
    }
}

// MARK: - Helpers

private func expectClose(
    _ actual: Double, _ expected: Double, tolerance: Double = 1e-9,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(abs(actual - expected) <= tolerance, "\(actual) is not within \(tolerance) of \(expected)",
            sourceLocation: sourceLocation)
}

/// NumPy's `median`, for the decision-agreement fixtures.
private func median(_ values: [Double]) throws -> Double {
    try Metrics.percentile(values, 50)
}
