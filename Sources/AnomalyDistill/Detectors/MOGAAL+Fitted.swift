/// A fitted ``MOGAAL``: the training rows' min–max scaling and the discriminator. The generators are
/// not kept; scoring needs only `D`.
///
/// The score of a row is `1 − D(x)` (the paper's `OS(x)`; PyOD's `MO_GAAL.decision_function` returns
/// `D(x)` instead, pyod issue #119), computed as `σ(−logit)`. Scoring is deterministic (the
/// discriminator has no dropout or batch norm).
public struct FittedMOGAAL: FittedDetector {
    public static let kind = "mo_gaal"

    /// `d → h` ReLU `→ 1`, outputting the logit of "real".
    public let discriminator: Network
    /// The training rows' scaling to `[0, 1]`, applied before the discriminator.
    public let scaler: MinMaxScaler
    /// The number of sub-generators it was trained with (for the record).
    public let subGenerators: Int
    public internal(set) var state: DetectorState
    public internal(set) var trainingScores: [Float]

    /// The discriminator's dense arithmetic (the generators do not score).
    public var flopsPerRow: Double { discriminator.denseFLOPs }

    /// Rows scored per forward pass, bounding memory on large inputs.
    static let chunk = 8192

    init(
        discriminator: Network, scaler: MinMaxScaler, subGenerators: Int, state: DetectorState,
        trainingScores: [Float]
    ) {
        self.discriminator = discriminator
        self.scaler = scaler
        self.subGenerators = subGenerators
        self.state = state
        self.trainingScores = trainingScores
    }

    /// `1 − D(x)` for each row of `x` (PyOD's `decision_function`, with the paper's sign).
    ///
    /// - Throws: `DataError.schemaMismatch` when `x` has another number of columns.
    /// - Complexity: O(rows · d · h).
    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        return scaledScores(scaler.transform(x))
    }

    /// Scores of rows already scaled.
    func scaledScores(_ x: Matrix) -> [Float] {
        var network = discriminator
        var scores: [Float] = []
        scores.reserveCapacity(x.rows)
        var start = 0
        while start < x.rows {
            let end = min(start + Self.chunk, x.rows)
            let part = start == 0 && end == x.rows ? x : x.rows(at: start..<end)
            let logits = network.forward(part, training: false)
            for logit in logits.scalars { scores.append(Sigmoid.sigmoid(-logit)) }
            start = end
        }
        return scores
    }

    /// The document saved as the model file's `architecture`.
    struct Architecture: Codable {
        var discriminator: NetworkArchitecture
        var scaling: String
        var subGenerators: Int
        var score: String

        enum CodingKeys: String, CodingKey {
            case discriminator, scaling, score
            case subGenerators = "sub_generators"
        }
    }

    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        let tensors =
            discriminator.tensors(prefix: "discriminator.") + [
                Tensor(name: "scaler.minimum", vector: scaler.minimum),
                Tensor(name: "scaler.scale", vector: scaler.scale),
            ]
        let architecture = Architecture(
            discriminator: discriminator.architecture, scaling: "min_max", subGenerators: subGenerators,
            score: "1 - sigmoid(discriminator(scale(x)))")
        return (tensors, try JSONValue(encoding: architecture))
    }

    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        guard let document = file.metadata.architecture else {
            throw ModelError.invalidMetadata(
                file: file.file, reason: "expected an \"architecture\" for mo_gaal, found none")
        }
        let architecture: Architecture
        do {
            architecture = try document.decode(Architecture.self)
        } catch {
            throw ModelError.invalidMetadata(
                file: file.file, reason: "\"architecture\" is not a mo_gaal architecture: \(error)")
        }
        guard architecture.scaling == "min_max" else {
            throw ModelError.invalidMetadata(
                file: file.file, reason: "expected scaling \"min_max\", found \"\(architecture.scaling)\"")
        }
        let width = state.featureCount
        guard architecture.discriminator.inputWidth == width, architecture.discriminator.outputWidth == 1 else {
            throw ModelError.invalidMetadata(
                file: file.file,
                reason: "expected a discriminator from \(width) features to 1 output, found "
                    + "\(architecture.discriminator.inputWidth) → \(architecture.discriminator.outputWidth)")
        }
        let network: Network
        do {
            network = try Network(
                architecture: architecture.discriminator, tensors: file.tensors,
                prefix: "discriminator.", file: file.file)
        } catch let error as DataError {
            throw ModelError.invalidMetadata(file: file.file, reason: "bad discriminator architecture: \(error)")
        }
        var vectors: [[Float]] = []
        for name in ["scaler.minimum", "scaler.scale"] {
            let values = try file.tensor(named: name, shape: [width]).floats()
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.nonFiniteWeight(file: file.file, tensor: name, index: bad)
            }
            vectors.append(values)
        }
        self.init(
            discriminator: network, scaler: MinMaxScaler(minimum: vectors[0], scale: vectors[1]),
            subGenerators: architecture.subGenerators, state: state, trainingScores: trainingScores)
    }
}
