/// A student distilled from a teacher: a small network whose output, the logit `u`, is its anomaly
/// score (higher = more anomalous), with its own threshold re-fitted on its training-row scores at
/// the teacher's contamination (Hinton et al. 2015; DESIGN.md, *Distillation*).
///
/// One type for both shapes: a multilayer perceptron (kind `student_mlp`) or a linear model `u = w·x + b`
/// (kind `student_linear`); ``shape`` says which, and the model file keeps the kind. It saves to and loads
/// from model files through ``DetectorFile``, with the preprocessor, so a saved student scores raw rows.
public struct FittedStudent: NetworkScorer, AttributingDetector {
    /// The student's shape, named as its model file's kind.
    public enum Shape: String, Codable, Sendable, CaseIterable {
        case mlp = "student_mlp"
        case linear = "student_linear"
    }

    public static let kind = Shape.mlp.rawValue
    public static var kinds: [String] { Shape.allCases.map(\.rawValue) }
    public var modelKind: String { shape.rawValue }

    /// Perceptron or linear.
    public var shape: Shape
    /// The trained network (features → logit).
    public var network: Network
    /// How the teacher's scores were turned into the logits and soft targets the student learned.
    public var softTargets: SoftTargets
    public var state: DetectorState
    public var trainingScores: [Float]
    /// The distilled explanation (``ExplanationHead``): features → the teacher's contributions as the student learned
    /// them; `nil` explains by integrated gradients of ``network``.
    public var explainer: Network?
    /// How ``explainer`` reads the features (its heavy-tailed columns squashed); identity without a head.
    public var explainerInputs: ExplanationHead.Inputs

    /// A student from its parts.
    public init(shape: Shape, network: Network, softTargets: SoftTargets, state: DetectorState, trainingScores: [Float],
                explainer: Network? = nil, explainerInputs: ExplanationHead.Inputs = .identity) {
        self.shape = shape
        self.network = network
        self.softTargets = softTargets
        self.state = state
        self.trainingScores = trainingScores
        self.explainer = explainer
        self.explainerInputs = explainerInputs
    }

    /// How it explains its rows.
    public var explanation: StudentExplanation {
        explainer == nil ? .gradients : explainerInputs.columns.isEmpty ? .distilled : .distilledTails
    }
}

extension FittedStudent {
    /// The logit `u` of each row: the score (higher = more anomalous).
    ///
    /// - Throws: `DataError.schemaMismatch` when `x` has another number of columns.
    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        return NeuralScoring.outputs(network, x).scalars
    }

    /// `σ(u)`: the student's probability, on the teacher's logit scale, that each row is an anomaly
    /// (0.5 at the teacher's threshold).
    public func logitProbabilities(_ x: Matrix) throws -> [Float] {
        try scores(x).map(Logistic.sigmoid)
    }

    /// The student network: its one output is the score.
    public var scoringNetwork: Network { network }

    /// The student network's dense arithmetic.
    public var flopsPerRow: Double { network.denseFLOPs }

    /// Each row's contributions: the distilled explanation's when the student has one (its reference is the score
    /// minus their sum), otherwise integrated gradients of the score from `baseline`.
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        guard let explainer else { return try integratedGradients(x, baseline: baseline) }
        return ExplanationHead.attributions(explainer, inputs: explainerInputs, x, scores: try scores(x))
    }

    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        (network.tensors(prefix: "network.") + (explainer?.tensors(prefix: "explainer.") ?? []),
         try JSONValue(encoding: StudentDocument(network: network.architecture, softTargets: softTargets,
                                                 explainer: explainer?.architecture,
                                                 explainerInputs: explainer == nil || explainerInputs.columns.isEmpty
                                                    ? nil : explainerInputs)))
    }

    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        guard let document = file.metadata.architecture,
              let architecture = try? document.decode(StudentDocument.self) else {
            throw ModelError.invalidMetadata(
                file: file.file, reason: "expected a student architecture (network and soft targets)")
        }
        let network = try NeuralScoring.decodeNetwork(file, architecture: architecture.network,
                                                      featureCount: state.featureCount)
        guard network.outputWidth == 1 else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected one logit output, found \(network.outputWidth)")
        }
        let explainer = try architecture.explainer.map { head in
            let network = try Network(architecture: head, tensors: file.tensors, prefix: "explainer.", file: file.file)
            guard head.inputWidth == state.featureCount && network.outputWidth == state.featureCount else {
                throw ModelError.invalidMetadata(file: file.file, reason: "expected an explanation head from \(state.featureCount) "
                                                 + "features to as many contributions, found \(head.inputWidth) → \(network.outputWidth)")
            }
            return network
        }
        let inputs = architecture.explainerInputs ?? .identity
        try inputs.validate(featureCount: state.featureCount, file: file.file)
        self.init(shape: Shape(rawValue: file.metadata.kind) ?? .mlp, network: network, softTargets: architecture.softTargets,
                  state: state, trainingScores: trainingScores, explainer: explainer, explainerInputs: inputs)
    }
}

/// The architecture document of a student model file.
struct StudentDocument: Codable {
    var network: NetworkArchitecture
    var softTargets: SoftTargets
    /// The distilled explanation's network, if any (absent in older files).
    var explainer: NetworkArchitecture?
    /// The columns the explanation head squashes (absent: none, and in files older than the squash).
    var explainerInputs: ExplanationHead.Inputs?

    enum CodingKeys: String, CodingKey {
        case network, explainer
        case softTargets = "soft_targets"
        case explainerInputs = "explainer_inputs"
    }
}
