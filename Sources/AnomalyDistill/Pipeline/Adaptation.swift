import Foundation

/// How a student was made, kept in its model file (`training.recipe`) so that ``Adaptation`` can make it again
/// on new data: the teacher by name and options, the window, and the distillation settings.
public struct DistillationRecipe: Codable, Sendable, Equatable {
    /// The teacher's catalog name (``DetectorCatalog``) and options.
    public var teacher: String
    public var teacherOptions: DetectorOptions
    /// The window the rows went through, or `nil`.
    public var window: WindowRequest?
    /// The student's shape (``StudentArchitecture`` as written on the command line) and how it learned.
    public var student: String
    public var objective: Distiller.Objective
    public var temperature: Double
    public var softWeight: Double
    public var augmentation: TransferSet.Augmentation
    public var probeRatio: Double
    public var epochs: Int
    /// The training rows or synthetic rows (`nil` in files written before synthetic transfer: the rows).
    public var transfer: TransferSet.Source?
    /// How the student explains (`nil` in files written before distilled explanations: gradients).
    public var explanation: StudentExplanation?

    public init(teacher: String, teacherOptions: DetectorOptions, window: WindowRequest?, distiller: Distiller) {
        self.teacher = teacher
        self.teacherOptions = teacherOptions
        self.window = window
        student = distiller.student.description
        objective = distiller.objective
        temperature = distiller.temperature
        softWeight = distiller.softWeight
        augmentation = distiller.transfer.augmentation
        probeRatio = distiller.transfer.ratio
        epochs = distiller.training.epochs
        transfer = distiller.transfer.source
        explanation = distiller.explanation
    }

    enum CodingKeys: String, CodingKey {
        case teacher, window, student, objective, temperature, augmentation, epochs, transfer, explanation
        case teacherOptions = "teacher_options"
        case softWeight = "soft_weight"
        case probeRatio = "probe_ratio"
    }

    /// The distiller these settings describe, for a student of `architecture`.
    public func distiller(scaling: Preprocessor.Scaling) throws -> Distiller {
        var distiller = Distiller.defaults(for: scaling)
        distiller.student = try StudentArchitecture(parsing: student)
        distiller.objective = objective
        distiller.temperature = temperature
        distiller.softWeight = softWeight
        distiller.transfer.augmentation = augmentation
        distiller.transfer.ratio = probeRatio
        distiller.training.epochs = epochs
        distiller.transfer.source = transfer ?? .rows
        distiller.explanation = explanation ?? .gradients
        return distiller
    }

    /// The recipe in a model file's training summary (`nil` when the file has none).
    /// - Throws: `ModelError.invalidMetadata` for a recipe that does not decode.
    public static func stored(in metadata: ModelMetadata, file: String) throws -> DistillationRecipe? {
        guard let value = metadata.training?["recipe"] else { return nil }
        do {
            return try value.decode(DistillationRecipe.self)
        } catch {
            throw ModelError.invalidMetadata(file: file, reason: "\"training.recipe\" is not a distillation recipe: \(error)")
        }
    }
}

/// Adaptive re-distillation: a student's teacher fitted again on recent data, and the student distilled from it
/// starting from its old weights, so that a detector follows a process whose normal operation has moved.
public enum Adaptation {
    /// Fits the student's teacher (its recipe's detector, options and window) on `recent` and distils a new
    /// student from it, warm-started from the old one.
    ///
    /// - Parameters:
    ///   - student: The file of a student written by `run` (it holds the recipe), read already.
    ///   - recent: The recent rows (normal operation; with a test fraction, the rest judge the result).
    ///   - seed: Seeds the teacher and the distillation.
    ///   - epochs: The most student epochs (`nil`: the recipe's); early stopping ends sooner.
    ///   - trim: The share of the recent rows, in [0, 0.5), that the teacher fitted on all of them scores highest
    ///     and that are left out of a second fit (recent data with anomalies in it: they should not become normal).
    /// - Returns: The run (new teacher, new student, preprocessing and window fitted on `recent`).
    /// - Throws: `ModelError.invalidMetadata` for a file without a recipe, `DataError.schemaMismatch` or
    ///   `DataError.missingColumn` naming the column when `recent` does not have the model's columns; what the
    ///   teacher and the distillation throw.
    public static func adapt(student file: ModelFile, recent: DataSource, seed: UInt64, epochs: Int? = nil,
                             trim: Double = 0, options: ReadOptions = ReadOptions()) throws -> DistillationRunResult {
        let (detector, stored) = try ModelRegistry.decode(file)
        guard let old = detector as? FittedStudent, let preprocessor = stored else {
            throw ModelError.wrongModelKind(file: file.file, expected: "a student (from run or distill)",
                                            found: detector.modelKind)
        }
        guard let recipe = try DistillationRecipe.stored(in: file.metadata, file: file.file) else {
            throw ModelError.invalidMetadata(
                file: file.file, reason: "expected the recipe the student was made with (\"training.recipe\", written by run), found none")
        }
        let teacher = try DetectorCatalog.make(recipe.teacher, options: recipe.teacherOptions)
        var distiller = try recipe.distiller(scaling: teacher.inputScaling)
        // The old student's shape, so its weights fit.
        let widths = old.network.architecture.layers.compactMap { layer -> Int? in
            if case let .dense(_, outputs, _) = layer { return outputs }
            return nil
        }.dropLast()
        distiller.student = widths.isEmpty ? .linear : .mlp(hidden: Array(widths))
        if let epochs { distiller.training.epochs = epochs }
        // The recent data must have the columns the model reads, of the same kinds.
        var read = options
        read.schema = preprocessor.inputSchema
        return try DistillationRun.run(teacher: teacher, distiller: distiller, source: recent, options: read,
                                       window: recipe.window, seed: seed, useLabels: false, warmStart: old, trim: trim)
    }
}
