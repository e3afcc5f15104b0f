import RealModule

/// How a student explains its rows.
///
/// A student that matches its teacher's scores does not for that reason explain them as the teacher does:
/// integrated gradients of the student and the teacher's own attributions (an isolation forest's path shares,
/// ECOD's tail terms) are different functions, and they name different top reasons for about half of the flagged
/// rows even where the scores agree. A *distilled explanation* is a second small network, trained like the student
/// on the transfer set, that regresses the teacher's per-feature contributions (in the teacher's logit units), so
/// the student's explanations follow the teacher's as its scores do (issue 12's agreement bar).
public enum StudentExplanation: String, Sendable, Hashable, Codable, CaseIterable {
    /// Integrated gradients of the student's own score from the training median (exact for ReLU students).
    case gradients
    /// A head that regresses the teacher's attributions of the transfer set (``ExplanationHead``).
    case distilled
    /// The same head reading its heavy-tailed columns on a log scale (``ExplanationHead/Inputs``): for data whose
    /// columns have a few rows thousands of deviations out (financial ratios). An option, not the default: it
    /// lifted Polish bankruptcy's agreement from 0.140 to 0.548 but cost shuttle and steel plates (README).
    case distilledTails = "distilled-tails"

    /// Whether the student carries a head (``distilled`` or ``distilledTails``).
    public var isDistilled: Bool { self != .gradients }
}

/// The network of a distilled explanation: d preprocessed features → two ReLU layers of ``width(featureCount:)``
/// → d contributions, trained with MSE on the teacher's attributions of up to ``maximumRows`` transfer-set rows.
///
/// Its contributions are the student's explanation; the row's reference is its score minus their sum, so
/// `Σ contributions = score − reference` holds as for every explainer (``FeatureAttributions``).
public enum ExplanationHead {
    /// At most this many transfer-set rows are explained by the teacher to train the head (a teacher ensemble
    /// explains a row in 1–8 ms, on two cores).
    public static let maximumRows = 20_000
    /// The hidden width for `featureCount` features: `clamp(8d, 128, 512)`. Mean top-reason agreement with the
    /// teacher on the 11 sets of issue 12: 0.747 at `clamp(2d, 32, 128)`, 0.793 at `clamp(4d, 64, 256)`, 0.809 here
    /// (`Scripts/bench-explain.py -- --explanations distilled`; chosen on those sets).
    public static func width(featureCount d: Int) -> Int { min(512, max(128, 8 * d)) }

    /// Trains the head on the teacher's attributions of rows drawn from `inputs`.
    ///
    /// - Parameters:
    ///   - teacher: The teacher, which explains the rows.
    ///   - inputs: The transfer set's rows (preprocessed).
    ///   - training: The teacher's training rows (preprocessed), which choose the columns the head squashes
    ///     (``Inputs/fitted(to:)``) when `squashesTails`.
    ///   - squashesTails: Whether the head reads heavy-tailed columns on a log scale
    ///     (``StudentExplanation/distilledTails``).
    ///   - scale: Divides the teacher's contributions (its logit spread), so they are in logit units.
    ///   - baseline: The baseline row of the teacher's path attributions (its network members').
    ///   - settings: Epochs, batch size and the rest (the distiller's).
    ///   - random: Draws the rows, the weights and the shuffles.
    /// - Returns: The head and how it reads its inputs.
    /// - Throws: What the teacher's attributions throw; `TrainingError.diverged` when training diverges.
    static func fit(teacher: any AttributingDetector, inputs: Matrix, training x: Matrix, squashesTails: Bool,
                    scale: Double, baseline: [Float], training settings: NeuralTraining,
                    using random: inout RandomSource) throws -> (network: Network, inputs: Inputs) {
        let count = min(inputs.rows, maximumRows)
        let chosen = count == inputs.rows ? Array(0..<count) : random.sample(count, from: inputs.rows).sorted()
        let rows = inputs.rows(at: chosen)
        // The teacher explains the rows in two halves, one per core.
        let half = (count + 1) / 2
        let parts = try Parallel.map(count: 2) { part in
            let range = part == 0 ? 0..<half : half..<count
            return try teacher.attributions(rows.rows(at: Array(range)), baseline: baseline).contributions.scalars
        }
        var targets = Matrix(rows: count, columns: inputs.columns, scalars: parts[0] + parts[1])
        let factor = Float(1 / scale)
        for i in targets.scalars.indices {
            let value = targets.scalars[i] * factor
            targets.scalars[i] = value.isFinite ? value : 0
        }
        let squash = squashesTails ? Inputs.fitted(to: x) : .identity
        let headRows = squash.apply(rows)
        let d = inputs.columns, width = width(featureCount: d)
        let architecture = try NetworkArchitecture.mlp(inputWidth: d, hidden: [width, width], outputWidth: d,
                                                       activation: .relu)
        var network = Network(architecture: architecture, initialization: .heUniform, random: &random)
        var adam = Adam(learningRate: Float(settings.learningRate), weightDecay: Float(settings.weightDecay))
        let training = EpochTraining(epochs: settings.epochs, batchSize: settings.batchSize,
                                     patience: settings.patience, keepsBest: true,
                                     rowsPerEpoch: settings.rowsPerEpoch, name: "explanation head")
        let permutation = random.sample(count, from: count)
        let held = count >= 20 ? count / 10 : 0
        let validationRows = permutation[..<held].sorted(), trainRows = permutation[held...].sorted()
        let validation = held > 0 ? (headRows.rows(at: validationRows), targets.rows(at: validationRows)) : nil
        try training.run(&network, inputs: headRows.rows(at: trainRows), targets: targets.rows(at: trainRows),
                         loss: MeanSquaredError(), optimizer: &adam, validation: validation, using: &random)
        guard network.isFinite else {
            throw TrainingError.diverged(detector: "explanation head", epoch: settings.epochs,
                                         learningRate: settings.learningRate)
        }
        return (network, squash)
    }

    /// The head's contributions for the rows of `x`, with `scores` (the student's) and references that make them
    /// add up.
    static func attributions(_ head: Network, inputs: Inputs, _ x: Matrix, scores: [Float]) -> FeatureAttributions {
        let contributions = NeuralScoring.outputs(head, inputs.apply(x))
        let d = x.columns
        let references = scores.indices.map { r in
            scores[r] - contributions.scalars[(r * d)..<((r + 1) * d)].reduce(0, +)
        }
        return FeatureAttributions(contributions: contributions, scores: scores, references: references)
    }
}

extension ExplanationHead {
    /// How the head reads its inputs: heavy-tailed columns squashed, the others as the preprocessor gives them.
    ///
    /// A few rows thousands of standard deviations out (the financial ratios of Polish bankruptcy) otherwise set
    /// the head's scale for the whole column: every other row sits near zero, and the head collapses onto one
    /// column. A column whose farthest training value lies more than ``heavyTail`` robust deviations from its median
    /// (and which takes more than two values) is read as `sign(z) · log(1 + |z|)` of `z = (x − median) / scale`,
    /// the scale being the interquartile range / 1.349 (the standard deviation where that is 0); that map is
    /// monotone and the identity's slope near the median.
    public struct Inputs: Codable, Sendable, Hashable {
        /// The squashed columns, ascending.
        public var columns: [Int]
        /// Each squashed column's median.
        public var centers: [Float]
        /// Each squashed column's robust scale (> 0).
        public var scales: [Float]

        /// Every column as the preprocessor gives it.
        public static let identity = Inputs(columns: [], centers: [], scales: [])

        /// A column is heavy-tailed when its farthest training value is more than this many robust deviations from
        /// its median. A normal column's is about 5 at 100,000 rows and an exponential column's about 14; a
        /// log-normal one's (σ = 1) about 80. Fixed before it was measured, not chosen on the data sets.
        public static let heavyTail: Float = 20

        public init(columns: [Int], centers: [Float], scales: [Float]) {
            self.columns = columns
            self.centers = centers
            self.scales = scales
        }

        /// The columns of `x` (training rows) that ``heavyTail`` calls heavy-tailed, with their medians and scales.
        public static func fitted(to x: Matrix) -> Inputs {
            var result = Inputs.identity
            guard x.rows > 0 else { return result }
            for j in 0..<x.columns {
                let sorted = (0..<x.rows).map { x[$0, j] }.filter(\.isFinite).sorted()
                guard let low = sorted.first, let high = sorted.last, low < high,
                      sorted.contains(where: { $0 != low && $0 != high }) else { continue }
                let median = Statistics.quantile(sorted: sorted, 0.5)
                let quartiles = (Statistics.quantile(sorted: sorted, 0.25), Statistics.quantile(sorted: sorted, 0.75))
                var scale = (quartiles.1 - quartiles.0) / 1.349
                if !(scale > 0) {
                    let values = sorted.map(Double.init)
                    scale = Float(Statistics.standardDeviation(values, mean: Statistics.mean(values)))
                }
                guard scale > 0, scale.isFinite, max(high - median, median - low) / scale > heavyTail else { continue }
                result.columns.append(j)
                result.centers.append(median)
                result.scales.append(scale)
            }
            return result
        }

        /// `x` as the head reads it.
        public func apply(_ x: Matrix) -> Matrix {
            guard !columns.isEmpty else { return x }
            var result = x
            for row in 0..<x.rows {
                for (k, j) in columns.enumerated() {
                    let z = (x[row, j] - centers[k]) / scales[k]
                    result[row, j] = z < 0 ? -Float.log(onePlus: -z) : Float.log(onePlus: z)
                }
            }
            return result
        }

        /// Checks a decoded map against the model's features.
        ///
        /// - Throws: `ModelError.invalidMetadata` naming `file` when a column is out of range or repeated, or a
        ///   center or scale is not finite (or a scale not positive).
        func validate(featureCount: Int, file: String) throws {
            guard centers.count == columns.count, scales.count == columns.count else {
                throw ModelError.invalidMetadata(
                    file: file, reason: "the explanation head's squashed columns, centers and scales differ in length "
                        + "(\(columns.count), \(centers.count), \(scales.count))")
            }
            guard zip(columns, columns.dropFirst()).allSatisfy({ $0 < $1 }),
                  columns.allSatisfy({ (0..<featureCount).contains($0) }) else {
                throw ModelError.invalidMetadata(file: file, reason: "the explanation head's squashed columns must be "
                                                 + "ascending feature indices below \(featureCount), found \(columns)")
            }
            guard centers.allSatisfy(\.isFinite), scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ModelError.invalidMetadata(file: file, reason: "the explanation head's squash needs finite centers "
                                                 + "and positive finite scales")
            }
        }
    }
}
