/// Epoch-by-epoch training shared by the neural detectors (``Autoencoder``, ``DeepSVDD``,
/// ``SupervisedNetwork``), on top of the ``Trainer``.
///
/// Each epoch is one `Trainer` pass (shuffled mini-batches, the last one smaller; divergence
/// retried at half the learning rate and reported as `TrainingError.diverged` with the true epoch
/// number). Around it this adds what the detectors need and the `Trainer` does not offer:
/// - an explicit validation set (the supervised network's stratified split),
/// - a cap on the rows seen per epoch (a fresh random subsample each epoch, for large data),
/// - keeping the weights of the best epoch by the monitored loss, with or without early stopping.
struct EpochTraining {
    /// Passes over the (possibly subsampled) training rows.
    var epochs: Int
    /// Rows per mini-batch.
    var batchSize: Int
    /// Stop after this many epochs without improvement; `nil` to run all epochs.
    var patience: Int? = nil
    /// Restore the weights of the epoch with the lowest monitored loss at the end.
    var keepsBest: Bool = false
    /// At most this many rows per epoch, drawn afresh each epoch; `nil` for all rows.
    var rowsPerEpoch: Int? = nil
    /// The name used in errors.
    var name: String

    /// Trains `network` and returns its history (training losses, validation losses, best epoch).
    ///
    /// - Parameters:
    ///   - validation: Rows whose inference-mode loss is monitored instead of the training loss.
    /// - Throws: `TrainingError.diverged` when an epoch diverged after all retries.
    @discardableResult
    func run<L: Loss, O: Optimizer>(
        _ network: inout Network, inputs: Matrix, targets: Matrix, loss: L, optimizer: inout O,
        validation: (inputs: Matrix, targets: Matrix)? = nil, using random: inout RandomSource
    ) throws -> TrainingHistory {
        let n = inputs.rows
        guard n > 0 else { throw TrainingError.noTrainingRows }
        var trainer = Trainer(epochs: 1, batchSize: batchSize, name: name)
        // The one-epoch trainer's own report would always say 100%: the real epoch is reported below.
        trainer.reportsProgress = false
        var history = TrainingHistory()
        var best: Network?
        var bestLoss = Double.infinity
        var sinceImprovement = 0
        var gradient = Matrix(rows: 0, columns: 0)
        for epoch in 1...epochs {
            var epochInputs = inputs, epochTargets = targets
            if let cap = rowsPerEpoch, cap < n {
                let rows = random.sample(cap, from: n).sorted()
                epochInputs = inputs.rows(at: rows)
                epochTargets = targets.rows(at: rows)
            }
            let pass: TrainingHistory
            do {
                pass = try trainer.fit(
                    &network, inputs: epochInputs, targets: epochTargets, loss: loss, optimizer: &optimizer,
                    using: &random)
            } catch let TrainingError.diverged(detector, _, learningRate) {
                throw TrainingError.diverged(detector: detector, epoch: epoch, learningRate: learningRate)
            }
            TrainingProgress.report(name, fraction: Double(epoch) / Double(epochs))
            history.divergences += pass.divergences
            let trainingLoss = pass.trainingLosses.first ?? .nan
            history.trainingLosses.append(trainingLoss)
            var monitored = trainingLoss
            if let validation, validation.inputs.rows > 0 {
                monitored = Trainer.evaluate(
                    &network, validation.inputs, validation.targets, loss: loss, chunk: 4096, gradient: &gradient)
                guard monitored.isFinite else {
                    throw TrainingError.diverged(
                        detector: name, epoch: epoch, learningRate: Double(optimizer.learningRate))
                }
                history.validationLosses.append(monitored)
            }
            if monitored < bestLoss {
                bestLoss = monitored
                history.bestEpoch = epoch
                sinceImprovement = 0
                if keepsBest || patience != nil { best = network }
            } else {
                sinceImprovement += 1
            }
            if let patience, sinceImprovement >= patience {
                history.stoppedEarly = epoch < epochs
                break
            }
        }
        if let best { network = best }
        history.finalLearningRate = Double(optimizer.learningRate)
        return history
    }
}

/// Inference helpers shared by the neural detectors.
enum NeuralScoring {
    /// Rows per forward pass when scoring, so memory stays bounded on large inputs.
    static let chunk = 4096

    /// Runs `network` in inference mode over `x`, `chunk` rows at a time, calling `body` with the
    /// chunk's first row, its inputs and its outputs.
    static func forEachChunk(_ network: Network, _ x: Matrix, _ body: (Int, Matrix, Matrix) -> Void) {
        var network = network
        var batch = Matrix(rows: 0, columns: x.columns)
        var start = 0
        while start < x.rows {
            let end = min(start + chunk, x.rows)
            Trainer.gather(x, Array(start..<end)[...], into: &batch)
            let output = network.forward(batch, training: false)
            body(start, batch, output)
            start = end
        }
    }

    /// The outputs of `network` for every row of `x`, in inference mode.
    static func outputs(_ network: Network, _ x: Matrix) -> Matrix {
        var result = Matrix(rows: x.rows, columns: network.outputWidth)
        let width = network.outputWidth
        forEachChunk(network, x) { start, _, output in
            result.scalars.withUnsafeMutableBufferPointer { target in
                output.scalars.withUnsafeBufferPointer { source in
                    (target.baseAddress! + start * width).update(from: source.baseAddress!, count: source.count)
                }
            }
        }
        return result
    }

    /// Checks the training input every neural detector shares.
    ///
    /// - Throws: `TrainingError.noTrainingRows` for no rows, `DataError.invalidArgument` for no
    ///   columns, a non-finite value or labels of the wrong count or values.
    static func checkTrainingInput(_ x: Matrix, labels: [Int]?) throws {
        guard x.rows > 0 else { throw TrainingError.noTrainingRows }
        guard x.columns > 0 else {
            throw DataError.invalidArgument(name: "features", reason: "expected at least one feature, found none")
        }
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidArgument(
                name: "features",
                reason: "expected finite values, found \(x.scalars[bad]) at row \(bad / x.columns + 1), "
                    + "column \(bad % x.columns + 1)")
        }
        if let labels {
            guard labels.count == x.rows else {
                throw DataError.invalidArgument(name: "labels", reason: "expected \(x.rows) labels, found \(labels.count)")
            }
            if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw DataError.invalidArgument(
                    name: "labels", reason: "expected 0 or 1, found \(labels[bad]) for row \(bad + 1)")
            }
        }
    }

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

    /// The architecture document's network entry, decoded, and the network its tensors hold.
    static func decodeNetwork(_ file: ModelFile, architecture: NetworkArchitecture, featureCount: Int) throws -> Network {
        guard architecture.inputWidth == featureCount else {
            throw ModelError.invalidMetadata(
                file: file.file,
                reason: "expected a network over \(featureCount) features, found \(architecture.inputWidth)")
        }
        do {
            return try Network(architecture: architecture, tensors: file.tensors, prefix: "network.", file: file.file)
        } catch let error as DataError {
            throw ModelError.invalidMetadata(file: file.file, reason: "invalid network architecture: \(error)")
        }
    }
}
