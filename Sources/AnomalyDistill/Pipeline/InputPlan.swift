/// Where each raw value goes in a compiled network's input, in memory the scoring loop reads without reference
/// counting: `value − center` (missing → median) for a numeric column, one-hot for a categorical one.
///
/// Immutable after `init`; shared by every thread that scores with one ``ScoringModel``.
final class InputPlan: @unchecked Sendable {
    // @unchecked: the buffers are written only in `init` and freed in `deinit`.
    let numericCount: Int
    let categoricalCount: Int
    private let numericOffset: UnsafeMutablePointer<Int>
    private let median: UnsafeMutablePointer<Float>
    private let center: UnsafeMutablePointer<Float>
    private let categoricalOffset: UnsafeMutablePointer<Int>
    private let categoricalWidth: UnsafeMutablePointer<Int>

    init(numeric: [(offset: Int, median: Float, center: Float)], categorical: [(offset: Int, width: Int)]) {
        numericCount = numeric.count
        categoricalCount = categorical.count
        numericOffset = .allocate(capacity: max(1, numeric.count))
        median = .allocate(capacity: max(1, numeric.count))
        center = .allocate(capacity: max(1, numeric.count))
        categoricalOffset = .allocate(capacity: max(1, categorical.count))
        categoricalWidth = .allocate(capacity: max(1, categorical.count))
        for (k, item) in numeric.enumerated() {
            (numericOffset + k).initialize(to: item.offset)
            (median + k).initialize(to: item.median)
            (center + k).initialize(to: item.center)
        }
        for (k, item) in categorical.enumerated() {
            (categoricalOffset + k).initialize(to: item.offset)
            (categoricalWidth + k).initialize(to: item.width)
        }
    }

    deinit {
        numericOffset.deallocate()
        median.deallocate()
        center.deallocate()
        categoricalOffset.deallocate()
        categoricalWidth.deallocate()
    }

    /// Writes one row's network input.
    @inline(__always)
    /// - Parameters:
    ///   - numeric: ``numericCount`` values (`nil` only when there are none).
    ///   - categories: ``categoricalCount`` slots (`nil` only when there are none).
    func prepare(numeric: UnsafePointer<Float>?, categories: UnsafePointer<Int32>?, into input: UnsafeMutablePointer<Float>) {
        if let numeric {
            prepare(numeric: numeric, into: input)
        }
        guard let categories else { return }
        for k in 0..<categoricalCount {
            let start = input + categoricalOffset[k]
            start.update(repeating: 0, count: categoricalWidth[k])
            let slot = categories[k]
            if slot >= 0 { start[Int(slot)] = 1 }
        }
    }

    @inline(__always)
    private func prepare(numeric: UnsafePointer<Float>, into input: UnsafeMutablePointer<Float>) {
        for k in 0..<numericCount {
            let x = numeric[k]
            input[numericOffset[k]] = (x.isNaN ? median[k] : x) - center[k]
        }
    }
}
