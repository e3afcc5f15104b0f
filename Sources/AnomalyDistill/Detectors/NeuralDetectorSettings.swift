/// Checks of the settings every neural detector shares besides ``NeuralTraining``: the hidden widths, the
/// dropout rate and the contamination (autoencoder, Deep SVDD, the supervised network, the discrepancy
/// detector, MO-GAAL).
enum NeuralDetectorSettings {
    static func validate(hidden: [Int]?, dropout: Double, contamination: Double) throws {
        try Contamination.validate(contamination)
        if let hidden { try SettingLimits.check(widths: hidden, name: "hidden") }
        guard dropout >= 0 && dropout < 1 else {
            throw ConfigurationError.invalidSetting(name: "dropout", reason: "expected a rate in [0, 1), found \(dropout)")
        }
    }
}
