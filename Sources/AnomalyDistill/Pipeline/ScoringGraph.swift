/// A ``ScoringModel``'s computation written out as data — input columns, preprocessing, folded dense stages,
/// the score's head, the threshold and the probability scale — for exporters (ONNX) that rebuild it in another
/// runtime. It holds exactly what ``ScoringModel`` computes with, so an exported model scores as `score` does.
///
/// **Inputs.** One per feature column, in ``ScoringModel/featureNames`` order. A numeric column's value `x` (NaN
/// = missing) becomes `x′ = (x missing ? median : x) − center` when ``foldsInputScale`` (the `1 / scale` is in
/// the first stage's weights, as the compiled scorer does), and `(x − center) · (1 / scale)` with missing →
/// `fill` otherwise (as ``ScoringModel/matrix(_:)``). A categorical column becomes one-hot over its categories
/// plus the unseen slot; a missing value (``ReadOptions/missingTokens``) is all zeros.
///
/// **Outputs.** `score` from ``score``; `probability = σ((score − threshold) / probabilityScale)`;
/// `is_anomaly = score > threshold`, both in `Float` (``ScoringModel/decisionThreshold``).
public struct ScoringGraph: Sendable {
    /// One input column.
    public enum Column: Sendable {
        case numeric(ScoringModel.NumericFeature)
        case categorical(ScoringModel.CategoricalFeature)

        public var name: String {
            switch self {
            case let .numeric(feature): feature.name
            case let .categorical(feature): feature.name
            }
        }
    }

    /// How the score is computed from the preprocessed row `v`.
    public enum Score: Sendable {
        /// The network's one output (students, the supervised network); the first stage holds `1 / scale`.
        case network(FoldedNetwork)
        /// The autoencoder's: `u = (v − mean) / scale`, then the mean over the networks of `‖u − net(u)‖₂`.
        case reconstruction(networks: [FoldedNetwork], mean: [Float], scale: [Float])
        /// Deep SVDD's: `‖net(v) − centre‖²`.
        case centreDistance(network: FoldedNetwork, centre: [Float])
    }

    /// The input columns, in feature order.
    public let columns: [Column]
    /// The score's computation.
    public let score: Score
    /// `score > threshold` flags a row (the model's ``ScoringModel/decisionThreshold``).
    public let threshold: Float
    /// The threshold as the model holds it, in `Double` (what `threshold` rounds down from).
    public let exactThreshold: Double
    /// `σ_train`, the divisor in the probability.
    public let probabilityScale: Float
    /// The model kind (`student_mlp`, ...).
    public let kind: String

    /// Whether numeric inputs are only centred, their `1 / scale` being folded into the first stage.
    public var foldsInputScale: Bool {
        if case .network = score { true } else { false }
    }

    /// The model kinds that can be written as a graph.
    public static let exportableKinds = FittedStudent.kinds + [FittedSupervisedNetwork.kind, FittedAutoencoder.kind,
                                                                FittedDeepSVDD.kind]
}

/// Why a model cannot be written as a ``ScoringGraph``.
public enum ExportError: Error, Equatable, CustomStringConvertible {
    /// The model's kind has no graph form (trees, ECOD, kNN, ensembles, MO-GAAL, the discrepancy detector).
    case unsupportedKind(String)
    /// A network with a layer that does not fold into dense stages.
    case unsupportedLayers(kind: String)
    /// A feature column named like one of the exported model's own values (`score`, `probability`, `is_anomaly`).
    case reservedColumnName(String)

    public var description: String {
        switch self {
        case let .unsupportedKind(kind):
            "a model of kind \(kind) cannot be exported: only networks can (\(ScoringGraph.exportableKinds.joined(separator: ", "))); distil a student from it (anomaly-distill distill) and export the student"
        case let .unsupportedLayers(kind):
            "the \(kind) network has a layer that does not fold into dense stages (a batch normalisation or activation that does not follow a dense layer), so it cannot be exported"
        case let .reservedColumnName(name):
            "the feature column \(DataError.quoted(name)) has the name of one of the exported model's outputs (score, probability, is_anomaly); rename the column and refit to export"
        }
    }
}

extension ScoringModel {
    /// The model's computation as a ``ScoringGraph``.
    ///
    /// - Throws: `ExportError.unsupportedKind` for a model that is not a network, `.unsupportedLayers` for a
    ///   network that does not fold, `ModelError.windowed` for a model with a window (state between rows).
    public func graph() throws -> ScoringGraph {
        try requireRowModel(for: "ONNX export")
        let columns: [ScoringGraph.Column] = layout.map { item in
            item.numeric ? .numeric(numericFeatures[item.index]) : .categorical(categoricalFeatures[item.index])
        }
        func fold(_ network: Network, inputScale: [Float]? = nil) throws -> FoldedNetwork {
            guard let folded = FoldedNetwork(network, inputScale: inputScale) else {
                throw ExportError.unsupportedLayers(kind: kind)
            }
            return folded
        }
        let score: ScoringGraph.Score
        switch detector {
        case let scorer as any NetworkScorer where scorer.scoringNetwork.outputWidth == 1:
            score = .network(try fold(scorer.scoringNetwork, inputScale: Self.inputScale(layout, numericFeatures)))
        case let autoencoder as FittedAutoencoder:
            score = .reconstruction(networks: try autoencoder.networks.map { try fold($0) },
                                    mean: autoencoder.scaling.mean, scale: autoencoder.scaling.scale)
        case let svdd as FittedDeepSVDD:
            score = .centreDistance(network: try fold(svdd.network), centre: svdd.centre)
        default:
            throw ExportError.unsupportedKind(kind)
        }
        return ScoringGraph(columns: columns, score: score, threshold: decisionThreshold, exactThreshold: threshold,
                            probabilityScale: probabilityScale, kind: kind)
    }

    /// The factor each model input is multiplied by (`1 / scale` for a numeric column, 1 for one-hot slots).
    static func inputScale(_ layout: [(numeric: Bool, index: Int, offset: Int, width: Int)],
                           _ numericFeatures: [NumericFeature]) -> [Float] {
        var scale: [Float] = []
        for item in layout {
            if item.numeric {
                scale.append(numericFeatures[item.index].inverseScale)
            } else {
                scale += [Float](repeating: 1, count: item.width)
            }
        }
        return scale
    }
}
