/// What the ``Trainer`` reports after each epoch (for progress bars and logs).
public struct EpochReport: Sendable, Equatable {
    /// The epoch just finished, from 1.
    public var epoch: Int
    /// The number of epochs asked for.
    public var epochs: Int
    /// The mean training loss over the epoch's mini-batches (weighted by batch size).
    public var trainingLoss: Double
    /// The loss on the validation rows in inference mode, when there is a validation split.
    public var validationLoss: Double?
    /// The learning rate the epoch ran with.
    public var learningRate: Double
    /// Whether this epoch has the best monitored loss so far.
    public var isBest: Bool
}

/// The record of a training run.
public struct TrainingHistory: Sendable, Codable, Equatable {
    /// The training loss of each completed epoch.
    public var trainingLosses: [Double] = []
    /// The validation loss of each completed epoch (empty without a validation split).
    public var validationLosses: [Double] = []
    /// The epoch (from 1) with the best monitored loss: validation loss when there is a split,
    /// else training loss.
    public var bestEpoch = 0
    /// Whether early stopping ended training before the last epoch.
    public var stoppedEarly = false
    /// How many times an epoch diverged and was retried at half the learning rate.
    public var divergences = 0
    /// The learning rate at the end (lower than the initial one after divergences).
    public var finalLearningRate: Double = 0

    /// The monitored loss of the best epoch.
    public var bestLoss: Double? {
        guard bestEpoch > 0 else { return nil }
        let losses = validationLosses.isEmpty ? trainingLosses : validationLosses
        return losses[bestEpoch - 1]
    }

    enum CodingKeys: String, CodingKey {
        case trainingLosses = "training_losses"
        case validationLosses = "validation_losses"
        case bestEpoch = "best_epoch"
        case stoppedEarly = "stopped_early"
        case divergences
        case finalLearningRate = "final_learning_rate"
    }
}
