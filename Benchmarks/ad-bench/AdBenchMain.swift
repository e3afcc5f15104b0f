import Foundation

/// Side-by-side benchmark driver: the Scripts/bench-*.sh scripts run it next to the Python peers.
@main
enum AdBenchMain {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "csv": try CSVBench.run(Array(arguments.dropFirst()))
        case "gemm": GEMMBench.run(Array(arguments.dropFirst()))
        case "autoencoder": try AutoencoderBench.run(Array(arguments.dropFirst()))
        case "detectors": try DetectorBench.run(Array(arguments.dropFirst()))
        case "distill": try DistillBench.run(Array(arguments.dropFirst()))
        default:
            FileHandle.standardError.write(Data("usage: ad-bench csv FILE [REPEATS] | ad-bench gemm [MxKxN ...] | ad-bench autoencoder ROWS DIMS EPOCHS | ad-bench detectors --splits DIR --detector iforest|ecod|knn [--json]\n".utf8))
            exit(2)
        }
    }
}
