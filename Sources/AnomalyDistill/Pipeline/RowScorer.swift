import _AnomalyDistillKernels

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
    /// What a call of the compiled path reads: the model's kernel plan and layers (kept alive by `model`) and this
    /// scorer's own memory, all plain pointers, so a call does no reference counting.
    private struct Kernel {
        var plan: UnsafePointer<ad_input_plan>
        var layers: UnsafePointer<ad_dense_layer>
        var count: Int32
        var input: UnsafeMutableRawBufferPointer
        var scratch: UnsafeMutableRawBufferPointer
        var output: UnsafeMutablePointer<Float>
    }
    private let kernel: Kernel?
    private let numericCount: Int
    private let categoricalCount: Int

    /// The score, probability and decision of one row (see ``ScoringModel`` for their meaning).
    public struct Result: Sendable, Hashable {
        public var score: Float
        public var probability: Float
        public var isAnomaly: Bool
    }

    /// A scorer with its own scratch memory.
    public init(_ model: ScoringModel) {
        self.model = model
        numericCount = model.numericFeatures.count
        categoricalCount = model.categoricalFeatures.count
        if let compiled = model.compiled {
            let output = UnsafeMutablePointer<Float>.allocate(capacity: 1)
            output.initialize(to: 0)
            let (layers, count) = compiled.kernelLayers
            kernel = Kernel(plan: model.plan.kernelPlan, layers: layers, count: count, input: compiled.makeInput(),
                            scratch: compiled.makeScratch(), output: output)
        } else {
            kernel = nil
        }
    }

    deinit {
        if let kernel {
            kernel.input.deallocate()
            kernel.scratch.deallocate()
            kernel.output.deallocate()
        }
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
        guard numeric.count == numericCount, categories.count == categoricalCount else {
            throw DataError.schemaMismatch(
                file: "input",
                reason: "expected \(numericCount) numeric and \(categoricalCount) categorical values, found \(numeric.count) and \(categories.count)")
        }
        if let kernel {
            ad_mlp_score(kernel.plan, kernel.layers, kernel.count, numeric.baseAddress, categories.baseAddress, 1,
                         kernel.output, kernel.input.baseAddress!.assumingMemoryBound(to: Float.self),
                         kernel.scratch.baseAddress!.assumingMemoryBound(to: Float.self))
            return kernel.output.pointee
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
