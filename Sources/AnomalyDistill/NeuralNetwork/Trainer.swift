/// Mini-batch training of a ``Network``: shuffling, a validation split, early stopping and
/// recovery from divergence.
///
/// Each epoch shuffles the training rows with the injected generator and runs one optimizer step
/// per mini-batch; training is single-threaded, so the same seed gives bitwise the same weights.
/// With a validation split (drawn once from the generator), the validation loss is computed in
/// inference mode after each epoch and is the monitored loss; without one, the training loss is.
///
/// **Early stopping** (with ``patience``) ends training when the monitored loss has not improved
/// by more than ``minimumImprovement`` for `patience` epochs, and leaves the network with the
/// weights of its best epoch (Keras' `restore_best_weights=True`).
///
/// **Divergence**: when a mini-batch loss, the validation loss or a weight becomes NaN or infinite,
/// the weights and optimizer state of the end of the last good epoch are restored, the learning
/// rate is halved and the epoch is run again, up to ``divergenceRetries`` times per epoch; then
/// `TrainingError.diverged` is thrown. A NaN model is never returned.
public struct Trainer: Sendable {
    /// Number of passes over the training rows.
    public var epochs: Int
    /// Rows per mini-batch (the last one of an epoch may be smaller).
    public var batchSize: Int
    /// Whether the training rows are shuffled each epoch.
    public var shuffles: Bool
    /// The fraction of rows held out for validation, in [0, 1); 0 for none.
    public var validationFraction: Double
    /// Stop after this many epochs without improvement, restoring the best weights; `nil` to run all epochs.
    public var patience: Int?
    /// The decrease of the monitored loss that counts as an improvement.
    public var minimumImprovement: Double
    /// How many times one epoch is retried at half the learning rate after diverging.
    public var divergenceRetries: Int
    /// The name used in errors (`autoencoder`, `student`).
    public var name: String
    /// Whether each epoch is reported to `TrainingProgress` (off when a caller reports its own epochs).
    public var reportsProgress = true

    /// - Parameters:
    ///   - epochs: Number of passes over the training rows.
    ///   - batchSize: Rows per mini-batch.
    ///   - shuffles: Whether to shuffle each epoch.
    ///   - validationFraction: Fraction held out for validation, in [0, 1).
    ///   - patience: Epochs without improvement before stopping early; `nil` for none.
    ///   - minimumImprovement: The decrease that counts as an improvement.
    ///   - divergenceRetries: Retries of a diverged epoch at half the learning rate.
    ///   - name: The name used in errors.
    public init(
        epochs: Int = 100, batchSize: Int = 32, shuffles: Bool = true, validationFraction: Double = 0,
        patience: Int? = nil, minimumImprovement: Double = 0, divergenceRetries: Int = 3,
        name: String = "network"
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffles = shuffles
        self.validationFraction = validationFraction
        self.patience = patience
        self.minimumImprovement = minimumImprovement
        self.divergenceRetries = divergenceRetries
        self.name = name
    }

    /// Checks the settings alone.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` naming the setting.
    public func validate() throws {
        guard epochs >= 1 else {
            throw ConfigurationError.invalidSetting(name: "epochs", reason: "expected at least 1, found \(epochs)")
        }
        guard batchSize >= 1 else {
            throw ConfigurationError.invalidSetting(name: "batch size", reason: "expected at least 1, found \(batchSize)")
        }
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw ConfigurationError.invalidSetting(
                name: "validation fraction", reason: "expected a value in [0, 1), found \(validationFraction)")
        }
        if let patience, patience < 1 {
            throw ConfigurationError.invalidSetting(name: "patience", reason: "expected at least 1, found \(patience)")
        }
        guard divergenceRetries >= 0 else {
            throw ConfigurationError.invalidSetting(
                name: "divergence retries", reason: "expected at least 0, found \(divergenceRetries)")
        }
    }

    /// Trains `network` to map `inputs` to `targets` under `loss`.
    ///
    /// - Parameters:
    ///   - network: The network, updated in place (left with the best weights when early stopping is on).
    ///   - inputs: One row per example.
    ///   - targets: One row per example, `loss.targetWidth(forOutputWidth:)` columns (the inputs
    ///     themselves for an autoencoder).
    ///   - loss: The objective.
    ///   - optimizer: Its learning rate is halved after each divergence.
    ///   - random: The seeded generator for the validation split and the shuffles.
    ///   - onEpoch: Called after each completed epoch.
    /// - Returns: The losses of each epoch and the best epoch.
    /// - Throws: `TrainingError.noTrainingRows`, `ConfigurationError.invalidSetting` for bad settings or
    ///   shapes, `TrainingError.diverged` when an epoch diverged more than ``divergenceRetries`` times.
    /// - Complexity: O(epochs · rows · parameters); no allocation per mini-batch step.
    @discardableResult
    public func fit<L: Loss, O: Optimizer>(
        _ network: inout Network,
        inputs: Matrix,
        targets: Matrix,
        loss: L,
        optimizer: inout O,
        using random: inout RandomSource,
        onEpoch: (EpochReport) -> Void = { _ in }
    ) throws -> TrainingHistory {
        try validate()
        let n = inputs.rows
        guard n > 0 else { throw TrainingError.noTrainingRows }
        guard inputs.columns == network.inputWidth else {
            throw DataError.invalidInput(
                name: "inputs", reason: "expected \(network.inputWidth) features, found \(inputs.columns)")
        }
        let targetWidth = loss.targetWidth(forOutputWidth: network.outputWidth)
        guard targets.rows == n, targets.columns == targetWidth else {
            throw DataError.invalidInput(
                name: "targets",
                reason: "expected \(n) rows of \(targetWidth) targets, found \(targets.rows)×\(targets.columns)")
        }

        // The validation split, drawn once.
        var order = Array(0..<n)
        var validationInputs: Matrix?, validationTargets: Matrix?
        if validationFraction > 0 && n >= 2 {
            let count = min(n - 1, max(1, Int((Double(n) * validationFraction).rounded())))
            let permutation = random.sample(n, from: n)
            let held = Array(permutation[..<count]).sorted()
            order = Array(permutation[count...]).sorted()
            validationInputs = inputs.rows(at: held)
            validationTargets = targets.rows(at: held)
        }

        var history = TrainingHistory()
        var batchInputs = Matrix(rows: 0, columns: inputs.columns)
        var batchTargets = Matrix(rows: 0, columns: targets.columns)
        var gradient = Matrix(rows: 0, columns: network.outputWidth)
        var lastGood = (network: network, optimizer: optimizer)
        var best: Network?
        var bestLoss = Double.infinity
        var epochsWithoutImprovement = 0
        var retries = 0
        var epoch = 0
        while epoch < epochs {
            if shuffles { random.shuffle(&order) }
            var sum: Double = 0
            var diverged = false
            var start = 0
            while start < order.count {
                let end = min(start + batchSize, order.count)
                Trainer.gather(inputs, order[start..<end], into: &batchInputs)
                Trainer.gather(targets, order[start..<end], into: &batchTargets)
                network.forward(batchInputs, training: true)
                let value = loss.evaluate(network.output, batchTargets, gradient: &gradient)
                guard value.isFinite else {
                    diverged = true
                    break
                }
                network.backward(gradient)
                optimizer.step(&network)
                sum += Double(value) * Double(end - start)
                start = end
            }
            let trainingLoss = sum / Double(order.count)
            // The losses above were computed before each step: check that the weights the last step
            // left still give a finite loss (in inference mode, on the last mini-batch).
            if !diverged {
                network.forward(batchInputs, training: false)
                diverged = !loss.evaluate(network.output, batchTargets, gradient: &gradient).isFinite
            }
            var validationLoss: Double?
            if !diverged, let validationInputs, let validationTargets {
                validationLoss = Trainer.evaluate(
                    &network, validationInputs, validationTargets, loss: loss,
                    chunk: max(batchSize, 1024), gradient: &gradient)
            }
            if diverged || !trainingLoss.isFinite || !(validationLoss?.isFinite ?? true) || !network.isFinite {
                history.divergences += 1
                retries += 1
                let learningRate = optimizer.learningRate
                guard retries <= divergenceRetries else {
                    network = lastGood.network
                    throw TrainingError.diverged(detector: name, epoch: epoch + 1, learningRate: Double(learningRate))
                }
                (network, optimizer) = lastGood
                optimizer.learningRate = learningRate / 2
                continue
            }
            retries = 0
            lastGood = (network, optimizer)
            epoch += 1
            history.trainingLosses.append(trainingLoss)
            if let validationLoss { history.validationLosses.append(validationLoss) }
            let monitored = validationLoss ?? trainingLoss
            let improved = monitored < bestLoss - minimumImprovement
            if improved {
                bestLoss = monitored
                history.bestEpoch = epoch
                epochsWithoutImprovement = 0
                if patience != nil { best = network }
            } else {
                epochsWithoutImprovement += 1
            }
            if reportsProgress { TrainingProgress.report(name, fraction: Double(epoch) / Double(epochs)) }
            onEpoch(
                EpochReport(
                    epoch: epoch, epochs: epochs, trainingLoss: trainingLoss, validationLoss: validationLoss,
                    learningRate: Double(optimizer.learningRate), isBest: improved))
            if let patience, epochsWithoutImprovement >= patience {
                history.stoppedEarly = epoch < epochs
                break
            }
        }
        if patience != nil, let best { network = best }
        history.finalLearningRate = Double(optimizer.learningRate)
        return history
    }

    /// Copies the rows of `source` at `indices`, in order, into `target` (resized, storage reused).
    static func gather(_ source: Matrix, _ indices: ArraySlice<Int>, into target: inout Matrix) {
        let columns = source.columns
        target.resize(rows: indices.count, columns: columns)
        guard columns > 0 else { return }
        source.scalars.withUnsafeBufferPointer { from in
            target.scalars.withUnsafeMutableBufferPointer { to in
                var position = 0
                for index in indices {
                    (to.baseAddress! + position * columns).update(
                        from: from.baseAddress! + index * columns, count: columns)
                    position += 1
                }
            }
        }
    }

    /// The mean loss over all rows of `inputs` in inference mode, computed `chunk` rows at a time.
    static func evaluate<L: Loss>(
        _ network: inout Network, _ inputs: Matrix, _ targets: Matrix, loss: L, chunk: Int,
        gradient: inout Matrix
    ) -> Double {
        var sum: Double = 0
        var start = 0
        var batchInputs = Matrix(rows: 0, columns: inputs.columns)
        var batchTargets = Matrix(rows: 0, columns: targets.columns)
        var indices = Array(0..<min(chunk, inputs.rows))
        while start < inputs.rows {
            let end = min(start + chunk, inputs.rows)
            for i in 0..<(end - start) { indices[i] = start + i }
            gather(inputs, indices[0..<(end - start)], into: &batchInputs)
            gather(targets, indices[0..<(end - start)], into: &batchTargets)
            network.forward(batchInputs, training: false)
            sum += Double(loss.evaluate(network.output, batchTargets, gradient: &gradient)) * Double(end - start)
            start = end
        }
        return sum / Double(inputs.rows)
    }
}
