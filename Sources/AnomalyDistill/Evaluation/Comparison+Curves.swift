import Foundation

extension TeacherStudentComparison {
    /// Points of a ROC curve (false-positive rate, true-positive rate) from (0, 0) to (1, 1), one per distinct
    /// score, thinned to about `maximumPoints`.
    ///
    /// - Complexity: O(n log n) for n scores.
    public static func rocCurve(scores: [Float], labels: [Int], maximumPoints: Int = 1_000) -> [(x: Double, y: Double)]
    {
        let positives = Double(labels.reduce(0, +)), negatives = Double(labels.count) - positives
        guard positives > 0 && negatives > 0 else { return [] }
        var points: [(x: Double, y: Double)] = [(0, 0)]
        forEachThreshold(scores, labels) { tp, fp in points.append((fp / negatives, tp / positives)) }
        return thinned(points, maximumPoints: maximumPoints)
    }

    /// Points of a precision–recall curve (recall, precision), one per distinct score, thinned to about
    /// `maximumPoints`; it starts at recall 0 with the precision of the highest-scored rows.
    public static func precisionRecallCurve(
        scores: [Float], labels: [Int],
        maximumPoints: Int = 1_000
    ) -> [(x: Double, y: Double)] {
        let positives = Double(labels.reduce(0, +))
        guard positives > 0 && positives < Double(labels.count) else { return [] }
        var points: [(x: Double, y: Double)] = []
        forEachThreshold(scores, labels) { tp, fp in
            if points.isEmpty { points.append((0, tp / (tp + fp))) }
            points.append((tp / positives, tp / (tp + fp)))
        }
        return thinned(points, maximumPoints: maximumPoints)
    }

    /// Calls `body(truePositives, falsePositives)` after each group of equal scores, highest scores first.
    private static func forEachThreshold(_ scores: [Float], _ labels: [Int], _ body: (Double, Double) -> Void) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0.0, fp = 0.0
        for (position, index) in order.enumerated() {
            if labels[index] == 1 { tp += 1 } else { fp += 1 }
            if position == order.count - 1 || scores[order[position + 1]] != scores[index] { body(tp, fp) }
        }
    }

    /// Keeps the first and last points and those that move at least 1/`maximumPoints` from the last kept one.
    private static func thinned(_ points: [(x: Double, y: Double)], maximumPoints: Int) -> [(x: Double, y: Double)] {
        guard points.count > maximumPoints, let last = points.last else { return points }
        let step = 1 / Double(maximumPoints)
        var kept = [points[0]]
        for point in points.dropFirst().dropLast() {
            let previous = kept[kept.count - 1]
            if abs(point.x - previous.x) >= step || abs(point.y - previous.y) >= step { kept.append(point) }
        }
        kept.append(last)
        return kept
    }

    /// At most `count` row indices, drawn without replacement by a generator seeded with `seed`, in increasing order.
    public static func subsample(rows: Int, count: Int, seed: UInt64) -> [Int] {
        guard rows > count else { return Array(0..<rows) }
        var random = RandomSource(seed: seed)
        return random.sample(count, from: rows).sorted()
    }
}
