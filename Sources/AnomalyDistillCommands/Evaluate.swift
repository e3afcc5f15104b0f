import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill evaluate --scores FILE`: every metric of a scored, labelled file.
struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute ROC-AUC, average precision, precision/recall/F1 and more from a CSV of scores and labels.")

    @Option(help: "A CSV file with a 'score' column (higher = more anomalous) and a 'label' column (1 = anomaly).")
    var scores: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        throw ValidationError("evaluate is not wired yet")
    }
}
