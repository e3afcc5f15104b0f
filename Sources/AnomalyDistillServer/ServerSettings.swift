/// How `anomaly-distill serve` runs: the model file, the address, and the limits on each request.
public struct ServerSettings: Sendable, Equatable {
    /// The model file (.safetensors) to serve; `POST /v1/model/reload` and SIGHUP read it again.
    public var modelPath: String
    /// The address to listen on (loopback by default: put a proxy in front to expose it).
    public var host: String
    /// The port; 0 takes a free one, announced on standard output.
    public var port: Int
    /// The largest request body accepted; a larger one gets 413.
    public var maxBodyBytes: Int
    /// The most rows one request may hold; more get 413.
    public var maxRows: Int
    /// Flags rows with score > this value instead of the model's threshold.
    public var threshold: Double?
    /// Scored rows per drift block (the `anomaly_distill_drift_psi` gauges).
    public var driftRows: Int

    /// The limits a setting may take.
    public static let portRange = 0...65_535
    public static let bodyBytesRange = 1...(1 << 30)
    public static let rowsRange = 1...1_000_000
    public static let driftRowsRange = 10...1_000_000_000

    public init(modelPath: String, host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 8 << 20,
                maxRows: Int = 10_000, threshold: Double? = nil, driftRows: Int = 10_000) {
        self.driftRows = driftRows
        self.modelPath = modelPath
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxRows = maxRows
        self.threshold = threshold
    }

    /// Checks every setting; the message names the option and its limits.
    public func validate() throws(SettingsError) {
        guard !host.isEmpty else { throw SettingsError("--host must name an address, found an empty one") }
        guard Self.portRange.contains(port) else {
            throw SettingsError("--port must be in [0, 65535], found \(port)")
        }
        guard Self.bodyBytesRange.contains(maxBodyBytes) else {
            throw SettingsError("--max-body-bytes must be in [1, \(Self.bodyBytesRange.upperBound)], found \(maxBodyBytes)")
        }
        guard Self.rowsRange.contains(maxRows) else {
            throw SettingsError("--max-rows must be in [1, \(Self.rowsRange.upperBound)], found \(maxRows)")
        }
        if let threshold, !threshold.isFinite {
            throw SettingsError("--threshold must be a finite number, found \(threshold)")
        }
        guard Self.driftRowsRange.contains(driftRows) else {
            throw SettingsError("--monitor-rows must be in [10, \(Self.driftRowsRange.upperBound)], found \(driftRows)")
        }
    }

    /// A setting out of its range.
    public struct SettingsError: Error, CustomStringConvertible, Equatable {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
