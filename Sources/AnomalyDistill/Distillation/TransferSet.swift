import Foundation

/// The rows a student learns from: the training rows plus synthetic probes, all labelled by the
/// teacher (Hinton et al. 2015, §2: a *transfer set*; DESIGN.md, *Distillation*).
///
/// Anomalies are rare and lie off the data, so a student that sees only the training rows does not
/// learn how the teacher scores the regions around and between them — its tail, where detection
/// happens. Three kinds of probes cover those regions (see ``Augmentation``): Gaussian jitter around
/// rows, mixup between random pairs of rows (Zhang et al. 2018, "mixup: Beyond Empirical Risk
/// Minimization"), and uniform samples in the bounding box of the rows widened by a margin.
/// The probes are split evenly between the chosen kinds; the teacher scores every row.
///
/// With ``Source/synthetic`` the training rows are replaced by as many rows drawn from a ``GaussianCopula`` fitted to
/// them, and the probes are drawn around those: the student never sees a real row.
public struct TransferSet: Sendable {
    /// What the rows before the probes are.
    public enum Source: String, Sendable, Hashable, Codable, CaseIterable {
        /// The training rows themselves.
        case rows
        /// As many synthetic rows from a ``GaussianCopula`` of the training rows (`--transfer synthetic`).
        case synthetic
    }

    /// Which kinds of synthetic probes to add.
    public struct Augmentation: OptionSet, Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// `x + ε`, ε ~ N(0, (noise · σⱼ)²) per feature j, around a random training row.
        public static let jitter = Augmentation(rawValue: 1 << 0)
        /// `λ·a + (1 − λ)·b` for a random pair of training rows, λ ~ U(0, 1).
        public static let mixup = Augmentation(rawValue: 1 << 1)
        /// Uniform in `[minⱼ − m·rangeⱼ, maxⱼ + m·rangeⱼ]` per feature, m the margin.
        public static let uniform = Augmentation(rawValue: 1 << 2)
        /// A training row with one random feature j moved past the edge of the rows, to `minⱼ − u·10σⱼ` or
        /// `maxⱼ + u·10σⱼ`, u ~ U(0, 1): how the teacher scores a value far out in one column (the commonest
        /// anomaly, and where a network left alone extrapolates its last linear piece, right or wrong).
        public static let tail = Augmentation(rawValue: 1 << 3)
        /// No probes: the training rows alone.
        public static let none: Augmentation = []
        /// The three neighbourhood kinds: jitter, mixup and uniform (`tail` is asked for by name).
        public static let all: Augmentation = [.jitter, .mixup, .uniform]

        /// The kinds by name, in a fixed order.
        public static let named: [(name: String, kind: Augmentation)] = [
            ("jitter", .jitter), ("mixup", .mixup), ("uniform", .uniform), ("tail", .tail),
        ]

        /// Parses `none`, `all` or a comma-separated list of `jitter`, `mixup`, `uniform`.
        ///
        /// - Throws: `ConfigurationError.invalidSetting` naming the unknown kind.
        public init(parsing text: String) throws {
            let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
            if trimmed == "none" { self = .none; return }
            if trimmed == "all" { self = .all; return }
            var result: Augmentation = []
            for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                let name = part.trimmingCharacters(in: .whitespaces)
                guard let kind = Self.named.first(where: { $0.name == name })?.kind else {
                    throw ConfigurationError.invalidSetting(
                        name: "augmentation",
                        reason: "expected none, all or a comma-separated list of jitter, mixup, uniform, tail; found \"\(text)\"")
                }
                result.insert(kind)
            }
            self = result
        }

        public var description: String {
            if isEmpty { return "none" }
            return Self.named.filter { contains($0.kind) }.map(\.name).joined(separator: ",")
        }
    }

    /// The probes' settings.
    public struct Options: Sendable, Hashable, Codable {
        /// Which probes to add. The default: uniform samples in the widened box and as many tail probes.
        /// Uniform alone measured best of the neighbourhood kinds with the default teacher ensemble on the 19
        /// shared sets (top-k overlap 0.916 against 0.896 for all three kinds and 0.916 for none, worst-set
        /// ROC-AUC loss 0.009 against 0.021; `Scripts/distill-bench.py --ablation`); adding ``Augmentation/tail``
        /// probes (ratio 2, so the uniform ones stay as many) keeps that (mean student − teacher ROC-AUC
        /// +0.000 against −0.001, top-k 0.912 against 0.916, worst set −0.009 both; `distill-bench.py --
        /// --augment uniform,tail --probe-ratio 2`) and teaches the student the teacher's response to one
        /// value far out: cardio's planted anomalies at ±8σ were in its three strongest reasons for 93.4% of
        /// the rows with uniform probes alone, 100% with tail probes (`Scripts/bench-explain.py`).
        public var augmentation: Augmentation
        /// Probes per training row (0.5: half as many probes as rows), ≥ 0.
        public var ratio: Double
        /// At most this many probes in all, so that large data sets stay fast.
        public var maximumProbes: Int
        /// The jitter's standard deviation per feature, relative to the feature's standard deviation.
        public var noise: Double
        /// How far the uniform box extends beyond the rows, relative to each feature's range.
        public var margin: Double
        /// The training rows, or synthetic rows in their place.
        public var source: Source

        public init(augmentation: Augmentation = [.uniform, .tail], ratio: Double = 2, maximumProbes: Int = 50_000,
                    noise: Double = 0.1, margin: Double = 0.1, source: Source = .rows) {
            self.source = source
            self.augmentation = augmentation
            self.ratio = ratio
            self.maximumProbes = maximumProbes
            self.noise = noise
            self.margin = margin
        }

        /// - Throws: `ConfigurationError.invalidSetting` naming the setting.
        public func validate() throws {
            guard ratio >= 0 && ratio.isFinite else {
                throw ConfigurationError.invalidSetting(name: "augmentation ratio", reason: "expected a finite value ≥ 0, found \(ratio)")
            }
            guard maximumProbes >= 0 else {
                throw ConfigurationError.invalidSetting(name: "maximum probes", reason: "expected at least 0, found \(maximumProbes)")
            }
            guard noise >= 0 && noise.isFinite else {
                throw ConfigurationError.invalidSetting(name: "jitter noise", reason: "expected a finite value ≥ 0, found \(noise)")
            }
            guard margin >= 0 && margin.isFinite else {
                throw ConfigurationError.invalidSetting(name: "margin", reason: "expected a finite value ≥ 0, found \(margin)")
            }
        }
    }

    /// The training rows (or the synthetic rows in their place) first, then the probes.
    public var inputs: Matrix
    /// The teacher's score of each row of ``inputs``.
    public var teacherScores: [Float]
    /// How many of the first rows are training rows: all of ``baseRowCount`` for ``Source/rows``, none for
    /// ``Source/synthetic``.
    public var trainingRowCount: Int
    /// How many of the first rows stand for the data, training rows or synthetic ones (the rest are probes).
    public var baseRowCount: Int
    /// The kind of each probe, in order (after the training rows).
    public var probeKinds: [Augmentation]

    /// Builds the transfer set: the rows of `x`, probes drawn around them, all scored by `teacher`.
    ///
    /// - Parameters:
    ///   - x: The teacher's training rows (preprocessed features).
    ///   - teacher: The fitted teacher that labels every row.
    ///   - options: Which probes, how many.
    ///   - random: The seeded generator the probes come from.
    /// - Throws: `DataError` for bad options or input, errors of `teacher.scores`.
    /// - Complexity: O(rows · features) plus one teacher scoring pass.
    public init(x: Matrix, teacher: any AnomalyScorer, options: Options = Options(),
                using random: inout RandomSource) throws {
        let base = options.source == .synthetic ? try GaussianCopula(fitting: x).sample(x.rows, using: &random) : x
        let probes = try Self.probes(around: base, options: options, using: &random)
        var inputs = base
        inputs.scalars.append(contentsOf: probes.rows.scalars)
        inputs.reshape(rows: base.rows + probes.rows.rows, columns: x.columns)
        self.inputs = inputs
        self.teacherScores = try teacher.scores(inputs)
        self.trainingRowCount = options.source == .rows ? x.rows : 0
        self.baseRowCount = base.rows
        self.probeKinds = probes.kinds
        if let bad = teacherScores.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.nonFiniteScores(detector: "teacher", row: bad)
        }
    }

    /// The synthetic probes alone, without a teacher.
    ///
    /// - Returns: The probe rows and the kind of each.
    /// - Throws: `ConfigurationError.invalidSetting` for bad options, no rows or no columns.
    public static func probes(around x: Matrix, options: Options,
                              using random: inout RandomSource) throws -> (rows: Matrix, kinds: [Augmentation]) {
        try options.validate()
        guard x.rows > 0 && x.columns > 0 else {
            throw DataError.invalidInput(name: "transfer set", reason: "expected rows with at least one feature, found \(x.rows)×\(x.columns)")
        }
        let kinds = Augmentation.named.map(\.kind).filter { options.augmentation.contains($0) }
        let total = kinds.isEmpty ? 0 : min(options.maximumProbes, Int((Double(x.rows) * options.ratio).rounded()))
        let d = x.columns, n = x.rows
        var minimum = [Float](repeating: .infinity, count: d), maximum = [Float](repeating: -.infinity, count: d)
        var sums = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
        for r in 0..<n {
            for j in 0..<d {
                let v = x.scalars[r * d + j]
                minimum[j] = min(minimum[j], v)
                maximum[j] = max(maximum[j], v)
                sums[j] += Double(v)
            }
        }
        for r in 0..<n {
            for j in 0..<d {
                let e = Double(x.scalars[r * d + j]) - sums[j] / Double(n)
                squares[j] += e * e
            }
        }
        let deviations = squares.map { ($0 / Double(n)).squareRoot() }
        var scalars = [Float]()
        scalars.reserveCapacity(total * d)
        var probeKinds = [Augmentation]()
        probeKinds.reserveCapacity(total)
        for i in 0..<total {
            let kind = kinds[i * kinds.count / max(total, 1)]
            probeKinds.append(kind)
            switch kind {
            case .jitter:
                let row = random.index(below: n)
                for j in 0..<d {
                    scalars.append(x.scalars[row * d + j] + Float(random.normal() * options.noise * deviations[j]))
                }
            case .mixup:
                let a = random.index(below: n), b = random.index(below: n)
                let lambda = Float(random.uniform())
                for j in 0..<d {
                    scalars.append(lambda * x.scalars[a * d + j] + (1 - lambda) * x.scalars[b * d + j])
                }
            case .tail:
                let row = random.index(below: n), feature = random.index(below: d)
                let below = random.uniform() < 0.5, distance = random.uniform() * 10 * deviations[feature]
                for j in 0..<d {
                    if j != feature {
                        scalars.append(x.scalars[row * d + j])
                    } else {
                        scalars.append(below ? Float(Double(minimum[j]) - distance) : Float(Double(maximum[j]) + distance))
                    }
                }
            default:
                for j in 0..<d {
                    let range = Double(maximum[j] - minimum[j])
                    let low = Double(minimum[j]) - options.margin * range
                    let high = Double(maximum[j]) + options.margin * range
                    scalars.append(Float(low + (high - low) * random.uniform()))
                }
            }
        }
        return (Matrix(rows: total, columns: d, scalars: scalars), probeKinds)
    }
}
