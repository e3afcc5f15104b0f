import Foundation

/// A fitted PCA detector (Shyu et al. 2003); see ``PCA``.
public struct FittedPCA: FittedDetector, Equatable {
    public static let kind = "pca"

    public internal(set) var state: DetectorState
    public internal(set) var trainingScores: [Float]
    /// The share of variance the detector was asked to keep.
    public let variance: Double
    /// The share of the training variance the kept components explain.
    public let explained: Double
    let subspace: PCASubspace

    /// The number of kept components.
    public var componentCount: Int { subspace.components.rows }
    /// The score.
    public var statistic: PCA.Statistic { subspace.statistic }

    /// Centring (d), projection and reconstruction (2 · 2kd) and the two sums (2d + 2k).
    public var flopsPerRow: Double {
        let d = Double(state.featureCount), k = Double(componentCount)
        return 3 * d + 4 * k * d + 2 * k
    }

    init(subspace: PCASubspace, variance: Double, explained: Double, state: DetectorState, trainingScores: [Float]) {
        self.subspace = subspace
        self.variance = variance
        self.explained = explained
        self.state = state
        self.trainingScores = trainingScores
    }

    /// The score of each row (``PCA/Statistic``).
    ///
    /// - Throws: `DataError.schemaMismatch` for another number of columns, `DataError.nonFinite` naming the row
    ///   and column of a NaN or infinite value.
    /// - Complexity: O(rows · k · d).
    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        return subspace.scores(x)
    }

    /// Hotelling's T² and the squared prediction error Q of each row, whatever the score is.
    /// - Throws: as ``scores(_:)``.
    public func statistics(_ x: Matrix) throws -> [(t2: Double, q: Double)] {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        return subspace.statistics(x)
    }
}

/// The training mean, the kept components and what a score needs besides.
struct PCASubspace: Sendable, Equatable {
    /// The training mean, subtracted first.
    let mean: [Float]
    /// k × d: the kept components (unit rows), by descending eigenvalue.
    let components: Matrix
    /// Their eigenvalues (variances along them), positive.
    let eigenvalues: [Float]
    let statistic: PCA.Statistic
    /// Q̄: the mean Q of the training rows (0 when the components explain everything).
    var residualMean: Float

    /// T² and Q of every row; one row's work allocates nothing beyond two per-call buffers.
    func statistics(_ x: Matrix) -> [(t2: Double, q: Double)] {
        let d = x.columns, k = components.rows
        var output = [(t2: Double, q: Double)](repeating: (0, 0), count: x.rows)
        var centred = [Double](repeating: 0, count: d), coordinates = [Double](repeating: 0, count: k)
        x.scalars.withUnsafeBufferPointer { values in
            components.scalars.withUnsafeBufferPointer { v in
                for r in 0..<x.rows {
                    for j in 0..<d { centred[j] = Double(values[r * d + j]) - Double(mean[j]) }
                    var t2 = 0.0
                    for a in 0..<k {
                        var t = 0.0
                        for j in 0..<d { t += Double(v[a * d + j]) * centred[j] }
                        coordinates[a] = t
                        t2 += t * t / Double(eigenvalues[a])
                    }
                    // The residual z − V t, summed explicitly: ‖z‖² − ‖t‖² loses the small Q to cancellation.
                    var q = 0.0
                    for j in 0..<d {
                        var reconstructed = 0.0
                        for a in 0..<k { reconstructed += Double(v[a * d + j]) * coordinates[a] }
                        let residual = centred[j] - reconstructed
                        q += residual * residual
                    }
                    output[r] = (t2, q)
                }
            }
        }
        return output
    }

    /// The score of a row with these statistics.
    @inline(__always)
    func score(t2: Double, q: Double) -> Double {
        switch statistic {
        case .q: return q
        case .t2: return t2
        case .combined:
            let inside = t2 / Double(components.rows)
            return residualMean > 0 ? 0.5 * (q / Double(residualMean) + inside) : inside
        }
    }

    func scores(_ x: Matrix) -> [Float] {
        statistics(x).map { Float(score(t2: $0.t2, q: $0.q)) }
    }
}

// MARK: - Model file

extension FittedPCA {
    /// Tensors `mean` (F32, d), `components` (F32, k × d) and `eigenvalues` (F32, k); architecture
    /// `{features, components, statistic, residual_mean, variance, explained}`.
    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        let tensors = [
            Tensor(name: "mean", vector: subspace.mean),
            Tensor(name: "components", matrix: subspace.components),
            Tensor(name: "eigenvalues", vector: subspace.eigenvalues),
        ]
        let architecture: JSONValue = [
            "features": .number(Double(state.featureCount)),
            "components": .number(Double(componentCount)),
            "statistic": .string(statistic.rawValue),
            "residual_mean": .number(Double(subspace.residualMean)),
            "variance": .number(variance),
            "explained": .number(explained),
        ]
        return (tensors, architecture)
    }

    /// Rebuilds the model, checking shapes, that every value is finite, the eigenvalues positive and the
    /// components of unit length.
    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        let architecture = file.metadata.architecture
        func reject(_ reason: String) -> ModelError { ModelError.invalidMetadata(file: file.file, reason: reason) }
        let d = try ClassicDetectorSupport.integer(architecture, "features", file: file.file)
        let k = try ClassicDetectorSupport.integer(architecture, "components", file: file.file)
        let name = try ClassicDetectorSupport.string(architecture, "statistic", file: file.file)
        guard let statistic = PCA.Statistic(rawValue: name) else {
            throw reject("expected statistic \"combined\", \"q\" or \"t2\", found \(name.debugDescription)")
        }
        guard d == state.featureCount, (1...max(d, 1)).contains(k) else {
            throw reject("expected \(state.featureCount) features and 1 to \(max(d, 1)) components, found \(d) and \(k)")
        }
        guard case let .number(residualMean)? = architecture?["residual_mean"], residualMean.isFinite, residualMean >= 0 else {
            throw reject("expected a finite, non-negative architecture entry \"residual_mean\"")
        }
        let number = { (key: String) -> Double in
            if case let .number(value)? = architecture?[key], value.isFinite { return value }
            return .nan
        }
        let variance = number("variance"), explained = number("explained")
        guard variance > 0 && variance <= 1, explained >= 0 && explained <= 1 + 1e-6 else {
            throw reject("expected \"variance\" and \"explained\" shares in (0, 1], found \(variance) and \(explained)")
        }
        let mean = try ClassicDetectorSupport.floats(file, "mean", shape: [d])
        let components = try file.matrix(named: "components", rows: k, columns: d)
        let eigenvalues = try ClassicDetectorSupport.floats(file, "eigenvalues", shape: [k])
        guard mean.allSatisfy(\.isFinite), components.scalars.allSatisfy(\.isFinite) else {
            throw reject("expected finite \"mean\" and \"components\" values")
        }
        guard eigenvalues.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw reject("expected positive, finite \"eigenvalues\"")
        }
        for a in 0..<k {
            var norm = 0.0
            for j in 0..<d { norm += Double(components[a, j]) * Double(components[a, j]) }
            guard abs(norm - 1) < 1e-3 else { throw reject("expected unit-length \"components\" rows, row \(a) has length² \(norm)") }
        }
        self.init(subspace: PCASubspace(mean: mean, components: components, eigenvalues: eigenvalues,
                                        statistic: statistic, residualMean: Float(residualMean)),
                  variance: variance, explained: explained, state: state, trainingScores: trainingScores)
    }
}

extension FittedPCA: AttributingDetector {
    /// The classical contribution plots of process monitoring (Miller, Swanson & Heckler 1998; Westerhuis et al.
    /// 2000): Q's contribution of feature j is its squared residual rⱼ², T²'s is zⱼ · Σₐ vₐⱼ tₐ / λₐ (which may be
    /// negative); each statistic's contributions sum to it, so for the score they are weighted as the score weighs
    /// the statistics. The reference is 0.
    public func attributions(_ x: Matrix, baseline: [Float]) throws -> FeatureAttributions {
        try checkWidth(x)
        try ClassicDetectorSupport.checkFinite(x)
        let d = x.columns, k = componentCount
        let (weightQ, weightT2): (Double, Double)
        switch statistic {
        case .q: (weightQ, weightT2) = (1, 0)
        case .t2: (weightQ, weightT2) = (0, 1)
        case .combined:
            let inside = 1 / Double(k)
            (weightQ, weightT2) = subspace.residualMean > 0 ? (0.5 / Double(subspace.residualMean), 0.5 * inside) : (0, inside)
        }
        var contributions = Matrix(rows: x.rows, columns: d)
        let scores = subspace.scores(x)
        var z = [Double](repeating: 0, count: d), t = [Double](repeating: 0, count: k)
        let v = subspace.components
        for r in 0..<x.rows {
            for j in 0..<d { z[j] = Double(x[r, j]) - Double(subspace.mean[j]) }
            for a in 0..<k {
                var sum = 0.0
                for j in 0..<d { sum += Double(v[a, j]) * z[j] }
                t[a] = sum
            }
            for j in 0..<d {
                var reconstructed = 0.0, inside = 0.0
                for a in 0..<k {
                    reconstructed += Double(v[a, j]) * t[a]
                    inside += Double(v[a, j]) * t[a] / Double(subspace.eigenvalues[a])
                }
                let residual = z[j] - reconstructed
                contributions[r, j] = Float(weightQ * residual * residual + weightT2 * z[j] * inside)
            }
        }
        return FeatureAttributions(contributions: contributions, scores: scores,
                                   references: [Float](repeating: 0, count: x.rows))
    }
}
