import Foundation

/// A deep multilayer-perceptron classifier for labelled data; its score is the logit of
/// "anomaly" (higher = more anomalous). The teacher whose real logits distillation uses
/// (Hinton et al. 2015, "Distilling the Knowledge in a Neural Network").
///
/// A feed-forward network trained by back-propagation (Rumelhart, Hinton & Williams 1986) with
/// binary cross-entropy on logits, as ADBench's supervised MLP baseline (Han et al. 2022, "ADBench:
/// Anomaly Detection Benchmark", NeurIPS). Anomalies are rare, so the two classes are weighted
/// `n / (2 · n_class)` by default (scikit-learn's `class_weight="balanced"`). Hidden blocks are
/// *Dense → BatchNorm → activation → Dropout*; Adam with L2 weight decay; early stopping on a
/// stratified validation split (10% of each class) keeps the weights of the best epoch.
/// Defaults: hidden `[64, 32]`, ReLU, batch norm, dropout 0.2, up to 50 epochs with patience 5,
/// batch 32, learning rate 1e-3, weight decay 1e-5.
public struct SupervisedNetwork: Detector, NeuralTrained {
    /// Widths of the hidden layers.
    public var hidden: [Int]
    /// The hidden layers' activation.
    public var activation: Activation
    /// Batch norm after each hidden dense layer.
    public var batchNorm: Bool
    /// Dropout rate after each hidden block, in [0, 1).
    public var dropout: Double
    /// Epochs, batch size, learning rate, weight decay and the rest of how the network trains.
    public var training: NeuralTraining
    /// Weight the classes `n / (2 · n_class)` (balanced); otherwise both weigh 1.
    public var balancesClasses: Bool
    public var contamination: Double

    public init(
        hidden: [Int] = [64, 32], activation: Activation = .relu, batchNorm: Bool = true, dropout: Double = 0.2,
        epochs: Int = 50, batchSize: Int = 32, learningRate: Double = 1e-3, weightDecay: Double = 1e-5,
        validationFraction: Double = 0.1, patience: Int = 5, balancesClasses: Bool = true,
        contamination: Double = Contamination.default
    ) {
        self.hidden = hidden
        self.activation = activation
        self.batchNorm = batchNorm
        self.dropout = dropout
        training = NeuralTraining(epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, validationFraction: validationFraction, patience: patience)
        self.balancesClasses = balancesClasses
        self.contamination = contamination
    }

    public var description: String {
        "SupervisedNetwork(hidden: \(hidden), activation: \(activation), batchNorm: \(batchNorm), dropout: \(dropout), "
            + "\(training.description), balancesClasses: \(balancesClasses), contamination: \(contamination))"
    }

    public func validate() throws {
        try NeuralDetectorSettings.validate(hidden: hidden, dropout: dropout, contamination: contamination)
        try training.validate()
    }

    /// The classifier for `featureCount` features: hidden blocks, then one logit.
    public func architecture(featureCount: Int) throws -> NetworkArchitecture {
        try .mlp(inputWidth: featureCount, hidden: hidden, outputWidth: 1, activation: activation, dropout: dropout,
                 batchNorm: batchNorm)
    }

    /// Trains the classifier on the rows of `x` and their 0/1 `labels` (1 = anomaly).
    ///
    /// - Throws: `TrainingError.labelsRequired` without labels, `DataError.singleClassLabels` when
    ///   all labels are equal, `ConfigurationError.invalidSetting` for bad settings, labels or input,
    ///   `TrainingError.diverged` when the loss stays non-finite.
    /// - Complexity: O(epochs · rows · parameters).
    public func fit(_ x: Matrix, labels: [Int]?, using random: inout RandomSource) throws -> FittedSupervisedNetwork {
        try validate()
        guard let labels else { throw TrainingError.labelsRequired(detector: "supervised_network") }
        try NeuralScoring.checkTrainingInput(x, labels: labels)
        guard Set(labels).count == 2 else {
            throw DataError.singleClassLabels(context: "supervised network training labels", label: labels[0])
        }
        let split = try Split(count: x.rows, labels: labels, validation: 0, test: validationFraction, using: &random)
        let trainLabels = split.train.map { labels[$0] }
        var targets = Matrix(rows: x.rows, columns: 1)
        for (row, label) in labels.enumerated() { targets[row, 0] = Float(label) }
        let loss = balancesClasses ? BinaryCrossEntropy.balanced(labels: trainLabels) : BinaryCrossEntropy()
        var network = Network(architecture: try architecture(featureCount: x.columns), initialization: .heUniform,
                              random: &random)
        var adam = Adam(learningRate: Float(learningRate), weightDecay: Float(weightDecay))
        var training = EpochTraining(epochs: epochs, batchSize: batchSize, name: "supervised_network")
        var validation: (inputs: Matrix, targets: Matrix)?
        if !split.test.isEmpty {
            validation = (x.rows(at: split.test), targets.rows(at: split.test))
            training.patience = patience
        }
        try training.run(&network, inputs: x.rows(at: split.train), targets: targets.rows(at: split.train), loss: loss,
                         optimizer: &adam, validation: validation, using: &random)
        guard network.isFinite else {
            throw TrainingError.diverged(
                detector: "supervised_network", epoch: epochs, learningRate: Double(adam.learningRate))
        }
        let trainingScores = FittedSupervisedNetwork.logits(network, x)
        if let bad = trainingScores.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.nonFiniteScores(detector: "supervised_network", row: bad)
        }
        let state = try DetectorState(trainingScores: trainingScores, contamination: contamination, featureCount: x.columns)
        return FittedSupervisedNetwork(network: network, state: state, trainingScores: trainingScores)
    }
}

/// A fitted ``SupervisedNetwork``: the score is the logit of "anomaly".
public struct FittedSupervisedNetwork: NetworkScorer {
    public static let kind = "supervised_network"
    /// The trained classifier (one logit output).
    public var network: Network
    public var state: DetectorState
    public var trainingScores: [Float]

    init(network: Network, state: DetectorState, trainingScores: [Float]) {
        self.network = network
        self.state = state
        self.trainingScores = trainingScores
    }

    /// The logit of each row (inference mode); equal to ``scores(_:)``.
    ///
    /// - Throws: `DataError.schemaMismatch` when `x` has another number of columns.
    public func logits(_ x: Matrix) throws -> [Float] {
        try checkWidth(x)
        return Self.logits(network, x)
    }

    /// The logit of each row: higher = more anomalous.
    public func scores(_ x: Matrix) throws -> [Float] { try logits(x) }

    /// σ(logit): the network's own probability that each row is an anomaly (not calibrated for the
    /// class weights; see ``FittedDetector/probabilities(_:method:)`` for PyOD's scalings).
    public func anomalyProbabilities(_ x: Matrix) throws -> [Float] {
        try logits(x).map { 1 / (1 + (-$0).exponential) }
    }

    static func logits(_ network: Network, _ x: Matrix) -> [Float] {
        NeuralScoring.outputs(network, x).scalars
    }

    struct Architecture: Codable {
        var network: NetworkArchitecture
    }

    /// The classifier: its one output, the logit, is the score.
    public var scoringNetwork: Network { network }

    /// The network's dense arithmetic.
    public var flopsPerRow: Double { network.denseFLOPs }

    public func encode() throws -> (tensors: [Tensor], architecture: JSONValue) {
        (network.tensors(prefix: "network."), try JSONValue(encoding: Architecture(network: network.architecture)))
    }

    public init(decoding file: ModelFile, state: DetectorState, trainingScores: [Float]) throws {
        guard let document = file.metadata.architecture, let architecture = try? document.decode(Architecture.self) else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected a supervised network architecture")
        }
        let network = try NeuralScoring.decodeNetwork(file, architecture: architecture.network,
                                                      featureCount: state.featureCount)
        guard network.outputWidth == 1 else {
            throw ModelError.invalidMetadata(file: file.file, reason: "expected one logit output, found \(network.outputWidth)")
        }
        self.init(network: network, state: state, trainingScores: trainingScores)
    }
}

private extension Float {
    var exponential: Float { Float(Foundation.exp(Double(self))) }
}
