import AnomalyDistill

/// `ad-bench autoencoder [ROWS] [DIMS] [EPOCHS]`: times training epochs of the autoencoder
/// d → 64 → 32 → 64 → d (ReLU, batch norm, dropout 0.2, batch 32, Adam, MSE) on random rows;
/// prints the best and median milliseconds per epoch as JSON.
enum AutoencoderBench {
    static func run(_ arguments: [String]) throws {
        let rows = arguments.count > 0 ? Int(arguments[0]) ?? 10_000 : 10_000
        let dims = arguments.count > 1 ? Int(arguments[1]) ?? 30 : 30
        let epochs = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
        var random = RandomSource(seed: 42)
        var x = Matrix(rows: rows, columns: dims)
        for i in x.scalars.indices { x.scalars[i] = Float(random.normal()) }
        let architecture = try NetworkArchitecture.mlp(
            inputWidth: dims, hidden: [64, 32, 64], outputWidth: dims, activation: .relu, dropout: 0.2, batchNorm: true)
        var network = Network(architecture: architecture, random: &random)
        var adam = Adam()
        let clock = ContinuousClock()
        var times: [Double] = []
        let trainer = Trainer(epochs: 1, batchSize: 32)
        // One warm-up epoch, then `epochs` timed ones.
        for epoch in 0...epochs {
            let start = clock.now
            try trainer.fit(&network, inputs: x, targets: x, loss: MeanSquaredError(), optimizer: &adam, using: &random)
            let (s, atto) = (clock.now - start).components
            if epoch > 0 { times.append((Double(s) + Double(atto) * 1e-18) * 1000) }
        }
        times.sort()
        let steps = (rows + 31) / 32
        print(
            "{\"rows\": \(rows), \"dims\": \(dims), \"parameters\": \(network.parameterCount), \"ms_per_epoch_best\": \(times[0]), \"ms_per_epoch_median\": \(times[times.count / 2]), \"us_per_step\": \(times[0] * 1000 / Double(steps))}"
        )
    }
}
