import Foundation

/// Where the rows come from: one labelled file split with a seed, or explicit train and test files.
public enum DataSource: Sendable {
    /// One file, split into train and test (stratified by label when there is one).
    case single(String, testFraction: Double)
    /// A training file and a test file (the test file must have the training file's columns).
    case trainTest(train: String, test: String)
    /// A table already in memory, split into train and test.
    case table(Table, testFraction: Double)
}

/// A window to fit on the training rows (``Window``): its length, what it becomes, the ordering column.
public struct WindowRequest: Sendable, Equatable, Codable {
    public var length: Int
    public var features: Window.Features
    /// `nil`: the file's timestamp column, if it has one.
    public var timeColumn: String?

    public init(length: Int, features: Window.Features = .stats, timeColumn: String? = nil) {
        self.length = length
        self.features = features
        self.timeColumn = timeColumn
    }

    enum CodingKeys: String, CodingKey {
        case length, features
        case timeColumn = "time_column"
    }
}

/// What fitting a detector on data produced: the model, its preprocessing and the test metrics.
public struct DetectorRunResult: Sendable {
    public var detector: any FittedDetector
    public var preprocessor: Preprocessor
    public var trainRows: Int
    public var testRows: Int
    /// Metrics on the test rows at the detector's threshold, when the test rows are labelled with both classes.
    public var testReport: MetricReport?
    public var fitSeconds: Double
    public var scoreSeconds: Double
    /// The test rows' scores.
    public var testScores: [Float]
}

/// Fitting a detector on data files: read, split, preprocess, fit, score the test rows, evaluate.
public enum DetectorRun {
    /// Runs the whole fit.
    ///
    /// - Parameters:
    ///   - detector: The configured detector.
    ///   - source: The data.
    ///   - options: Schema overrides for reading.
    ///   - seed: Seeds the split and the detector.
    ///   - useLabels: Give the training labels to the detector (the supervised network needs them).
    /// - Throws: `DataError`, `TrainingError` or `EvaluationError`.
    ///   - window: Turns rows into windows of past readings first (time series), or `nil`.
    public static func fit(_ detector: any Detector, source: DataSource, options: ReadOptions = ReadOptions(),
                           window: WindowRequest? = nil, seed: UInt64, useLabels: Bool = false) throws -> DetectorRunResult {
        try detector.validate()
        var random = RandomSource(seed: seed)
        let (train, test, fittedWindow) = try readTables(source, options: options, window: window, random: &random)
        var preprocessor = try Preprocessor.fit(train, scaling: detector.inputScaling)
        preprocessor.window = fittedWindow
        let x = try preprocessor.transform(train)
        let clock = ContinuousClock()
        var fitted: (any FittedDetector)?
        let fitDuration = try clock.measure {
            fitted = try detector.fit(x, labels: useLabels ? train.labels : nil, using: &random)
        }
        guard let fitted else { throw TrainingError.noTrainingRows }
        var testScores: [Float] = []
        var report: MetricReport?
        let scoreDuration = try clock.measure {
            if let test, test.rowCount > 0 {
                testScores = try fitted.scores(try preprocessor.transform(test))
            }
        }
        if let labels = test?.labels, Set(labels).count == 2 {
            report = try MetricReport(scores: testScores, labels: labels, threshold: fitted.state.threshold)
        }
        return DetectorRunResult(detector: fitted, preprocessor: preprocessor, trainRows: train.rowCount,
                                 testRows: test?.rowCount ?? 0, testReport: report,
                                 fitSeconds: fitDuration.seconds, scoreSeconds: scoreDuration.seconds,
                                 testScores: testScores)
    }

    /// The train and test tables of a source (test `nil` for a single file with test fraction 0), windowed when
    /// `window` asks for it.
    ///
    /// With a window, a single file is windowed whole, in file order, before the split (a random split of windows,
    /// each built from the rows before it in the file); a training file and a test file are each their own series,
    /// with the window fitted on the training file. The time column is read from the files themselves.
    ///
    /// - Returns: The tables, and the fitted window (`nil` without one).
    public static func readTables(_ source: DataSource, options: ReadOptions, window request: WindowRequest?,
                                  random: inout RandomSource) throws -> (train: Table, test: Table?, window: Window?) {
        guard let request else {
            let (train, test) = try readTables(source, options: options, random: &random)
            return (train, test, nil)
        }
        var options = options
        if let time = request.timeColumn { options.ignore.insert(time) }
        switch source {
        case let .trainTest(trainPath, testPath):
            let raw = try Table.read(trainPath, options: options)
            let window = try Window.fit(raw, length: request.length, features: request.features, timeColumn: request.timeColumn)
            let train = try window.apply(raw, times: window.times(in: trainPath)).table
            return (train, try window.read(testPath), window)
        case let .single(path, testFraction):
            let raw = try Table.read(path, options: options)
            let window = try Window.fit(raw, length: request.length, features: request.features, timeColumn: request.timeColumn)
            let (train, test) = try split(window.apply(raw, times: window.times(in: path)).table,
                                          testFraction: testFraction, random: &random)
            return (train, test, window)
        case let .table(table, testFraction):
            let window = try Window.fit(table, length: request.length, features: request.features, timeColumn: request.timeColumn)
            let (train, test) = try split(window.apply(table, times: nil).table, testFraction: testFraction, random: &random)
            return (train, test, window)
        }
    }

    /// The train and test tables of a source read with a fitted `window` (a saved model's): raw rows with the
    /// window's input schema, each file its own series.
    public static func readTables(_ source: DataSource, window: Window,
                                  random: inout RandomSource) throws -> (train: Table, test: Table?) {
        switch source {
        case let .trainTest(trainPath, testPath):
            return (try window.read(trainPath), try window.read(testPath))
        case let .single(path, testFraction):
            return try split(window.read(path), testFraction: testFraction, random: &random)
        case let .table(table, testFraction):
            return try split(window.apply(table, times: nil).table, testFraction: testFraction, random: &random)
        }
    }

    /// The train and test tables of a source (test `nil` for a single file with test fraction 0).
    public static func readTables(_ source: DataSource, options: ReadOptions,
                                  random: inout RandomSource) throws -> (train: Table, test: Table?) {
        switch source {
        case let .trainTest(trainPath, testPath):
            let train = try Table.read(trainPath, options: options)
            let test = try Table.read(testPath, options: ReadOptions(schema: train.schema))
            return (train, test)
        case let .single(path, testFraction):
            return try split(Table.read(path, options: options), testFraction: testFraction, random: &random)
        case let .table(table, testFraction):
            return try split(table, testFraction: testFraction, random: &random)
        }
    }

    private static func split(_ table: Table, testFraction: Double,
                              random: inout RandomSource) throws -> (train: Table, test: Table?) {
            guard testFraction > 0 else { return (table, nil) }
            let split = try Split(count: table.rowCount, labels: table.labels, test: testFraction, using: &random)
            return (table.rows(split.train), table.rows(split.test))
    }
}
