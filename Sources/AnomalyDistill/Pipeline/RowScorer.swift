/// Scores one row at a time with a ``ScoringModel``: the single-row path.
///
/// A row scorer owns the scratch memory one caller needs, so it belongs to one thread at a time (make one
/// per thread; the model itself is shared). For a compiled model (a student, the supervised network) a
/// call writes the network's input into the scratch memory — `value − center` per numeric column (a
/// missing value takes the training median), one-hot per categorical column — and runs the compiled
/// network on it: no allocation, no lock, no dynamic dispatch. Other models build a one-row batch.
public final class RowScorer {
    /// The model it scores with.
    public let model: ScoringModel
    private let input: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutableRawBufferPointer?
    private let output: UnsafeMutablePointer<Float>

    /// The score, probability and decision of one row (see ``ScoringModel`` for their meaning).
    public struct Result: Sendable, Hashable {
        public var score: Float
        public var probability: Float
        public var isAnomaly: Bool
    }

    /// A scorer with its own scratch memory.
    public init(_ model: ScoringModel) {
        self.model = model
        input = .allocate(capacity: max(model.inputWidth, 1))
        input.initialize(repeating: 0, count: max(model.inputWidth, 1))
        scratch = model.compiled?.makeScratch()
        output = .allocate(capacity: 1)
        output.initialize(to: 0)
    }

    deinit {
        input.deallocate()
        output.deallocate()
        scratch?.deallocate()
    }

    /// The score of one row.
    ///
    /// - Parameters:
    ///   - numeric: The numeric columns' raw values in ``ScoringModel/numericFeatures`` order (`NaN` = missing).
    ///   - categories: The categorical columns' slots in ``ScoringModel/categoricalFeatures`` order (from
    ///     ``ScoringModel/CategoricalFeature/slot(of:)``, `-1` = missing).
    /// - Throws: `DataError.schemaMismatch` for another number of values than the model's columns; errors of
    ///   the model's own scorer on the general path.
    /// - Complexity: O(parameters); allocation-free for a compiled model.
    @inline(__always)
    public func score(numeric: UnsafeBufferPointer<Float>, categories: UnsafeBufferPointer<Int32>) throws -> Float {
        guard numeric.count == model.numericFeatures.count, categories.count == model.categoricalFeatures.count else {
            throw DataError.schemaMismatch(
                file: "input",
                reason: "expected \(model.numericFeatures.count) numeric and \(model.categoricalFeatures.count) categorical values, found \(numeric.count) and \(categories.count)")
        }
        if let compiled = model.compiled, let scratch {
            model.plan.prepare(numeric: numeric.baseAddress, categories: categories.baseAddress, into: input)
            compiled.forward(input, inputStride: model.inputWidth, rows: 1, into: output, outputStride: 1, scratch: scratch)
            return output.pointee
        }
        let rows = RawRows(numeric: Array(numeric), categories: Array(categories),
                           numericWidth: numeric.count, categoricalWidth: categories.count)
        return try model.scores(rows).first ?? .nan
    }

    /// The score of a row of numeric values only (a model without categorical columns).
    @inline(__always)
    public func score(_ numeric: UnsafeBufferPointer<Float>) throws -> Float {
        try score(numeric: numeric, categories: UnsafeBufferPointer(start: nil, count: 0))
    }

    /// Score, probability and decision of one row.
    @inline(__always)
    public func result(numeric: UnsafeBufferPointer<Float>, categories: UnsafeBufferPointer<Int32>) throws -> Result {
        let s = try score(numeric: numeric, categories: categories)
        return Result(score: s, probability: model.probability(s), isAnomaly: model.isAnomaly(s))
    }
}
