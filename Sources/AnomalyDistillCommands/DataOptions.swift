import AnomalyDistill
import ArgumentParser

/// Options that override schema inference when reading a data file.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("label-column"), help: "The 0/1 label column (default: a column named 'label').")
    var labelColumn: String?

    @Option(name: .customLong("categorical"), parsing: .singleValue,
            help: "A column to read as categorical text (repeat, or separate names with commas).")
    var categorical: [String] = []

    @Option(name: .customLong("ignore"), parsing: .singleValue,
            help: "A column to leave out (repeat, or separate names with commas).")
    var ignore: [String] = []

    var readOptions: ReadOptions {
        ReadOptions(labelColumn: labelColumn, categorical: Set(split(categorical)), ignore: Set(split(ignore)))
    }

    private func split(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map(String.init) }
    }
}

/// Options that turn each row into the window of readings ending at it (time series).
struct WindowArguments: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Time series: each row becomes the window of the last N readings (N in [2, 10000], at most the training rows); the window is saved in the model and `score` keeps it as state.")
    var window: Int?

    @Option(name: .customLong("window-features"),
            help: "With --window: stats (each column, its difference from the previous reading, the window's mean and standard deviation) or lags (the last N readings).")
    var windowFeatures: String?

    @Option(name: .customLong("time-column"),
            help: "With --window: the column that orders the readings; a reading earlier than the one before restarts the window (default: the file's datetime or timestamp column, else file order).")
    var timeColumn: String?

    func validate() throws {
        if let window, !Window.lengthRange.contains(window) {
            throw ValidationError("--window must be in [\(Window.lengthRange.lowerBound), \(Window.lengthRange.upperBound)], found \(window)")
        }
        if let windowFeatures, Window.Features(rawValue: windowFeatures) == nil {
            throw ValidationError("--window-features must be stats or lags, found \(windowFeatures)")
        }
        if window == nil && (windowFeatures != nil || timeColumn != nil) {
            throw ValidationError("--window-features and --time-column need --window")
        }
    }

    /// The window to fit, or `nil`.
    var request: WindowRequest? {
        window.map { WindowRequest(length: $0, features: windowFeatures.flatMap(Window.Features.init) ?? .stats,
                                   timeColumn: timeColumn) }
    }
}
