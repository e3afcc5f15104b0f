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
