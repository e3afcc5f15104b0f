import Foundation

/// Saving and loading fitted detectors as model files.
///
/// The file's tensors are the detector's own plus `training_scores`; the metadata's
/// `architecture` is the detector's document and `calibration` holds the ``DetectorState``.
public enum DetectorFile {
    /// The fitted detector types of this folder (the teachers an ensemble may hold), by `kind`. Add each
    /// new detector here. Students live above (`Distillation/`); ``ModelRegistry`` in `Pipeline/` knows every
    /// kind a model file may hold.
    public static let detectors: [any FittedDetector.Type] = [
        FittedIsolationForest.self, FittedECOD.self, FittedKNearestNeighbors.self, FittedEnsemble.self,
        FittedAutoencoder.self, FittedDeepSVDD.self, FittedSupervisedNetwork.self, FittedMOGAAL.self,
        FittedDiscrepancy.self, FittedGradientBoosting.self, FittedPCA.self,
    ]

    /// ``detectors`` by kind.
    public static let registry: [String: any FittedDetector.Type] = Dictionary(
        detectors.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })

    /// The model file of a fitted detector, with the preprocessing and schema that produced its input.
    public static func encode(_ detector: some FittedDetector, preprocessor: Preprocessor? = nil,
                              training: JSONValue? = nil) throws -> (metadata: ModelMetadata, tensors: [Tensor]) {
        let (tensors, architecture) = try detector.encode()
        let metadata = ModelMetadata(
            kind: detector.modelKind,
            schema: try preprocessor.map { try JSONValue(encoding: $0.schema) },
            preprocessing: try preprocessor.map { try JSONValue(encoding: $0) },
            architecture: architecture,
            training: training,
            threshold: detector.state.threshold,
            calibration: try JSONValue(encoding: detector.state))
        return (metadata, tensors + [Tensor(name: "training_scores", vector: detector.trainingScores)])
    }

    /// Writes a fitted detector to `url`.
    public static func write(_ detector: some FittedDetector, preprocessor: Preprocessor? = nil,
                             training: JSONValue? = nil, to url: URL) throws {
        let (metadata, tensors) = try encode(detector, preprocessor: preprocessor, training: training)
        try ModelFile.write(tensors: tensors, metadata: metadata, to: url)
    }

    /// Reads a fitted detector of the given type.
    public static func decode<D: FittedDetector>(_ type: D.Type, from file: ModelFile) throws -> D {
        guard D.kinds.contains(file.metadata.kind) else {
            throw ModelError.wrongModelKind(file: file.file, expected: D.kind, found: file.metadata.kind)
        }
        guard let detector = try decodeAny(D.self, file) as? D else {
            throw ModelError.wrongModelKind(file: file.file, expected: D.kind, found: file.metadata.kind)
        }
        return detector
    }

    static func decodeAny(_ type: any FittedDetector.Type, _ file: ModelFile) throws -> any FittedDetector {
        guard let calibration = file.metadata.calibration else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected \"calibration\" with the detector state, found none")
        }
        let state: DetectorState
        do {
            state = try calibration.decode(DetectorState.self)
        } catch {
            throw ModelError.invalidMetadata(file: file.file, reason: "\"calibration\" is not a detector state: \(error)")
        }
        do {
            let scores = try file.tensor(named: "training_scores").floats()
            return try type.init(decoding: file, state: state, trainingScores: scores)
        } catch let ModelError.wrongDType(tensor, expected, found) {
            throw ModelError.invalidMetadata(file: file.file, reason: "tensor \(tensor.debugDescription): expected dtype \(expected), found \(found)")
        } catch let ModelError.wrongRank(tensor, expected, shape) {
            throw ModelError.invalidMetadata(file: file.file, reason: "tensor \(tensor.debugDescription): expected \(expected) dimensions, found shape \(shape)")
        } catch let error as ConfigurationError {
            throw ModelError.invalidMetadata(file: file.file, reason: "\(error)")
        }
    }
}
