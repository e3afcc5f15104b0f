import Foundation
import Testing

@testable import AnomalyDistill

/// Warm starts and the distillation recipe behind adaptive re-distillation.
@Suite struct AdaptationTests {
    static func fitted() throws -> (x: Matrix, teacher: FittedPCA) {
        let data = PlantedOutliers.make(inliers: 400, outliers: 10, features: 4, seed: 6)
        var random = RandomSource(seed: 1)
        return (data.x, try PCA().fit(data.x, using: &random))
    }

    @Test("a warm start begins from the old student's weights; one of another shape is not used")
    func warmStart() throws {
        let (x, teacher) = try Self.fitted()
        var random = RandomSource(seed: 2)
        let old = try Distiller(student: .mlp(hidden: [8]), epochs: 30, rowsPerEpoch: 2_000)
            .distill(teacher: teacher, x: x, using: &random)
        // A learning rate too small to move the weights: the warm student scores as the old one.
        var still = Distiller(student: .mlp(hidden: [8]), epochs: 1, learningRate: 1e-12, rowsPerEpoch: 200)
        var a = RandomSource(seed: 3), b = RandomSource(seed: 3)
        let warm = try still.distill(teacher: teacher, x: x, warmStart: old, using: &a)
        let warmScores = try warm.scores(x), oldScores = try old.scores(x)
        #expect(zip(warmScores, oldScores).allSatisfy { abs($0 - $1) < 1e-4 })
        let cold = try still.distill(teacher: teacher, x: x, using: &b)
        #expect(try cold.scores(x) != warmScores)
        // Another shape: the same student as without a warm start.
        still.student = .mlp(hidden: [5])
        var c = RandomSource(seed: 3), d = RandomSource(seed: 3)
        #expect(try still.distill(teacher: teacher, x: x, warmStart: old, using: &c).scores(x)
                == (try still.distill(teacher: teacher, x: x, using: &d).scores(x)))
    }

    @Test("a recipe rebuilds its distiller and round-trips through JSON")
    func recipe() throws {
        var distiller = Distiller.defaults(for: .standard)
        distiller.student = .mlp(hidden: [16, 8])
        distiller.temperature = 3
        distiller.training.epochs = 40
        var options = DetectorOptions(contamination: 0.02)
        options.variance = 0.9
        let recipe = DistillationRecipe(teacher: "pca", teacherOptions: options,
                                        window: WindowRequest(length: 12, features: .lags, timeColumn: "t"),
                                        distiller: distiller)
        let decoded = try JSONValue(encoding: recipe).decode(DistillationRecipe.self)
        #expect(decoded == recipe)
        let rebuilt = try decoded.distiller(scaling: .standard)
        #expect(rebuilt.student.description == "mlp:16,8" && rebuilt.temperature == 3 && rebuilt.training.epochs == 40)
        let metadata = ModelMetadata(kind: "student_mlp", training: ["recipe": try JSONValue(encoding: recipe)])
        #expect(try DistillationRecipe.stored(in: metadata, file: "m") == recipe)
        #expect(try DistillationRecipe.stored(in: ModelMetadata(kind: "student_mlp"), file: "m") == nil)
        let broken = ModelMetadata(kind: "student_mlp", training: ["recipe": "pca"])
        #expect(throws: ModelError.self) { try DistillationRecipe.stored(in: broken, file: "m") }
    }
}
