/// A setting out of its range — a detector's, the distiller's, a split's — as opposed to ``DataError``, which is
/// about the data. Commands check their options with the same limits before any work starts
/// (``SettingLimits``), so a typo costs one clear sentence, not a run.
public enum ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `name`'s value is outside its valid range; `reason` says the range and what was found.
    case invalidSetting(name: String, reason: String)
    /// The configuration would need more memory than the machine has.
    case tooLarge(what: String, needs: Int, available: Int)

    public var description: String {
        switch self {
        case let .invalidSetting(name, reason):
            return "invalid \(name): \(reason)"
        case let .tooLarge(what, needs, available):
            return "\(what) would need about \(Self.gibibytes(needs)) of memory, more than this machine's "
                + "\(Self.gibibytes(available)); choose smaller settings"
        }
    }

    static func gibibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / Double(1 << 30)
        return value >= 10 ? "\(Int(value.rounded())) GiB" : String(format: "%.1f GiB", value)
    }
}
