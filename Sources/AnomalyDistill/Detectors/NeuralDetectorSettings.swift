/// Checks of the training settings every neural detector shares (autoencoder, Deep SVDD, the supervised
/// network, the discrepancy detector, MO-GAAL, the distiller's student).
enum NeuralDetectorSettings {
    /// Checks the settings every neural detector shares.
    static func validate(
        hidden: [Int]?, epochs: Int, batchSize: Int, learningRate: Double, dropout: Double, contamination: Double
    ) throws {
        try Contamination.validate(contamination)
        if let hidden {
            guard !hidden.isEmpty else {
                throw DataError.invalidArgument(name: "hidden", reason: "expected at least one hidden width, found none")
            }
            if let bad = hidden.first(where: { $0 < 1 }) {
                throw DataError.invalidArgument(name: "hidden", reason: "expected widths of at least 1, found \(bad)")
            }
        }
        guard epochs >= 1 else {
            throw DataError.invalidArgument(name: "epochs", reason: "expected at least 1, found \(epochs)")
        }
        guard batchSize >= 1 else {
            throw DataError.invalidArgument(name: "batch size", reason: "expected at least 1, found \(batchSize)")
        }
        guard learningRate > 0 && learningRate.isFinite else {
            throw DataError.invalidArgument(
                name: "learning rate", reason: "expected a positive finite value, found \(learningRate)")
        }
        guard dropout >= 0 && dropout < 1 else {
            throw DataError.invalidArgument(name: "dropout", reason: "expected a rate in [0, 1), found \(dropout)")
        }
    }
}
