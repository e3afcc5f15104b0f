import Foundation

/// A fitted ``Discrepancy`` detector: the teacher's encoder, the students and the statistics that
/// turn their outputs into scores.
public struct FittedDiscrepancy: FittedDetector {
    public static let kind = "discrepancy"
    /// The teacher autoencoder's layers up to its bottleneck: standardised row → representation `t`.
    public internal(set) var encoder: Network
    /// The students: standardised row → prediction of the normalised representation `t̂`.
    public internal(set) var students: [Network]
    /// The per-column standardisation applied before the encoder and the students (the teacher's).
    var scaling: InputScaling
    /// The per-dimension training mean and standard deviation of `t`: `t̂ = (t − mean) / scale`.
    var targetScaling: InputScaling
    /// `[ē, v̄]` subtracted from the parts before adding them (`[0, 0]` for ``Discrepancy/Combination/sum``).
    public internal(set) var partMean: [Float]
    /// `[σ_e, σ_v]` dividing the parts (`[1, 1]` for ``Discrepancy/Combination/sum``).
    public internal(set) var partScale: [Float]
    public var state: DetectorState
    public var trainingScores: [Float]

    /// The encoder's and every student's dense arithmetic, plus `3 · width` per student for the error and
    /// variance terms.
    public var flopsPerRow: Double {
        let width = Double(encoder.outputWidth)
        return encoder.denseFLOPs + students.reduce(0) { $0 + $1.denseFLOPs + 3 * width }
    }

    init(
        encoder: Network, scaling: InputScaling, targetScaling: InputScaling, students: [Network],
        partMean: [Float], partScale: [Float], state: DetectorState, trainingScores: [Float]
    ) {
        self.encoder = encoder
        self.scaling = scaling
        self.targetScaling = targetScaling
        self.students = students
        self.partMean = partMean
        self.partScale = partScale
        self.state = state
        self.trainingScores = trainingScores
    }

    /// The two parts of the score for each row (Bergmann et al. 2020, eqs. 8–9):
    /// - `error`: `‖μ − t̂‖²`, the squared distance between the students' mean prediction and the
    ///   normalised teacher representation;
    /// - `variance`: the mean over dimensions of the (population) variance of the students' predictions.
    ///
    /// - Throws: `DataError.schemaMismatch` when `x` has another number of columns.
    /// - Complexity: O(rows · (encoder + students) parameters).
    public func parts(_ x: Matrix) throws -> (error: [Float], variance: [Float]) {
        try checkWidth(x)
        return parts(standardized: scaling.apply(x))
    }

    /// The normalised teacher representation `t̂` of each row.
    public func teacherRepresentation(_ x: Matrix) throws -> Matrix {
        try checkWidth(x)
        return targetScaling.apply(NeuralScoring.outputs(encoder, scaling.apply(x)))
    }

    /// Each student's prediction of `t̂` for each row.
    public func studentPredictions(_ x: Matrix) throws -> [Matrix] {
        try checkWidth(x)
        let inputs = scaling.apply(x)
        return students.map { NeuralScoring.outputs($0, inputs) }
    }

    /// The score of each row: ``parts(_:)`` combined as the detector's ``Discrepancy/Combination``
    /// says; higher = more anomalous.
    ///
    /// - Throws: `DataError.schemaMismatch` when `x` has another number of columns.
    public func scores(_ x: Matrix) throws -> [Float] {
        combine(try parts(x))
    }

    func parts(standardized inputs: Matrix) -> (error: [Float], variance: [Float]) {
        let targets = targetScaling.apply(NeuralScoring.outputs(encoder, inputs))
        let predictions = students.map { NeuralScoring.outputs($0, inputs) }
        let width = targets.columns, count = Float(predictions.count)
        var error = [Float](repeating: 0, count: inputs.rows), variance = error
        var mean = [Float](repeating: 0, count: width)
        for r in 0..<inputs.rows {
            let base = r * width
            for k in 0..<width { mean[k] = 0 }
            for prediction in predictions {
                for k in 0..<width { mean[k] += prediction.scalars[base + k] }
            }
            var e: Float = 0, v: Float = 0
            for k in 0..<width {
                mean[k] /= count
                let d = mean[k] - targets.scalars[base + k]
                e += d * d
            }
            for prediction in predictions {
                for k in 0..<width {
                    let d = prediction.scalars[base + k] - mean[k]
                    v += d * d
                }
            }
            error[r] = e
            variance[r] = v / (count * Float(width))
        }
        return (error, variance)
    }

    func combine(_ parts: (error: [Float], variance: [Float])) -> [Float] {
        zip(parts.error, parts.variance).map { e, v in
            (e - partMean[0]) / partScale[0] + (v - partMean[1]) / partScale[1]
        }
    }

    struct Architecture: Codable {
        var encoder: NetworkArchitecture
        var student: NetworkArchitecture
        var students: Int
    }

    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        let networks =
            encoder.tensors(prefix: "teacher.")
            + students.enumerated().flatMap { index, student in student.tensors(prefix: "students.\(index).") }
        return (
            networks + [
                Tensor(name: "input_mean", vector: scaling.mean), Tensor(name: "input_scale", vector: scaling.scale),
                Tensor(name: "target_mean", vector: targetScaling.mean),
                Tensor(name: "target_scale", vector: targetScaling.scale),
                Tensor(name: "part_mean", vector: partMean), Tensor(name: "part_scale", vector: partScale),
            ],
            try JSONValue(
                encoding: Architecture(
                    encoder: encoder.architecture, student: students[0].architecture,
                    students: students.count))
        )
    }

    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        guard let document = file.metadata.architecture, let architecture = try? document.decode(Architecture.self),
            architecture.students >= 1
        else {
            throw ModelError.invalidMetadata(
                file: file.file,
                reason: "expected a discrepancy architecture with \"encoder\", \"student\" and \"students\" ≥ 1")
        }
        let width = state.featureCount
        guard architecture.encoder.inputWidth == width, architecture.student.inputWidth == width,
            architecture.student.outputWidth == architecture.encoder.outputWidth
        else {
            throw ModelError.invalidMetadata(
                file: file.file,
                reason: "expected an encoder and students over \(width) features with the same output width")
        }
        let encoder: Network, students: [Network]
        do {
            encoder = try Network(
                architecture: architecture.encoder, tensors: file.tensors, prefix: "teacher.",
                file: file.file)
            students = try (0..<architecture.students).map { index in
                try Network(
                    architecture: architecture.student, tensors: file.tensors, prefix: "students.\(index).",
                    file: file.file)
            }
        } catch let error as DataError {
            throw ModelError.invalidMetadata(file: file.file, reason: "invalid network architecture: \(error)")
        }
        func vector(_ name: String, _ count: Int, positive: Bool = false) throws -> [Float] {
            let values = try file.tensor(named: name, shape: [count]).floats()
            if let bad = values.firstIndex(where: { !$0.isFinite || (positive && $0 <= 0) }) {
                throw ModelError.nonFiniteWeight(file: file.file, tensor: name, index: bad)
            }
            return values
        }
        let representation = encoder.outputWidth
        self.init(
            encoder: encoder,
            scaling: InputScaling(
                mean: try vector("input_mean", width), scale: try vector("input_scale", width, positive: true)),
            targetScaling: InputScaling(
                mean: try vector("target_mean", representation),
                scale: try vector("target_scale", representation, positive: true)),
            students: students, partMean: try vector("part_mean", 2),
            partScale: try vector("part_scale", 2, positive: true),
            state: state, trainingScores: trainingScores)
    }
}
