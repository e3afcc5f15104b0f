import AnomalyDistill
import ArgumentParser

/// The detector options shared by `fit` (and later `run`).
struct DetectorArguments: ParsableArguments {
    @Option(help: "The detector: \(DetectorCatalog.names.joined(separator: ", ")).")
    var detector = "ensemble"

    @Option(help: "Expected fraction of anomalies in the training data, in (0, 0.5]; sets the threshold.")
    var contamination = Contamination.default

    @Option(help: "Isolation forest: number of trees.")
    var trees: Int?

    @Option(help: "Isolation forest: rows drawn for each tree; MO-GAAL: most training rows for the GAN.")
    var subsample: Int?

    @Option(name: .customLong("k"), help: "k-nearest neighbours: neighbours considered.")
    var neighbors: Int?

    @Option(help: "k-nearest neighbours: largest, mean or median distance.")
    var method: String?

    @Option(help: "Neural detectors: hidden widths, e.g. 64,32.")
    var hidden: String?

    @Option(help: "Neural detectors: training epochs.")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Neural detectors: rows per mini-batch.")
    var batchSize: Int?

    @Option(name: .customLong("learning-rate"), help: "Neural detectors: the optimiser's learning rate.")
    var learningRate: Double?

    @Option(help: "Neural detectors: dropout rate in [0, 1).")
    var dropout: Double?

    @Option(help: "Ensemble: member detectors, e.g. iforest,ecod,autoencoder.")
    var members: String?

    @Option(help: "Ensemble: zscore or rank.")
    var normalization: String?

    @Option(help: "Ensemble: mean, max or aom.")
    var combination: String?

    func validate() throws {
        guard contamination > 0 && contamination <= 0.5 else {
            throw ValidationError("--contamination must be in (0, 0.5], found \(contamination)")
        }
        if let hidden, parseWidths(hidden) == nil {
            throw ValidationError("--hidden must be positive integers separated by commas, found \(hidden)")
        }
    }

    func parseWidths(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.compactMap { $0 }
    }

    var options: DetectorOptions {
        var options = DetectorOptions(contamination: contamination)
        options.trees = trees
        options.subsample = subsample
        options.neighbors = neighbors
        options.method = method
        options.hidden = hidden.flatMap(parseWidths)
        options.epochs = epochs
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.dropout = dropout
        options.members = members?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        options.normalization = normalization
        options.combination = combination
        return options
    }

    func makeDetector() throws -> any Detector {
        try DetectorCatalog.make(detector, options: options)
    }
}

/// Where the data comes from: `--data FILE` (split with the seed) or `--train FILE --test FILE`.
struct SourceArguments: ParsableArguments {
    @Option(help: "A data file, split into train and test with the seed (stratified by label).")
    var data: String?

    @Option(help: "A training file (with --test).")
    var train: String?

    @Option(help: "A test file with the training file's columns (with --train).")
    var test: String?

    @Option(name: .customLong("test-fraction"), help: "With --data: the fraction of rows held out for testing.")
    var testFraction = 0.4

    @Option(help: "Seed for every random choice (split, model).")
    var seed: UInt64 = 0

    func validate() throws {
        switch (data, train, test) {
        case (.some, nil, nil): break
        case (nil, .some, .some): break
        default: throw ValidationError("give either --data FILE, or --train FILE and --test FILE")
        }
        guard testFraction >= 0 && testFraction < 1 else {
            throw ValidationError("--test-fraction must be in [0, 1), found \(testFraction)")
        }
    }

    var source: DataSource {
        if let train, let test { return .trainTest(train: train, test: test) }
        return .single(data ?? "", testFraction: testFraction)
    }
}
