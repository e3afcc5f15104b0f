/// Per-row, per-feature contributions to a detector's score: why a row scores as it does.
///
/// `contributions[r, j]` is feature `j`'s share of row `r`'s score above the detector's reference, so that
/// `Σ_j contributions[r, j] = scores[r] − references[r]` (exactly for ECOD and the isolation forest, within
/// the integration tolerance for networks). Positive = pushes the row towards "anomaly".
public struct FeatureAttributions: Sendable {
    /// rows × features (the preprocessed features the detector sees).
    public var contributions: Matrix
    /// The detector's score of each row.
    public var scores: [Float]
    /// What each row's contributions are measured from (a baseline's score, or 0).
    public var references: [Float]

    public init(contributions: Matrix, scores: [Float], references: [Float]) {
        self.contributions = contributions
        self.scores = scores
        self.references = references
    }
}

/// A fitted detector that can say which features make a row's score.
///
/// Implementations: networks (students, the supervised network, the autoencoder, Deep SVDD) by integrated
/// gradients from a baseline row (Sundararajan et al. 2017); ECOD by its per-feature tail terms (Li et al.
/// 2022); the isolation forest by how much each feature's splits isolate the row along its paths; ensembles by
/// their members' contributions, normalised as the ensemble normalises their scores.
public protocol AttributingDetector: FittedDetector {
    /// The contributions of each row's features to its score.
    ///
    /// - Parameters:
    ///   - x: Preprocessed rows.
    ///   - baseline: The reference row for path methods (the training median in the preprocessed space);
    ///     detectors whose contributions need none ignore it.
    /// - Throws: `DataError.schemaMismatch` for another number of columns; what the scorer throws.
    func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions
}

/// Why a model's rows cannot be explained.
public enum AttributionError: Error, Equatable, CustomStringConvertible {
    /// The kind has no explainer (kNN, MO-GAAL, the discrepancy detector).
    case unsupportedKind(String)
    /// A network with a layer that does not fold into dense stages.
    case unsupportedLayers(kind: String)

    public var description: String {
        switch self {
        case let .unsupportedKind(kind):
            "a model of kind \(kind) has no explainer: students, networks, ECOD, the isolation forest, gradient boosting and ensembles of them explain their rows; distil a student from it and explain the student"
        case let .unsupportedLayers(kind):
            "the \(kind) network has a layer that does not fold into dense stages, so its rows cannot be explained"
        }
    }
}

extension FoldedNetwork {
    /// Folds `network` for attribution, or throws naming the model kind.
    static func forAttribution(_ network: Network, kind: String) throws -> FoldedNetwork {
        guard let folded = FoldedNetwork(network) else { throw AttributionError.unsupportedLayers(kind: kind) }
        return folded
    }
}

extension NetworkScorer {
    /// Integrated gradients of the network's one output from `baseline` (``integratedGradients(_:baseline:)``).
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try integratedGradients(x, baseline: baseline)
    }

    /// Integrated gradients of the network's one output from `baseline`: exact and fast for the students' shape
    /// (``ReLUPathIntegral``), by ``IntegratedGradients`` otherwise.
    public func integratedGradients(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        let network = try FoldedNetwork.forAttribution(scoringNetwork, kind: modelKind)
        guard let integral = ReLUPathIntegral(network, baseline: baseline) else {
            return IntegratedGradients.attributions(x, baseline: baseline, score: NetworkOutputScore(network))
        }
        var contributions = Matrix(rows: x.rows, columns: x.columns)
        var scores = [Float](repeating: integral.reference, count: x.rows)
        var workspace = ReLUPathIntegral.Workspace(for: integral)
        x.scalars.withUnsafeBufferPointer { rows in
            contributions.scalars.withUnsafeMutableBufferPointer { out in
                for r in 0..<x.rows {
                    let target = out.baseAddress! + r * x.columns
                    integral.contributions(rows.baseAddress! + r * x.columns, into: target, workspace: &workspace)
                    // The integral is exact: the score is the reference plus the contributions.
                    for j in 0..<x.columns { scores[r] += target[j] }
                }
            }
        }
        return FeatureAttributions(contributions: contributions, scores: scores,
                                   references: [Float](repeating: integral.reference, count: x.rows))
    }
}

extension FittedSupervisedNetwork: AttributingDetector {}

extension FittedAutoencoder: AttributingDetector {
    /// Integrated gradients of the mean reconstruction distance from `baseline` (the mean of each network's).
    /// A convolutional one (``ConvAutoencoder``) by each value's share of the squared reconstruction error,
    /// `(zⱼ − ẑⱼ)² / ‖z − ẑ‖` in the standardised space, which sums to the score (reference 0).
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        if isConvolutional {
            let z = scaling.apply(x)
            let rebuilt = NeuralScoring.outputs(network, z)
            let scores = try self.scores(x)
            var contributions = Matrix(rows: x.rows, columns: x.columns)
            for r in 0..<x.rows where scores[r] > 0 {
                for j in 0..<x.columns {
                    let d = z[r, j] - rebuilt[r, j]
                    contributions[r, j] = d * d / scores[r]
                }
            }
            return FeatureAttributions(contributions: contributions, scores: scores,
                                       references: [Float](repeating: 0, count: x.rows))
        }
        // The score is the mean of the networks' distances, so its integrated gradients are the mean of theirs:
        // each network's path is cut at its own switch points only.
        var total: FeatureAttributions?
        for network in networks {
            let folded = try FoldedNetwork.forAttribution(network, kind: modelKind)
            let part = IntegratedGradients.attributions(
                x, baseline: baseline, score: ReconstructionScore(networks: [folded], mean: scaling.mean, scale: scaling.scale))
            guard var sum = total else { total = part; continue }
            sum.contributions.add(part.contributions)
            for r in 0..<x.rows {
                sum.scores[r] += part.scores[r]
                sum.references[r] += part.references[r]
            }
            total = sum
        }
        guard var mean = total else { throw AttributionError.unsupportedLayers(kind: modelKind) }
        let count = Float(networks.count)
        for i in mean.contributions.scalars.indices { mean.contributions.scalars[i] /= count }
        mean.scores = mean.scores.map { $0 / count }
        mean.references = mean.references.map { $0 / count }
        return mean
    }
}

extension FittedDeepSVDD: AttributingDetector {
    /// Integrated gradients of the squared distance to the centre from `baseline`.
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        let folded = try FoldedNetwork.forAttribution(network, kind: modelKind)
        return IntegratedGradients.attributions(x, baseline: baseline,
                                                score: CentreDistanceScore(network: folded, centre: centre))
    }
}
