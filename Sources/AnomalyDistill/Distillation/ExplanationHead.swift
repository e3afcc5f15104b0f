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
    ///   - scale: Divides the teacher's contributions (its logit spread), so they are in logit units.
    ///   - baseline: The baseline row of the teacher's path attributions (its network members').
    ///   - training: Epochs, batch size and the rest (the distiller's).
    ///   - random: Draws the rows, the weights and the shuffles.
    /// - Throws: What the teacher's attributions throw; `TrainingError.diverged` when training diverges.
    static func fit(teacher: any AttributingDetector, inputs: Matrix, scale: Double, baseline: [Float],
                    training settings: NeuralTraining, using random: inout RandomSource) throws -> Network {
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
        let d = inputs.columns, width = width(featureCount: d)
        let architecture = try NetworkArchitecture.mlp(inputWidth: d, hidden: [width, width], outputWidth: d,
                                                       activation: .relu)
        var network = Network(architecture: architecture, initialization: .heUniform, random: &random)
        var adam = Adam(learningRate: Float(settings.learningRate), weightDecay: Float(settings.weightDecay))
        var training = EpochTraining(epochs: settings.epochs, batchSize: settings.batchSize, patience: settings.patience,
                                     keepsBest: true, rowsPerEpoch: settings.rowsPerEpoch, name: "explanation head")
        let permutation = random.sample(count, from: count)
        let held = count >= 20 ? count / 10 : 0
        let validationRows = permutation[..<held].sorted(), trainRows = permutation[held...].sorted()
        let validation = held > 0 ? (rows.rows(at: validationRows), targets.rows(at: validationRows)) : nil
        try training.run(&network, inputs: rows.rows(at: trainRows), targets: targets.rows(at: trainRows),
                         loss: MeanSquaredError(), optimizer: &adam, validation: validation, using: &random)
        guard network.isFinite else {
            throw TrainingError.diverged(detector: "explanation head", epoch: settings.epochs,
                                         learningRate: settings.learningRate)
        }
        return network
    }

    /// The head's contributions for the rows of `x`, with `scores` (the student's) and references that make them
    /// add up.
    static func attributions(_ head: Network, _ x: Matrix, scores: [Float]) -> FeatureAttributions {
        let contributions = NeuralScoring.outputs(head, x)
        let d = x.columns
        let references = scores.indices.map { r in
            scores[r] - contributions.scalars[(r * d)..<((r + 1) * d)].reduce(0, +)
        }
        return FeatureAttributions(contributions: contributions, scores: scores, references: references)
    }
}

