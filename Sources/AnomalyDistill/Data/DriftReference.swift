import Foundation

/// How a numeric column was distributed in the training rows, for drift monitoring: ten bins cut at its training
/// deciles, and the share of training values in each.
///
/// The population stability index of new values against it, PSI = Σᵢ (aᵢ − eᵢ) ln(aᵢ / eᵢ) over the bins
/// (aᵢ the new share, eᵢ the training share, each at least 10⁻⁴ so an empty bin stays finite), is the credit-
/// scoring industry's drift measure (Siddiqi 2006; Yurdakul 2018): below 0.1 the distribution has not moved,
/// 0.1 to 0.25 it has moved a little, above 0.25 it has moved enough to act (``alarmLevel``).
public struct BinnedDistribution: Codable, Sendable, Equatable {
    /// The 9 inner cut points, ascending; a value `v` falls in the first bin whose edge is ≥ `v`, else the last.
    public var edges: [Float]
    /// The share of training values in each of the `edges.count + 1` bins (sums to 1).
    public var shares: [Double]

    /// The PSI above which a distribution has drifted enough to act on.
    public static let alarmLevel = 0.25
    /// The PSI above which it has moved a little.
    public static let warningLevel = 0.1
    /// The smallest share a bin counts with.
    static let floorShare = 1e-4

    /// The bins of sorted finite `values` (`nil` for no values).
    public init?(sorted values: [Double]) {
        guard !values.isEmpty else { return nil }
        edges = (1...9).map { Float(Statistics.quantile(sorted: values, Double($0) / 10)) }
        var counts = [Int](repeating: 0, count: 10)
        for value in values { counts[Self.bin(Float(value), edges)] += 1 }
        shares = counts.map { Double($0) / Double(values.count) }
    }

    /// The bin of `value`: the first whose edge is at least it, by binary search.
    @inline(__always)
    static func bin(_ value: Float, _ edges: [Float]) -> Int {
        var low = 0, high = edges.count
        while low < high {
            let mid = (low + high) / 2
            if edges[mid] >= value { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The bin of `value`.
    public func bin(_ value: Float) -> Int { Self.bin(value, edges) }

    /// The PSI of bin counts of new values against the training shares (0 when there are none).
    public func psi(_ counts: [Int]) -> Double {
        let total = counts.reduce(0, +)
        guard total > 0 else { return 0 }
        var sum = 0.0
        for (count, expected) in zip(counts, shares) {
            let actual = max(Double(count) / Double(total), Self.floorShare)
            let reference = max(expected, Self.floorShare)
            sum += (actual - reference) * Foundation.log(actual / reference)
        }
        return sum
    }

    /// What is wrong with one read from a file, or `nil`.
    var problem: String? {
        guard edges.count == 9, shares.count == 10, edges.allSatisfy(\.isFinite),
              zip(edges, edges.dropFirst()).allSatisfy({ $0 <= $1 }),
              shares.allSatisfy({ $0 >= 0 && $0 <= 1 }), abs(shares.reduce(0, +) - 1) < 1e-6 else {
            return "expected 9 ascending finite edges and 10 shares summing to 1"
        }
        return nil
    }
}
