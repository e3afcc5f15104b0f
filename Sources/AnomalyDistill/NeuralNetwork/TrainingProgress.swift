/// Where long-running fits report how far they are, for progress bars.
///
/// The command line sets a handler for the duration of a fit with
/// `TrainingProgress.$handler.withValue(...)`; the trainer reports each epoch and detectors their
/// stages. Reports are dropped when no handler is set, so the library prints nothing by itself.
public enum TrainingProgress {
    /// Receives a stage name and the fraction done in [0, 1].
    @TaskLocal public static var handler: (@Sendable (String, Double) -> Void)?

    /// Reports progress to the current handler, if any.
    public static func report(_ stage: String, fraction: Double) {
        handler?(stage, min(1, max(0, fraction)))
    }
}
