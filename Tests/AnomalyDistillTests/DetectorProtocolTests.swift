import Foundation
import Testing
@testable import AnomalyDistill

@Suite struct DetectorProtocolTests {
    static func state(_ scores: [Float], contamination: Double = 0.25) throws -> DetectorState {
        try DetectorState(trainingScores: scores, contamination: contamination, featureCount: 2)
    }

    @Test("the state holds PyOD's threshold and the training score summary")
    func state() throws {
        let state = try Self.state([1, 2, 3, 4, 5])
        // numpy.percentile([1..5], 75) = 4
        #expect(state.threshold == 4)
        #expect(state.scoreMinimum == 1 && state.scoreMaximum == 5 && state.scoreMean == 3)
        #expect(abs(state.scoreDeviation - 2.0.squareRoot()) < 1e-12)
    }

    @Test("linear probabilities: min-max over the training scores, clipped (PyOD's predict_proba)")
    func linear() throws {
        let state = try Self.state([1, 2, 3, 4, 5])
        let p = FittedECOD.probabilities([0, 1, 3, 5, 9], state: state, method: .linear)
        #expect(p == [0, 0, 0.5, 1, 1])
    }

    @Test("unify probabilities: max(0, erf((s - mean) / (std sqrt 2))) (Kriegel et al. 2011)")
    func unify() throws {
        let state = try Self.state([1, 2, 3, 4, 5])
        let p = FittedECOD.probabilities([2, 3, 5], state: state, method: .unify)
        #expect(p[0] == 0 && p[1] == 0)
        #expect(abs(p[2] - erf(2 / (2.0.squareRoot() * 2.0.squareRoot()))) < 1e-12)
    }

    @Test("non-finite training scores, no rows and a bad contamination are errors", arguments: [0.0, 0.51, -1])
    func badState(contamination: Double) {
        #expect(throws: ConfigurationError.self) { try Self.state([1, 2], contamination: contamination) }
    }

    @Test("non-finite or missing training scores are training errors")
    func badScores() {
        #expect(throws: TrainingError.self) { try Self.state([1, .nan]) }
        #expect(throws: TrainingError.self) { try Self.state([]) }
    }

    @Test("predict flags rows strictly above the threshold")
    func predict() throws {
        let (x, labels) = PlantedOutliers.make(inliers: 200, outliers: 10, features: 3, seed: 12)
        var random = RandomSource(seed: 0)
        let fitted = try ECOD(contamination: 0.05).fit(x, labels: nil, using: &random)
        let decisions = try fitted.predict(x)
        let scores = try fitted.scores(x)
        #expect(decisions == scores.map { Double($0) > fitted.threshold ? 1 : 0 })
        #expect(zip(decisions, labels).filter { $0 == 1 && $1 == 1 }.count >= 8)
    }

    @Test("every catalog detector builds and validates with default options", arguments: DetectorCatalog.names)
    func catalog(name: String) throws {
        var options = DetectorOptions()
        if name == "ensemble" { options.members = ["iforest", "ecod"] }
        if name == "conv-autoencoder" {  // it reads lag windows, so it needs their length
            options.windowSteps = 10
            options.lagWindows = true
        }
        let detector = try DetectorCatalog.make(name, options: options)
        #expect(detector.contamination == 0.1)
    }

    @Test("every fitted detector type is registered for loading under each of its kinds, no kind twice")
    func registry() {
        #expect(ModelRegistry.registry.count == ModelRegistry.builtIn.reduce(0) { $0 + $1.kinds.count })
        for type in ModelRegistry.builtIn {
            for kind in type.kinds { #expect(ModelRegistry.registry[kind].map { $0 == type } == true, "\(kind)") }
        }
        #expect(ModelRegistry.registry["student_linear"].map { $0 == FittedStudent.self } == true)
    }
}
