import AnomalyDistillServer
import ArgumentParser

/// The `anomaly-distill` command: anomaly detection made small and fast by knowledge distillation.
public struct AnomalyDistillCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "anomaly-distill",
        abstract: "Train big anomaly detectors, distill them into small ones, evaluate and deploy them.",
        version: "0.1.0",
        subcommands: [Demo.self, Run.self, Distill.self, Fit.self, Adapt.self, Evaluate.self, Score.self, Serve.self, Bench.self, Export.self, Inspect.self]
    )

    public init() {}

    /// Process-wide set-up that must happen on the main thread before the command runs: `serve` makes the
    /// event loops Swift concurrency's global executor (see `ScoringService.adoptEventLoopsAsGlobalExecutor`).
    public static func prepare(arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        if arguments.first == "serve" { ScoringService.adoptEventLoopsAsGlobalExecutor() }
    }
}
