import Dispatch
import Foundation

/// The one way to score: a fitted model with its preprocessing and threshold, ready for raw rows.
///
/// Built from a model file (``init(contentsOf:threshold:)``) or from a fitted pipeline in memory
/// (``init(detector:preprocessor:metadata:file:threshold:)``). It is immutable and `Sendable`, so one instance
/// serves every thread. Rows come raw — CSV records (``ScoreStream``), JSON arrays or objects
/// (``rows(arrays:)``, ``rows(objects:)``), a ``Table`` — are checked against the schema, preprocessed,
/// scored and thresholded. The command line, `bench`, the server and the export's tests all go through it.
///
/// **Outputs.** Per row: `score` (higher = more anomalous, the model's own scale), `is_anomaly`
/// (`score > threshold`, compared in `Float` with a threshold rounded so that the comparison is exactly
/// `Double(score) > threshold`), and `probability` = `σ((score − threshold) / σ_train)`, where `σ_train` is the
/// standard deviation of the model's training scores: one meaning for every kind of model, monotone in the
/// score, 0.5 at the threshold, so `is_anomaly` ⟺ `probability > 0.5`.
///
/// **Two paths.** Networks whose one output is the score (students, the supervised network) are compiled
/// (``CompiledNetwork``): the standardisation's scale is folded into the first layer, and one row is scored
/// with no allocation, no lock and no dynamic dispatch through a ``RowScorer``. Batches go through the same
/// kernel in blocks of rows, on every core when large, so a row scores bitwise the same alone or in a batch.
/// Every other model (trees, ECOD, kNN, autoencoders, ensembles) preprocesses into a matrix and calls its own
/// batch scorer.
public struct ScoringModel: Sendable {
    /// A numeric input column: missing values become `median`; the model sees `(x − center) / scale`.
    public struct NumericFeature: Sendable, Hashable {
        public var name: String
        public var median: Float
        public var center: Float
        public var scale: Float
        /// The map each value goes through before centring (``Preprocessor/Scaling/quantile``), or `nil`.
        public var quantiles: QuantileMap?
        /// `(q(median) − center) / scale` and `1 / scale` (``Preprocessor/numericCoefficients(median:center:scale:quantiles:)``).
        public internal(set) var fill: Float
        public internal(set) var inverseScale: Float
    }

    /// A categorical input column: one-hot over `categories`, plus the unseen slot (`categories.count`).
    public struct CategoricalFeature: Sendable {
        public var name: String
        public var categories: [String]
        /// Slot of each known category.
        let slots: [String: Int32]
        /// The slot of `text`: its category's, or the unseen slot.
        public func slot(of text: String) -> Int32 { slots[text] ?? Int32(categories.count) }
        /// The slot of raw UTF-8 bytes (a CSV field).
        func slot(of bytes: UnsafeBufferPointer<UInt8>) -> Int32 { slot(of: String(decoding: bytes, as: UTF8.self)) }
    }

    /// The fitted model.
    public let detector: any FittedDetector
    /// The preprocessing fitted with it.
    public let preprocessor: Preprocessor
    /// The model file's metadata (kind, training summary, provenance), when it came from a file.
    public let metadata: ModelMetadata?
    /// The file it was loaded from, when it was.
    public let file: String?
    /// Rows with `score > threshold` are anomalies (the model's, or one given).
    public let threshold: Double
    /// The SHA-256 of the model file's bytes (as `sha256sum` prints it); `nil` for a model built in memory.
    public private(set) var sha256: String? {
        didSet { id = Self.id(sha256) }
    }
    /// A short id for logs and responses: the first 16 hex digits of ``sha256``, or `"in-memory"`.
    public private(set) var id = "in-memory"
    /// `threshold` as a `Float` rounded down, so `score > decisionThreshold` ⟺ `Double(score) > threshold`.
    public let decisionThreshold: Float
    /// `σ_train` of ``ScoringModel``'s probability (1 when the training scores were all equal).
    public let probabilityScale: Float
    /// The numeric feature columns, in the order ``RowScorer`` takes their values.
    public let numericFeatures: [NumericFeature]
    /// The categorical feature columns, in the order ``RowScorer`` takes their slots.
    public let categoricalFeatures: [CategoricalFeature]
    /// The compiled network, for models whose score is a network's one output.
    let compiled: CompiledNetwork?
    /// For each preprocessor feature: numeric (index into ``numericFeatures``) or categorical (index into
    /// ``categoricalFeatures``), with its first column in the model's input.
    let layout: [(numeric: Bool, index: Int, offset: Int, width: Int)]
    /// Width of the preprocessed row the model sees.
    public let inputWidth: Int
    /// The layout of the compiled network's input, for the per-row loop.
    let plan: InputPlan
    /// The names of the feature columns, in the order rows given as arrays list them.
    public let featureNames: [String]
    /// Feature position (``featureNames`` order) by column name, for rows given as JSON objects.
    let featureIndex: [String: Int]
    /// The schema column of each feature, for rows given with one value per schema column.
    let featureColumns: [Int]

    /// The window raw rows go through first (time series), or `nil`: see ``Window``. A windowed model's
    /// ``schema``, features and batch methods are those of the windowed rows; ``inputSchema`` is what files give,
    /// ``readTable(_:)`` reads and windows a file, and ``ScoreStream`` keeps the window's state.
    public var window: Window? { preprocessor.window }
    /// The columns raw files must have: the window's input schema, or ``schema``.
    public var inputSchema: Schema { preprocessor.inputSchema }

    /// Reads a data file for this model: with the model's columns, windowed in file order when the model has a
    /// window (``Window/read(_:)``).
    /// - Throws: `DataError` for a file that cannot be read or lacks a column.
    public func readTable(_ path: String) throws -> Table {
        try window?.read(path) ?? Table.read(path, options: ReadOptions(schema: schema))
    }

    /// Throws unless the model scores rows one at a time (it has no window).
    /// - Parameter use: What cannot take a windowed model, for the message (`"the server"`).
    /// - Throws: `ModelError.windowed`.
    public func requireRowModel(for use: String) throws {
        if let window { throw ModelError.windowed(file: file ?? "model", length: window.length, use: use) }
    }

    /// The model's kind (`student_mlp`, `isolation_forest`, ...).
    public var kind: String { detector.modelKind }
    /// The columns the model reads (label and ignored columns included, as at training).
    public var schema: Schema { preprocessor.schema }
    /// Whether one row is scored by the compiled, allocation-free path.
    public var isCompiled: Bool { compiled != nil }
    /// The arithmetic per row (from the compiled network when there is one, else the model's estimate).
    public var flopsPerRow: Double { compiled?.flopsPerRow ?? detector.flopsPerRow }

    /// Loads a model file.
    ///
    /// - Parameters:
    ///   - url: A model file written by `fit`, `run` or `distill`.
    ///   - threshold: Overrides the model's threshold.
    /// - Throws: `ModelError` for a file that is not a valid model of a known kind, or has no preprocessing.
    public init(contentsOf url: URL, threshold: Double? = nil) throws {
        let bytes = try ModelFile.bytes(of: url)
        let file = try ModelFile(decoding: bytes, file: url.path)
        let (detector, preprocessor) = try ModelRegistry.decode(file)
        guard let preprocessor else {
            throw ModelError.invalidMetadata(
                file: url.path, reason: "expected the preprocessing the model was fitted with, found none, so raw rows cannot be scored")
        }
        try self.init(detector: detector, preprocessor: preprocessor, metadata: file.metadata, file: url.path,
                      threshold: threshold)
        sha256 = SHA256.hex(bytes)
        id = Self.id(sha256)  // observers do not run in an initialiser
    }

    private static func id(_ sha256: String?) -> String { sha256.map { String($0.prefix(16)) } ?? "in-memory" }

    /// A scoring model from a fitted pipeline in memory.
    ///
    /// - Throws: `ModelError.invalidMetadata` when the preprocessing's width is not the model's, or a given
    ///   threshold is not finite.
    public init(detector: any FittedDetector, preprocessor: Preprocessor, metadata: ModelMetadata? = nil,
                file: String? = nil, threshold: Double? = nil) throws {
        let name = file ?? "model"
        guard preprocessor.outputWidth == detector.featureCount else {
            throw ModelError.invalidMetadata(
                file: name, reason: "the preprocessing gives \(preprocessor.outputWidth) features, the model expects \(detector.featureCount)")
        }
        let chosen = threshold ?? detector.state.threshold
        guard chosen.isFinite else {
            throw ModelError.invalidMetadata(file: name, reason: "expected a finite threshold, found \(chosen)")
        }
        self.detector = detector
        self.preprocessor = preprocessor
        self.metadata = metadata
        self.file = file
        self.threshold = chosen
        decisionThreshold = Self.floatThreshold(chosen)
        let deviation = detector.state.scoreDeviation
        probabilityScale = deviation > 0 && deviation.isFinite && Float(deviation) > 0 ? Float(deviation) : 1
        var numeric: [NumericFeature] = [], categorical: [CategoricalFeature] = []
        var layout: [(Bool, Int, Int, Int)] = []
        var offset = 0
        for feature in preprocessor.features {
            switch feature {
            case let .numeric(name, median, center, scale, quantiles):
                layout.append((true, numeric.count, offset, 1))
                let coefficients = Preprocessor.numericCoefficients(median: median, center: center, scale: scale,
                                                                    quantiles: quantiles)
                numeric.append(NumericFeature(name: name, median: Float(median), center: coefficients.center,
                                              scale: Float(scale), quantiles: quantiles, fill: coefficients.fill,
                                              inverseScale: coefficients.inverseScale))
            case let .categorical(name, categories):
                layout.append((false, categorical.count, offset, categories.count + 1))
                categorical.append(CategoricalFeature(
                    name: name, categories: categories,
                    slots: Dictionary(categories.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })))
            }
            offset += feature.width
        }
        numericFeatures = numeric
        categoricalFeatures = categorical
        self.layout = layout.map { (numeric: $0.0, index: $0.1, offset: $0.2, width: $0.3) }
        inputWidth = offset
        featureNames = preprocessor.features.map(\.name)
        featureIndex = Dictionary(preprocessor.features.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        featureColumns = preprocessor.schema.columns.enumerated()
            .filter { $0.element.kind == .numeric || $0.element.kind == .categorical }.map(\.offset)
        plan = InputPlan(
            numeric: self.layout.filter(\.numeric).map { item in
                (offset: item.offset, median: numeric[item.index].median, center: numeric[item.index].center,
                 quantiles: numeric[item.index].quantiles)
            },
            categorical: self.layout.filter { !$0.numeric }.map { (offset: $0.offset, width: $0.width) },
            inputWidth: offset)
        if let network = (detector as? any NetworkScorer)?.scoringNetwork, network.outputWidth == 1,
           let compiled = CompiledNetwork(network, inputScale: Self.inputScale(self.layout, numeric)),
           compiled.inputWidth == offset {
            self.compiled = compiled
        } else {
            compiled = nil
        }
    }

    /// The same model with another threshold.
    /// - Throws: `ModelError.invalidMetadata` for a threshold that is not finite.
    public func withThreshold(_ threshold: Double) throws -> ScoringModel {
        var model = try ScoringModel(detector: detector, preprocessor: preprocessor, metadata: metadata, file: file,
                                     threshold: threshold)
        model.sha256 = sha256
        return model
    }

    /// The largest `Float` not above `threshold`: for every `Float` s, `s > t` ⟺ `Double(s) > threshold`.
    static func floatThreshold(_ threshold: Double) -> Float {
        var t = Float(threshold)
        if Double(t) > threshold { t = t.nextDown }
        return t
    }

    /// `σ((score − threshold) / σ_train)`.
    @inline(__always)
    public func probability(_ score: Float) -> Float {
        1 / (1 + ((decisionThreshold - score) / probabilityScale).expScoring)
    }

    /// Whether a score is above the threshold.
    @inline(__always)
    public func isAnomaly(_ score: Float) -> Bool { score > decisionThreshold }

    // MARK: - Batches

    /// Scores raw rows: score, probability and decision per row.
    ///
    /// - Throws: errors of the model's own scorer (the rows were checked when they were built).
    /// - Complexity: O(rows · model cost); compiled models use both cores above ``parallelMinimum`` rows.
    public func score(_ rows: RawRows) throws -> ScoredRows {
        ScoredRows(scores: try scores(rows), model: self)
    }

    /// Scores the rows of a table read with this model's schema (label and ignored columns are not used).
    ///
    /// - Throws: `DataError.missingColumn` when a feature column is absent, `DataError.schemaMismatch` when it
    ///   has another kind than at training.
    public func score(_ table: Table) throws -> ScoredRows {
        try score(try rows(table))
    }

    /// Rows at or above which a compiled model splits a batch across the cores.
    public static let parallelMinimum = 16_384

    /// The scores of raw rows.
    public func scores(_ rows: RawRows) throws -> [Float] {
        guard rows.count > 0 else { return [] }
        guard let compiled else { return try detector.scores(matrix(rows)) }
        var result = [Float](repeating: 0, count: rows.count)
        let threads = rows.count >= Self.parallelMinimum ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        let share = (rows.count + threads - 1) / threads
        result.withUnsafeMutableBufferPointer { out in
            Parallel.forEachPart(threads, sharing: out) { part, out in
                let start = part * share, end = min(rows.count, start + share)
                guard start < end else { return }
                self.scoreCompiled(compiled, rows, start..<end, into: out.baseAddress! + start)
            }
        }
        return result
    }

    private func scoreCompiled(_ network: CompiledNetwork, _ rows: RawRows, _ range: Range<Int>,
                               into output: UnsafeMutablePointer<Float>) {
        let input = network.makeInput()
        let scratch = network.makeScratch()
        defer { input.deallocate(); scratch.deallocate() }
        let nNumeric = numericFeatures.count, nCategorical = categoricalFeatures.count
        rows.numeric.withUnsafeBufferPointer { numeric in
            rows.categories.withUnsafeBufferPointer { categories in
                network.score(plan: plan, numeric: numeric.baseAddress.map { $0 + range.lowerBound * nNumeric },
                              categories: categories.baseAddress.map { $0 + range.lowerBound * nCategorical },
                              rows: range.count, into: output, input: input, scratch: scratch)
            }
        }
    }

    /// The preprocessed matrix of raw rows (the general path), as ``Preprocessor/transform(_:)`` computes it.
    public func matrix(_ rows: RawRows) -> Matrix {
        let width = inputWidth
        var x = Matrix(rows: rows.count, columns: width)
        let nNumeric = numericFeatures.count, nCategorical = categoricalFeatures.count
        x.scalars.withUnsafeMutableBufferPointer { out in
            for item in layout {
                if item.numeric {
                    let feature = numericFeatures[item.index]
                    for r in 0..<rows.count {
                        let v = rows.numeric[r * nNumeric + item.index]
                        let mapped = feature.quantiles.map { $0.apply(v) } ?? v
                        out[r * width + item.offset] = v.isNaN ? feature.fill : (mapped - feature.center) * feature.inverseScale
                    }
                } else {
                    for r in 0..<rows.count {
                        let slot = rows.categories[r * nCategorical + item.index]
                        if slot >= 0 { out[r * width + item.offset + Int(slot)] = 1 }
                    }
                }
            }
        }
        return x
    }
}

/// Scores, probabilities and decisions of a batch of rows (see ``ScoringModel`` for their meaning).
public struct ScoredRows: Sendable, Equatable {
    public var scores: [Float]
    public var probabilities: [Float]
    public var isAnomaly: [Bool]

    public init(scores: [Float], model: ScoringModel) {
        self.scores = scores
        probabilities = scores.map(model.probability)
        isAnomaly = scores.map(model.isAnomaly)
    }

    public var count: Int { scores.count }
    /// Rows flagged.
    public var anomalies: Int { isAnomaly.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

extension Float {
    /// `e^self` in single precision.
    @inline(__always)
    var expScoring: Float { Float(Foundation.exp(Double(self))) }
}
