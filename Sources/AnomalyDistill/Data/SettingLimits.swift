import Foundation

/// The documented ranges of the settings a user can give (the commands' options check the same ones), and a
/// memory check made before a large configuration allocates anything.
public enum SettingLimits {
    /// Distillation temperature T: below 0.1 the soft targets are hard labels (and T → 0 divides by zero),
    /// above 100 they are all 0.5 and carry nothing.
    public static let temperature: ClosedRange<Double> = 0.1...100
    /// The width of one hidden layer (students and neural detectors).
    public static let width: ClosedRange<Int> = 1...4_096
    /// Hidden layers.
    public static let layers: ClosedRange<Int> = 1...16
    /// Isolation-forest trees.
    public static let trees: ClosedRange<Int> = 1...100_000
    /// Rows drawn per tree (isolation forest) or for the GAN (MO-GAAL).
    public static let subsample: ClosedRange<Int> = 2...10_000_000
    /// Training epochs.
    public static let epochs: ClosedRange<Int> = 1...100_000
    /// Neighbours of k-nearest neighbours.
    public static let neighbors: ClosedRange<Int> = 1...10_000
    /// Rows per mini-batch.
    public static let batchSize: ClosedRange<Int> = 1...1_000_000

    /// Checks that `value` lies in `range`, naming the setting and the range when it does not.
    public static func check<T: Comparable>(_ value: T, in range: ClosedRange<T>, name: String) throws(ConfigurationError) {
        guard range.contains(value) else {
            throw .invalidSetting(name: name, reason: "expected a value in [\(range.lowerBound), \(range.upperBound)], found \(value)")
        }
    }

    /// Hidden widths within ``width`` and ``layers``.
    public static func check(widths: [Int], name: String) throws(ConfigurationError) {
        guard layers.contains(widths.count) else {
            throw .invalidSetting(name: name, reason: "expected 1 to \(layers.upperBound) hidden layers, found \(widths.count)")
        }
        for width in widths where !Self.width.contains(width) {
            throw .invalidSetting(name: name, reason: "expected widths in [1, \(Self.width.upperBound)], found \(width)")
        }
    }

    /// Physical memory of this machine.
    public static var physicalMemory: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }

    /// Refuses a configuration that would need more than 80% of the machine's memory, before it allocates.
    public static func checkMemory(_ bytes: Double, for what: String) throws(ConfigurationError) {
        let available = physicalMemory
        guard bytes <= Double(available) * 0.8 else {
            throw .tooLarge(what: what, needs: bytes >= Double(Int.max) ? Int.max : Int(bytes), available: available)
        }
    }
}
