import Dispatch
import Foundation

/// An ensemble of detectors: each member's scores are standardised on its own training scores,
/// then combined (Aggarwal & Sathe 2015, "Theoretical Foundations and Algorithms for Outlier
/// Ensembles"; PyOD's `pyod.models.combination`).
///
/// Members fit independently, in parallel on the available cores; each gets its own generator
/// derived from the injected one before any work starts, so the result does not depend on the
/// number of threads.
public struct Ensemble: Detector {
    /// How member scores are put on one scale.
    public enum Normalization: String, Codable, Sendable, CaseIterable {
        /// `(s − mean) / std` of the member's training scores (PyOD's `standardizer`).
        case zscore
        /// The fraction of the member's training scores below `s` (empirical CDF), in [0, 1].
        case rank
    }

    /// How normalised member scores are combined.
    public enum Combination: String, Codable, Sendable, CaseIterable {
        /// The mean (PyOD's `average`).
        case mean
        /// The maximum (PyOD's `maximization`).
        case max
        /// Average of maximum: members are shuffled into `buckets` groups, the maximum taken in each
        /// group and the group maxima averaged (PyOD's `aom`).
        case averageOfMaximum = "aom"
    }

    public var members: [any Detector]
    public var normalization: Normalization
    public var combination: Combination
    /// Groups for `averageOfMaximum` (PyOD's `n_buckets`, default 5; at most the member count).
    public var buckets: Int
    public var contamination: Double

    public init(members: [any Detector], normalization: Normalization = .zscore, combination: Combination = .mean,
                buckets: Int = 5, contamination: Double = Contamination.default) {
        self.members = members
        self.normalization = normalization
        self.combination = combination
        self.buckets = buckets
        self.contamination = contamination
    }

    public var description: String {
        "Ensemble(members: [\(members.map(\.description).joined(separator: ", "))], normalization: \(normalization.rawValue), "
            + "combination: \(combination.rawValue), contamination: \(contamination))"
    }

    public func validate() throws {
        try Contamination.validate(contamination)
        guard !members.isEmpty else {
            throw ConfigurationError.invalidSetting(name: "members", reason: "expected at least one ensemble member, found none")
        }
        guard buckets >= 1 else {
            throw ConfigurationError.invalidSetting(name: "buckets", reason: "expected at least 1, found \(buckets)")
        }
        for member in members { try member.validate() }
    }

    public func fit(_ x: Matrix, labels: [Int]?, using random: inout RandomSource) throws -> FittedEnsemble {
        try validate()
        let generators = members.map { _ in random.split() }
        var assignment = Array(0..<members.count)
        random.shuffle(&assignment)
        let bucketCount = min(buckets, members.count)
        let members = self.members
        let fitted: [any FittedDetector] = try Parallel.map(count: members.count) { index in
            var generator = generators[index]
            return try members[index].fit(x, labels: labels, using: &generator)
        }
        var groups = [[Int]](repeating: [], count: bucketCount)
        for (position, member) in assignment.enumerated() { groups[position % bucketCount].append(member) }
        let scalers = fitted.map { MemberScaler(trainingScores: $0.trainingScores, normalization: normalization) }
        let trainingScores = FittedEnsemble.combine(fitted.map(\.trainingScores), scalers: scalers,
                                                    combination: combination, groups: groups)
        let state = try DetectorState(trainingScores: trainingScores, contamination: contamination, featureCount: x.columns)
        return FittedEnsemble(members: fitted, scalers: scalers, normalization: normalization, combination: combination,
                              groups: groups, state: state, trainingScores: trainingScores)
    }

}

/// Puts one member's scores on the ensemble's scale.
public struct MemberScaler: Sendable, Equatable {
    public var mean: Double
    public var deviation: Double
    /// Sorted training scores, for rank normalisation (empty for z-scores).
    public var sortedScores: [Float]

    init(trainingScores: [Float], normalization: Ensemble.Normalization) {
        let values = trainingScores.map(Double.init)
        mean = values.reduce(0, +) / Double(max(values.count, 1))
        let m = mean
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(values.count, 1))
        deviation = variance > 0 ? variance.squareRoot() : 1
        sortedScores = normalization == .rank ? trainingScores.sorted() : []
    }

    init(mean: Double, deviation: Double, sortedScores: [Float]) {
        self.mean = mean
        self.deviation = deviation
        self.sortedScores = sortedScores
    }

    func scale(_ scores: [Float]) -> [Double] {
        if sortedScores.isEmpty { return scores.map { (Double($0) - mean) / deviation } }
        let count = Double(sortedScores.count)
        return scores.map { score in
            // Fraction of training scores strictly below, plus half of the ties (mid-rank).
            let below = lowerBound(score), upTo = upperBound(score)
            return (Double(below) + Double(upTo - below) / 2) / count
        }
    }

    private func lowerBound(_ value: Float) -> Int {
        var low = 0, high = sortedScores.count
        while low < high {
            let mid = (low + high) / 2
            if sortedScores[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func upperBound(_ value: Float) -> Int {
        var low = 0, high = sortedScores.count
        while low < high {
            let mid = (low + high) / 2
            if sortedScores[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// A fitted ``Ensemble``.
public struct FittedEnsemble: FittedDetector {
    public static let kind = "ensemble"
    public var members: [any FittedDetector]
    public var scalers: [MemberScaler]
    public var normalization: Ensemble.Normalization
    public var combination: Ensemble.Combination
    /// Member indices per group, for average-of-maximum.
    public var groups: [[Int]]
    public var state: DetectorState
    public var trainingScores: [Float]

    /// The members' arithmetic plus two operations per member for normalising its score.
    public var flopsPerRow: Double { members.reduce(0) { $0 + $1.flopsPerRow + 2 } }

    public func scores(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        let memberScores = try members.map { try $0.scores(x) }
        return Self.combine(memberScores, scalers: scalers, combination: combination, groups: groups)
    }

    static func combine(_ memberScores: [[Float]], scalers: [MemberScaler], combination: Ensemble.Combination,
                        groups: [[Int]]) -> [Float] {
        let scaled = zip(memberScores, scalers).map { $1.scale($0) }
        let rows = scaled.first?.count ?? 0
        return (0..<rows).map { row in
            switch combination {
            case .mean:
                return Float(scaled.reduce(0) { $0 + $1[row] } / Double(scaled.count))
            case .max:
                return Float(scaled.map { $0[row] }.max() ?? 0)
            case .averageOfMaximum:
                let maxima = groups.filter { !$0.isEmpty }.map { group in group.map { scaled[$0][row] }.max() ?? 0 }
                return Float(maxima.reduce(0, +) / Double(max(maxima.count, 1)))
            }
        }
    }

    struct Architecture: Codable {
        struct Member: Codable {
            var kind: String
            var architecture: JSONValue
            var state: DetectorState
            var mean: Double
            var deviation: Double
        }
        var normalization: Ensemble.Normalization
        var combination: Ensemble.Combination
        var groups: [[Int]]
        var members: [Member]
    }

    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        var tensors: [Tensor] = []
        var described: [Architecture.Member] = []
        for (index, member) in members.enumerated() {
            let (memberTensors, architecture) = try member.encode()
            for var tensor in memberTensors {
                tensor.name = "members.\(index).\(tensor.name)"
                tensors.append(tensor)
            }
            tensors.append(Tensor(name: "members.\(index).training_scores", vector: member.trainingScores))
            if !scalers[index].sortedScores.isEmpty {
                tensors.append(Tensor(name: "members.\(index).sorted_scores", vector: scalers[index].sortedScores))
            }
            described.append(.init(kind: member.modelKind, architecture: architecture, state: member.state,
                                   mean: scalers[index].mean, deviation: scalers[index].deviation))
        }
        let architecture = Architecture(normalization: normalization, combination: combination, groups: groups,
                                        members: described)
        return (tensors, try JSONValue(encoding: architecture))
    }

    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        guard let document = file.metadata.architecture,
              let architecture = try? document.decode(Architecture.self) else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected an ensemble architecture")
        }
        var members: [any FittedDetector] = []
        var scalers: [MemberScaler] = []
        for (index, member) in architecture.members.enumerated() {
            guard let type = DetectorFile.registry[member.kind] else {
                throw ModelError.wrongModelKind(file: file.file, expected: "a known detector", found: member.kind)
            }
            let prefix = "members.\(index)."
            var memberFile = file
            memberFile.tensors = Dictionary(uniqueKeysWithValues: file.tensors.compactMap { name, tensor in
                guard name.hasPrefix(prefix) else { return nil }
                var renamed = tensor
                renamed.name = String(name.dropFirst(prefix.count))
                return (renamed.name, renamed)
            })
            memberFile.metadata.architecture = member.architecture
            memberFile.metadata.kind = member.kind
            let scores = try memberFile.tensor(named: "training_scores").floats()
            members.append(try type.init(decoding: memberFile, state: member.state, trainingScores: scores))
            let sorted = try memberFile.tensors["sorted_scores"].map { try $0.floats() } ?? []
            scalers.append(MemberScaler(mean: member.mean, deviation: member.deviation, sortedScores: sorted))
        }
        self.init(members: members, scalers: scalers, normalization: architecture.normalization,
                  combination: architecture.combination, groups: architecture.groups, state: state,
                  trainingScores: trainingScores)
    }

    init(members: [any FittedDetector], scalers: [MemberScaler], normalization: Ensemble.Normalization,
         combination: Ensemble.Combination, groups: [[Int]], state: DetectorState, trainingScores: [Float]) {
        self.members = members
        self.scalers = scalers
        self.normalization = normalization
        self.combination = combination
        self.groups = groups
        self.state = state
        self.trainingScores = trainingScores
    }
}

