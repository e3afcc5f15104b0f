import AnomalyDistill
import ArgumentParser

/// The detector options shared by `fit` (and later `run`).
struct DetectorArguments: ParsableArguments {
    @Option(help: "The detector: \(DetectorCatalog.names.joined(separator: ", ")).")
    var detector = "ensemble"

    @Option(parsing: .unconditional, help: "Expected fraction of anomalies in the training data, in (0, 0.5]; sets the threshold (default 0.1).")
    var contamination: Double?

    @Option(name: .customLong("fp-rate"), parsing: .unconditional,
            help: "Novelty detection: the training data is normal operation, and the threshold flags this fraction of it, in (0, 0.5] (instead of --contamination).")
    var fpRate: Double?

    @Option(parsing: .unconditional, help: "Isolation forest: number of trees, in [1, 100000].")
    var trees: Int?

    @Option(parsing: .unconditional, help: "Isolation forest: rows drawn for each tree; MO-GAAL: most training rows for the GAN; in [2, 10000000].")
    var subsample: Int?

    @Option(name: .customLong("k"), parsing: .unconditional, help: "k-nearest neighbours: neighbours considered, in [1, 10000].")
    var neighbors: Int?

    @Option(help: "k-nearest neighbours: largest, mean or median distance.")
    var method: String?

    @Option(help: "Neural detectors: hidden widths, e.g. 64,32 (each in [1, 4096], at most 16 layers).")
    var hidden: String?

    @Option(parsing: .unconditional, help: "Neural detectors: training epochs, in [1, 100000].")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Neural detectors: rows per mini-batch, in [1, 1000000].")
    var batchSize: Int?

    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Neural detectors: the optimiser's learning rate (positive).")
    var learningRate: Double?

    @Option(parsing: .unconditional, help: "Neural detectors: dropout rate in [0, 1).")
    var dropout: Double?

    @Option(help: "Ensemble: member detectors, e.g. iforest,ecod,autoencoder.")
    var members: String?

    @Option(help: "Ensemble: zscore or rank.")
    var normalization: String?

    @Option(help: "Ensemble: mean, max or aom.")
    var combination: String?

    @OptionGroup var windowOptions: WindowArguments

    @Option(parsing: .unconditional, help: "PCA: the share of the training variance the kept components explain, in (0, 1] (default 0.95).")
    var variance: Double?

    @Option(help: "PCA: the score, combined (T² and Q, each at mean 1 on the training rows), q (squared prediction error) or t2 (Hotelling's T²).")
    var statistic: String?

    func validate() throws {
        if let contamination, !(contamination > 0 && contamination <= 0.5) {
            throw ValidationError("--contamination must be in (0, 0.5], found \(contamination)")
        }
        if let fpRate, !(fpRate > 0 && fpRate <= 0.5) {
            throw ValidationError("--fp-rate must be in (0, 0.5], found \(fpRate)")
        }
        if contamination != nil && fpRate != nil {
            throw ValidationError("--contamination and --fp-rate both set the threshold: give one")
        }
        if let hidden {
            guard let widths = parseWidths(hidden) else {
                throw ValidationError("--hidden must be integers separated by commas, found \(hidden)")
            }
            if widths.count > SettingLimits.layers.upperBound {
                throw ValidationError("--hidden takes at most \(SettingLimits.layers.upperBound) widths, found \(widths.count)")
            }
            for width in widths { try OptionRange.check(width, SettingLimits.width, "--hidden widths") }
        }
        try OptionRange.check(trees, SettingLimits.trees, "--trees")
        try OptionRange.check(subsample, SettingLimits.subsample, "--subsample")
        try OptionRange.check(neighbors, SettingLimits.neighbors, "--k")
        try OptionRange.check(epochs, SettingLimits.epochs, "--epochs")
        try OptionRange.check(batchSize, SettingLimits.batchSize, "--batch-size")
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a positive finite number, found \(learningRate)")
        }
        if let dropout, !(dropout >= 0 && dropout < 1) {
            throw ValidationError("--dropout must be in [0, 1), found \(dropout)")
        }
        if let members, members.split(separator: ",").isEmpty {
            throw ValidationError("--members must name at least one detector")
        }
        do {
            _ = try makeDetector()  // the library's own checks (an unknown name, ensemble members), before any work
        } catch {
            throw ValidationError(String(describing: error))
        }
    }

    func parseWidths(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.compactMap { $0 }
    }

    var options: DetectorOptions {
        var options = DetectorOptions(contamination: contamination ?? fpRate ?? Contamination.default)
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
        options.variance = variance
        options.statistic = statistic
        options.windowSteps = windowOptions.window
        options.lagWindows = windowOptions.request?.features == .lags
        return options
    }

    /// How the threshold was set, for the output and the model file: `fp_rate` (novelty: normal training data)
    /// or `contamination`, with its value.
    var thresholdRule: (name: String, value: Double) {
        if let fpRate { return ("fp_rate", fpRate) }
        return ("contamination", contamination ?? Contamination.default)
    }

    /// The threshold rule in words.
    var thresholdDescription: String {
        let rule = thresholdRule
        return rule.name == "fp_rate" ? "false-positive rate \(rule.value) on the normal training rows" : "contamination \(rule.value)"
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

    @Option(name: .customLong("test-fraction"), parsing: .unconditional, help: "With --data: the fraction of rows held out for testing.")
    var testFraction = 0.4

    @Option(help: "Seed for every random choice (split, model).")
    var seed: UInt64 = 0

    func validate() throws {
        switch (data, train, test) {
        case (.some, nil, nil): break
        case (nil, .some, .some): break
        default: throw ValidationError("give either --data FILE, or --train FILE and --test FILE")
        }
        if train == "-" && test == "-" {
            throw ValidationError("--train and --test cannot both read standard input: give at least one of them a file")
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

/// Range checks for options, with the option's name and its limits in the message.
enum OptionRange {
    static func check<T: Comparable>(_ value: T?, _ range: ClosedRange<T>, _ option: String) throws {
        if let value, !range.contains(value) {
            throw ValidationError("\(option) must be in [\(show(range.lowerBound)), \(show(range.upperBound))], found \(show(value))")
        }
    }

    /// A number as a person writes it: `100`, not `100.0`.
    static func show<T>(_ value: T) -> String {
        if let number = value as? Double, number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            return String(Int64(number))
        }
        return "\(value)"
    }
}
