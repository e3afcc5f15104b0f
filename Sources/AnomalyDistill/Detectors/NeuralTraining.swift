/// How a network is trained — the settings the autoencoder, Deep SVDD, the supervised network, the
/// discrepancy detector and the distiller share, declared, described and checked once. (MO-GAAL trains a
/// GAN, with two learning rates and momentum: only the network's shape checks are shared with it, through
/// ``NeuralDetectorSettings``.)
public struct NeuralTraining: Sendable, Hashable {
    /// Passes over the training rows (early stopping may end sooner).
    public var epochs: Int
    /// Rows per mini-batch.
    public var batchSize: Int
    /// Adam's learning rate.
    public var learningRate: Double
    /// Decoupled weight decay (AdamW).
    public var weightDecay: Double
    /// Fraction of the training rows held out for early stopping (0: none).
    public var validationFraction: Double
    /// Epochs without improvement before early stopping.
    public var patience: Int
    /// Rows drawn per epoch (`nil`: every row), so large data sets train in bounded time.
    public var rowsPerEpoch: Int?

    public init(epochs: Int, batchSize: Int, learningRate: Double, weightDecay: Double,
                validationFraction: Double = 0, patience: Int = 5, rowsPerEpoch: Int? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.validationFraction = validationFraction
        self.patience = patience
        self.rowsPerEpoch = rowsPerEpoch
    }

    /// Checks every setting against ``SettingLimits``.
    /// - Throws: `ConfigurationError.invalidSetting` naming the setting.
    public func validate() throws {
        try SettingLimits.check(epochs, in: SettingLimits.epochs, name: "epochs")
        try SettingLimits.check(batchSize, in: SettingLimits.batchSize, name: "batch size")
        guard learningRate > 0 && learningRate.isFinite else {
            throw ConfigurationError.invalidSetting(
                name: "learning rate", reason: "expected a positive finite value, found \(learningRate)")
        }
        guard weightDecay >= 0 && weightDecay.isFinite else {
            throw ConfigurationError.invalidSetting(name: "weight decay", reason: "expected a finite value ≥ 0, found \(weightDecay)")
        }
        guard validationFraction >= 0 && validationFraction <= 0.5 else {
            throw ConfigurationError.invalidSetting(
                name: "validation fraction", reason: "expected a value in [0, 0.5], found \(validationFraction)")
        }
        guard patience >= 1 else {
            throw ConfigurationError.invalidSetting(name: "patience", reason: "expected at least 1, found \(patience)")
        }
        if let rowsPerEpoch, rowsPerEpoch < 1 {
            throw ConfigurationError.invalidSetting(name: "rows per epoch", reason: "expected at least 1, found \(rowsPerEpoch)")
        }
    }

    /// `epochs: …, batchSize: …, learningRate: …, weightDecay: …, validationFraction: …, patience: …,
    /// rowsPerEpoch: …`, for the detectors' descriptions.
    public var description: String {
        "epochs: \(epochs), batchSize: \(batchSize), learningRate: \(learningRate), weightDecay: \(weightDecay), "
            + "validationFraction: \(validationFraction), patience: \(patience), "
            + "rowsPerEpoch: \(rowsPerEpoch.map(String.init) ?? "all")"
    }
}

/// A configuration trained by ``NeuralTraining``: its settings read and write through ``training``.
public protocol NeuralTrained {
    var training: NeuralTraining { get set }
}

extension NeuralTrained {
    public var epochs: Int {
        get { training.epochs }
        set { training.epochs = newValue }
    }
    public var batchSize: Int {
        get { training.batchSize }
        set { training.batchSize = newValue }
    }
    public var learningRate: Double {
        get { training.learningRate }
        set { training.learningRate = newValue }
    }
    public var weightDecay: Double {
        get { training.weightDecay }
        set { training.weightDecay = newValue }
    }
    public var validationFraction: Double {
        get { training.validationFraction }
        set { training.validationFraction = newValue }
    }
    public var patience: Int {
        get { training.patience }
        set { training.patience = newValue }
    }
    public var rowsPerEpoch: Int? {
        get { training.rowsPerEpoch }
        set { training.rowsPerEpoch = newValue }
    }
}
