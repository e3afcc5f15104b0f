/// What a model file says about its model: the JSON document under `anomaly_distill` in the
/// header's `__metadata__`.
///
/// Keys are snake_case in the file (`format_version`, `created_by`, ...). The typed parts
/// (schema, preprocessing, architecture, training summary, calibration) belong to other layers
/// and are stored as ``JSONValue``s they encode and decode themselves.
public struct ModelMetadata: Codable, Sendable, Equatable {
    /// The format version this library writes and the highest it reads.
    public static let currentFormatVersion = 1

    /// The version of this document's layout; loading rejects versions above ``currentFormatVersion``.
    public var formatVersion: Int
    /// The model kind, e.g. `"isolation_forest"`, `"autoencoder"`, `"student_mlp"`.
    public var kind: String
    /// The library and version that wrote the file, e.g. `"AnomalyDistill 0.1.0"`.
    public var createdBy: String
    /// The feature schema (column names, types, categorical vocabularies).
    public var schema: JSONValue?
    /// Preprocessing statistics (means, scales, medians, one-hot categories).
    public var preprocessing: JSONValue?
    /// The architecture: layer sizes, activations, hyperparameters.
    public var architecture: JSONValue?
    /// A training summary: teacher, data fingerprint, metrics.
    public var training: JSONValue?
    /// The decision threshold on scores (higher = more anomalous), as PyOD's `threshold_`.
    public var threshold: Double?
    /// How scores map to probabilities (for example a logistic fit on training scores).
    public var calibration: JSONValue?

    public init(
        formatVersion: Int = ModelMetadata.currentFormatVersion,
        kind: String,
        createdBy: String = "AnomalyDistill",
        schema: JSONValue? = nil,
        preprocessing: JSONValue? = nil,
        architecture: JSONValue? = nil,
        training: JSONValue? = nil,
        threshold: Double? = nil,
        calibration: JSONValue? = nil
    ) {
        self.formatVersion = formatVersion
        self.kind = kind
        self.createdBy = createdBy
        self.schema = schema
        self.preprocessing = preprocessing
        self.architecture = architecture
        self.training = training
        self.threshold = threshold
        self.calibration = calibration
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case kind
        case createdBy = "created_by"
        case schema, preprocessing, architecture, training, threshold, calibration
    }
}
