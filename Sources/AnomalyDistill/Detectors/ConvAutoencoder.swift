import Foundation

/// A one-dimensional convolutional autoencoder over windows of a multivariate series, scored by reconstruction
/// error: the sequence teacher for sensor data (SKAB's Conv-AE baseline is of this family).
///
/// Its rows are ``Window/Features/lags`` windows (`--window N --window-features lags`): ``channels`` sensors of
/// ``steps`` readings each, channel after channel. The encoder is two strided convolutions with ReLU
/// (`channels → 32` filters, then `32 → 16`, kernel 5 or the window if shorter, stride 2 each); a dense bottleneck of
/// ``bottleneck`` units with ReLU and a linear dense decoder rebuild the whole window. Loss: mean squared error, Adam;
/// the inputs are standardised column by column first (as ``Autoencoder``). Score: the Euclidean distance between a
/// window and its reconstruction, as ``FittedAutoencoder`` (the fitted type it shares, kind `conv_autoencoder`).
/// Explained by each value's share of the squared reconstruction error: `(xⱼ − x̂ⱼ)² / ‖x − x̂‖`, which sums to the
/// score.
public struct ConvAutoencoder: Detector, NeuralTrained {
    /// Readings per window.
    public var steps: Int
    /// Units of the dense bottleneck.
    public var bottleneck: Int
    public var training: NeuralTraining
    public var contamination: Double

    public init(steps: Int, bottleneck: Int = 32, epochs: Int = 30, batchSize: Int = 32, learningRate: Double = 1e-3,
                weightDecay: Double = 1e-5, rowsPerEpoch: Int? = 20_000, contamination: Double = Contamination.default) {
        self.steps = steps
        self.bottleneck = bottleneck
        training = NeuralTraining(epochs: epochs, batchSize: batchSize, learningRate: learningRate,
                                  weightDecay: weightDecay, rowsPerEpoch: rowsPerEpoch)
        self.contamination = contamination
    }

    public var description: String {
        "ConvAutoencoder(steps: \(steps), bottleneck: \(bottleneck), \(training.description), contamination: \(contamination))"
    }

    public func validate() throws {
        try Contamination.validate(contamination)
        try training.validate()
        guard Window.lengthRange.contains(steps) else {
            throw ConfigurationError.invalidSetting(name: "window", reason: "expected windows of 2 to 10000 readings, found \(steps)")
        }
        guard (1...4096).contains(bottleneck) else {
            throw ConfigurationError.invalidSetting(name: "hidden", reason: "expected a bottleneck of 1 to 4096 units, found \(bottleneck)")
        }
    }

    /// The network for windows of `channels` sensors.
    public func architecture(channels: Int) throws -> NetworkArchitecture {
        let kernel = min(5, steps)
        let firstSteps = Conv1D.outputSteps(steps: steps, kernel: kernel, stride: 2)
        let secondKernel = min(5, firstSteps)
        let secondSteps = Conv1D.outputSteps(steps: firstSteps, kernel: secondKernel, stride: 2)
        return try NetworkArchitecture(inputWidth: channels * steps, layers: [
            .conv1d(channels: channels, steps: steps, filters: 32, kernel: kernel, stride: 2), .activation(.relu),
            .conv1d(channels: 32, steps: firstSteps, filters: 16, kernel: secondKernel, stride: 2), .activation(.relu),
            .dense(inputs: 16 * secondSteps, outputs: bottleneck, bias: true), .activation(.relu),
            .dense(inputs: bottleneck, outputs: channels * steps, bias: true),
        ])
    }

    /// Trains on windows `x` (`channels × steps` values a row); `labels` are ignored.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` when the width is not a whole number of windows, for bad
    ///   settings or input; `TrainingError.diverged` when training diverges.
    public func fit(_ x: Matrix, labels: [Int]?, using random: inout RandomSource) throws -> FittedAutoencoder {
        try validate()
        try NeuralScoring.checkTrainingInput(x, labels: nil)
        guard x.columns % steps == 0 else {
            throw ConfigurationError.invalidSetting(
                name: "window", reason: "the conv-autoencoder reads windows of \(steps) readings per sensor (--window \(steps) --window-features lags), found \(x.columns) features, not a multiple of \(steps)")
        }
        let scaling = InputScaling(fitting: x)
        let scaled = scaling.apply(x)
        var network = Network(architecture: try architecture(channels: x.columns / steps), initialization: .heUniform,
                              random: &random)
        var adam = Adam(learningRate: Float(learningRate), weightDecay: Float(weightDecay))
        let epochs = EpochTraining(epochs: training.epochs, batchSize: batchSize, rowsPerEpoch: rowsPerEpoch,
                                   name: "conv-autoencoder")
        try epochs.run(&network, inputs: scaled, targets: scaled, loss: MeanSquaredError(), optimizer: &adam,
                       validation: nil, using: &random)
        guard network.isFinite else {
            throw TrainingError.diverged(detector: "conv-autoencoder", epoch: training.epochs, learningRate: Double(adam.learningRate))
        }
        let scores = FittedAutoencoder.reconstructionDistances([network], scaled)
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.nonFiniteScores(detector: "conv-autoencoder", row: bad)
        }
        let state = try DetectorState(trainingScores: scores, contamination: contamination, featureCount: x.columns)
        return FittedAutoencoder(networks: [network], scaling: scaling, state: state, trainingScores: scores)
    }
}
