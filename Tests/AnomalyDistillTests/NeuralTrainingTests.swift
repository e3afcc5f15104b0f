import Testing

@testable import AnomalyDistill

/// One training-settings value, checked once, for every type that trains a network.
@Suite struct NeuralTrainingTests {
    static let bad: [(String, @Sendable (inout NeuralTraining) -> Void)] = [
        ("epochs", { $0.epochs = 0 }), ("batch size", { $0.batchSize = 0 }), ("learning rate", { $0.learningRate = .nan }),
        ("weight decay", { $0.weightDecay = -1 }), ("validation fraction", { $0.validationFraction = 0.9 }),
        ("patience", { $0.patience = 0 }), ("rows per epoch", { $0.rowsPerEpoch = 0 }),
    ]

    /// Every configuration with a `NeuralTraining`, validated through its own `validate()`.
    static func configurations(_ change: (inout NeuralTraining) -> Void) -> [(String, () throws -> Void)] {
        var autoencoder = Autoencoder(), deepSVDD = DeepSVDD(), supervised = SupervisedNetwork()
        var discrepancy = Discrepancy(), distiller = Distiller()
        change(&autoencoder.training)
        change(&deepSVDD.training)
        change(&supervised.training)
        change(&discrepancy.training)
        change(&distiller.training)
        return [("autoencoder", autoencoder.validate), ("deep SVDD", deepSVDD.validate),
                ("supervised", supervised.validate), ("discrepancy", discrepancy.validate),
                ("distiller", distiller.validate)]
    }

    @Test("each bad training setting is refused the same way by every neural type", arguments: 0..<7)
    func sameCheckEverywhere(_ index: Int) {
        let (name, change) = Self.bad[index]
        for (type, validate) in Self.configurations(change) {
            let error = #expect(throws: ConfigurationError.self, "\(type)") { try validate() }
            if case let .invalidSetting(found, _)? = error { #expect(found == name, "\(type)") }
        }
    }

    @Test("the defaults are valid, the settings read through to the shared value, and descriptions show them")
    func defaults() throws {
        for (_, validate) in Self.configurations({ _ in }) { try validate() }
        var autoencoder = Autoencoder(epochs: 7, batchSize: 16)
        #expect(autoencoder.training.epochs == 7 && autoencoder.batchSize == 16)
        autoencoder.learningRate = 0.01
        #expect(autoencoder.training.learningRate == 0.01)
        #expect(autoencoder.description.contains("epochs: 7, batchSize: 16, learningRate: 0.01"))
        #expect(Distiller(epochs: 9).description.contains(NeuralTraining(epochs: 9, batchSize: 64, learningRate: 3e-3,
                                                                          weightDecay: 0, patience: 15, rowsPerEpoch: 20_000).description))
    }
}
