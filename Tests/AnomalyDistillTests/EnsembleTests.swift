import Foundation
import Testing
@testable import AnomalyDistill

@Suite struct EnsembleTests {
    static let members: [any Detector] = [IsolationForest(trees: 50), ECOD(), KNearestNeighbors(k: 5)]

    @Test("combinations of members rank planted outliers first", arguments: [
        (Ensemble.Normalization.zscore, Ensemble.Combination.mean), (.zscore, .max), (.rank, .mean), (.rank, .averageOfMaximum),
    ])
    func convergence(normalization: Ensemble.Normalization, combination: Ensemble.Combination) throws {
        let (x, labels) = PlantedOutliers.make(inliers: 400, outliers: 20, features: 5, seed: 3)
        var random = RandomSource(seed: 11)
        let ensemble = Ensemble(members: Self.members, normalization: normalization, combination: combination, buckets: 2)
        let fitted = try ensemble.fit(x, labels: nil, using: &random)
        let auc = try Metrics.rocAUC(scores: try fitted.scores(x), labels: labels)
        #expect(auc > 0.97)
        #expect(try Metrics.rocAUC(scores: fitted.trainingScores, labels: labels) > 0.97)
    }

    @Test("z-score mean equals the hand-combined standardised member training scores")
    func meanOfZScores() throws {
        let (x, _) = PlantedOutliers.make(inliers: 200, outliers: 5, features: 3, seed: 4)
        var random = RandomSource(seed: 1)
        let fitted = try Ensemble(members: [ECOD(), KNearestNeighbors(k: 3)]).fit(x, labels: nil, using: &random)
        // Members' training scores (kNN leaves each row out of its own neighbours) set the scale.
        let member = fitted.members.map { $0.trainingScores.map(Double.init) }
        func z(_ values: [Double]) -> [Double] {
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            return values.map { ($0 - mean) / std }
        }
        let expected = zip(z(member[0]), z(member[1])).map { Float(($0 + $1) / 2) }
        let actual = fitted.trainingScores
        #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test("rank normalisation gives the mid-rank among training scores")
    func rankScaler() {
        let scaler = MemberScaler(trainingScores: [1, 2, 2, 3], normalization: .rank)
        #expect(scaler.scale([0, 1, 2, 3, 4]) == [0, 0.125, 0.5, 0.875, 1])
    }

    @Test("the same seed gives the same ensemble; a saved ensemble scores identically")
    func reproducibleAndPersistent() throws {
        let (x, _) = PlantedOutliers.make(inliers: 150, outliers: 5, features: 4, seed: 8)
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5)
        let ensemble = Ensemble(members: Self.members, normalization: .rank, combination: .averageOfMaximum, buckets: 2)
        let first = try ensemble.fit(x, labels: nil, using: &a)
        let second = try ensemble.fit(x, labels: nil, using: &b)
        #expect(try first.scores(x) == second.scores(x))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try DetectorFile.write(first, to: url)
        let loaded = try DetectorFile.decode(FittedEnsemble.self, from: ModelFile.read(from: url))
        #expect(try loaded.scores(x) == first.scores(x))
        #expect(loaded.state == first.state)
        let (any, _) = try ModelRegistry.load(from: url)
        #expect(try any.scores(x) == first.scores(x))
    }

    @Test("an empty ensemble, a nested ensemble or bad buckets are clear errors")
    func badConfigurations() {
        #expect(throws: ConfigurationError.self) { try Ensemble(members: []).validate() }
        #expect(throws: ConfigurationError.self) { try Ensemble(members: [ECOD()], buckets: 0).validate() }
        #expect(throws: ConfigurationError.self) { try Ensemble(members: [ECOD()], contamination: 0.6).validate() }
        var options = DetectorOptions()
        options.members = ["ecod", "ensemble"]
        #expect(throws: ConfigurationError.self) { try DetectorCatalog.make("ensemble", options: options) }
        #expect(throws: ConfigurationError.self) { try DetectorCatalog.make("no-such-detector", options: DetectorOptions()) }
    }
}
