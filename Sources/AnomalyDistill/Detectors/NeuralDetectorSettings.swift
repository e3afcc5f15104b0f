/// Checks of the training settings every neural detector shares (autoencoder, Deep SVDD, the supervised
/// network, the discrepancy detector, MO-GAAL, the distiller's student).
enum NeuralDetectorSettings {
    /// Checks the settings every neural detector shares.
    static func validate(
        hidden: [Int]?, epochs: Int, batchSize: Int, learningRate: Double, dropout: Double, contamination: Double
    ) throws {
        try Contamination.validate(contamination)
        if let hidden { try SettingLimits.check(widths: hidden, name: "hidden") }
        try SettingLimits.check(epochs, in: SettingLimits.epochs, name: "epochs")
        try SettingLimits.check(batchSize, in: SettingLimits.batchSize, name: "batch size")
        guard learningRate > 0 && learningRate.isFinite else {
            throw ConfigurationError.invalidSetting(
                name: "learning rate", reason: "expected a positive finite value, found \(learningRate)")
        }
        guard dropout >= 0 && dropout < 1 else {
            throw ConfigurationError.invalidSetting(name: "dropout", reason: "expected a rate in [0, 1), found \(dropout)")
        }
    }
}
