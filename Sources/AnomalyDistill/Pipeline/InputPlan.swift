import _AnomalyDistillKernels

/// Where each raw value goes in a compiled network's input, in memory the scoring kernel reads without reference
/// counting: `value − center` (missing → median) for a numeric column, one-hot for a categorical one
/// (`ad_input_plan`; `ad_mlp_score` prepares and scores rows with it).
///
/// Immutable after `init`; shared by every thread that scores with one ``ScoringModel``.
final class InputPlan: @unchecked Sendable {
    // @unchecked: the buffers are written only in `init` and freed in `deinit`.
    /// The plan as the kernel reads it; valid while this object lives.
    let kernelPlan: UnsafePointer<ad_input_plan>
    private let numericOffset: UnsafeMutablePointer<Int>
    private let median: UnsafeMutablePointer<Float>
    private let center: UnsafeMutablePointer<Float>
    private let categoricalOffset: UnsafeMutablePointer<Int>
    private let categoricalWidth: UnsafeMutablePointer<Int>

    init(numeric: [(offset: Int, median: Float, center: Float)], categorical: [(offset: Int, width: Int)],
         inputWidth: Int) {
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
        let plan = UnsafeMutablePointer<ad_input_plan>.allocate(capacity: 1)
        plan.initialize(to: ad_input_plan(
            numeric_count: numeric.count, numeric_offset: numericOffset, median: median, center: center,
            categorical_count: categorical.count, categorical_offset: categoricalOffset,
            categorical_width: categoricalWidth, input_width: inputWidth,
            contiguous: numeric.enumerated().allSatisfy { $0.offset == $0.element.offset } ? 1 : 0))
        kernelPlan = UnsafePointer(plan)
    }

    deinit {
        UnsafeMutablePointer(mutating: kernelPlan).deallocate()
        numericOffset.deallocate()
        median.deallocate()
        center.deallocate()
        categoricalOffset.deallocate()
        categoricalWidth.deallocate()
    }
}
