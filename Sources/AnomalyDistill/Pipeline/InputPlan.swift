import _AnomalyDistillKernels

/// Where each raw value goes in a compiled network's input, in memory the scoring kernel reads without reference
/// counting: `value − center` (missing → median; `q(value) − center` through a ``QuantileMap``) for a numeric
/// column, one-hot for a categorical one (`ad_input_plan`; `ad_mlp_score` prepares and scores rows with it).
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
    /// The quantile maps' knots (`nil` when no column has one), laid out as `ad_input_plan` says.
    private let knots: (start: UnsafeMutablePointer<Int>, count: UnsafeMutablePointer<Int>,
                        value: UnsafeMutablePointer<Float>, level: UnsafeMutablePointer<Float>,
                        slope: UnsafeMutablePointer<Float>, table: UnsafeMutablePointer<Float>)?

    init(numeric: [(offset: Int, median: Float, center: Float, quantiles: QuantileMap?)],
         categorical: [(offset: Int, width: Int)], inputWidth: Int) {
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
        if numeric.contains(where: { $0.quantiles != nil }) {
            let total = max(1, numeric.reduce(0) { $0 + ($1.quantiles?.values.count ?? 0) })
            let start = UnsafeMutablePointer<Int>.allocate(capacity: max(1, numeric.count))
            let count = UnsafeMutablePointer<Int>.allocate(capacity: max(1, numeric.count))
            let value = UnsafeMutablePointer<Float>.allocate(capacity: total)
            let level = UnsafeMutablePointer<Float>.allocate(capacity: total)
            let slope = UnsafeMutablePointer<Float>.allocate(capacity: total)
            value.initialize(repeating: 0, count: total)
            level.initialize(repeating: 0, count: total)
            slope.initialize(repeating: 0, count: total)
            // Per column also its block heads then its knots, +inf padded (`ad_input_plan.knot_table`).
            let stride = Int(AD_KNOT_TABLE)
            let table = UnsafeMutablePointer<Float>.allocate(capacity: max(1, numeric.count) * stride)
            table.initialize(repeating: .infinity, count: max(1, numeric.count) * stride)
            var next = 0
            for (k, item) in numeric.enumerated() {
                (start + k).initialize(to: next)
                let map = item.quantiles
                (count + k).initialize(to: map?.values.count ?? 0)
                guard let map else { continue }
                precondition(map.values.count <= Int(AD_MAX_KNOTS), "a validated quantile map has at most 64 knots")
                for j in map.values.indices {
                    value[next + j] = map.values[j]
                    level[next + j] = map.levels[j]
                    if j < map.slopes.count { slope[next + j] = map.slopes[j] }
                    if j % 8 == 0 { table[k * stride + j / 8] = map.values[j] }
                    table[k * stride + 8 + j] = map.values[j]
                }
                next += map.values.count
            }
            knots = (start, count, value, level, slope, table)
        } else {
            knots = nil
        }
        let plan = UnsafeMutablePointer<ad_input_plan>.allocate(capacity: 1)
        plan.initialize(to: ad_input_plan(
            numeric_count: numeric.count, numeric_offset: numericOffset, median: median, center: center,
            categorical_count: categorical.count, categorical_offset: categoricalOffset,
            categorical_width: categoricalWidth, input_width: inputWidth,
            contiguous: numeric.enumerated().allSatisfy { $0.offset == $0.element.offset } ? 1 : 0,
            knot_start: knots.map { UnsafePointer($0.start) }, knot_count: knots.map { UnsafePointer($0.count) },
            knot_value: knots.map { UnsafePointer($0.value) }, knot_level: knots.map { UnsafePointer($0.level) },
            knot_slope: knots.map { UnsafePointer($0.slope) }, knot_table: knots.map { UnsafePointer($0.table) }))
        kernelPlan = UnsafePointer(plan)
    }

    deinit {
        UnsafeMutablePointer(mutating: kernelPlan).deallocate()
        numericOffset.deallocate()
        median.deallocate()
        center.deallocate()
        categoricalOffset.deallocate()
        categoricalWidth.deallocate()
        if let knots {
            knots.start.deallocate()
            knots.count.deallocate()
            knots.value.deallocate()
            knots.level.deallocate()
            knots.slope.deallocate()
            knots.table.deallocate()
        }
    }
}
