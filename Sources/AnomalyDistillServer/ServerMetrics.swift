import AnomalyDistill
import CoreMetrics
import Foundation
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The service's metrics, in Prometheus text format at `GET /metrics`.
///
/// Recorded through swift-metrics into a registry of this service's own (no global bootstrap, so several
/// services — the tests — keep separate counts):
/// - `anomaly_distill_http_requests_total{route,method,status}`
/// - `anomaly_distill_http_request_duration_seconds{route}`: a histogram, 50 µs to 1 s
/// - `anomaly_distill_rows_scored_total`, `anomaly_distill_anomalies_flagged_total`
/// - `anomaly_distill_model_info{model_id,kind}`: 1 for the model serving, 0 for those it replaced
/// - `anomaly_distill_model_reloads_total{result}`: `ok` or `failed`
/// - `anomaly_distill_drift_psi{series}`: the population stability index (`DriftMonitor`) of the last completed
///   block of ``driftRows`` scored rows against the training data, for `series="score"` and each numeric feature
///   (`series="feature:NAME"`); above 0.25 is an alarm. The block restarts when the model is reloaded.
/// - `anomaly_distill_drift_alarms_total`: blocks whose scores or a feature drifted past 0.25
public final class ServerMetrics: Sendable {
    /// The histogram's buckets: one-row requests take tens of microseconds.
    public static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let rowsScored: CoreMetrics.Counter
    private let anomaliesFlagged: CoreMetrics.Counter
    private let requests = NIOLockedValueBox<[RequestKey: CoreMetrics.Counter]>([:])
    private let latencies = NIOLockedValueBox<[String: CoreMetrics.Timer]>([:])
    private let models = NIOLockedValueBox<[[String]: CoreMetrics.Gauge]>([:])
    /// Rows per drift block.
    public let driftRows: Int
    private let drift = NIOLockedValueBox<(model: String, monitor: DriftMonitor)?>(nil)
    private let driftGauges = NIOLockedValueBox<[String: CoreMetrics.Gauge]>([:])
    private let driftAlarms: CoreMetrics.Counter

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// - Parameter driftRows: Rows per drift block (at least 1).
    public init(driftRows: Int = 10_000) {
        self.driftRows = max(1, driftRows)
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
        rowsScored = CoreMetrics.Counter(label: "anomaly_distill_rows_scored_total", factory: factory)
        anomaliesFlagged = CoreMetrics.Counter(label: "anomaly_distill_anomalies_flagged_total", factory: factory)
        driftAlarms = CoreMetrics.Counter(label: "anomaly_distill_drift_alarms_total", factory: factory)
    }

    /// Adds scored rows to the drift monitor of `model` (a new one when the model changed) and publishes each
    /// completed block's PSIs.
    public func observe(_ rows: RawRows, scores: [Float], model: ScoringModel) {
        let reports = drift.withLockedValue { state -> [DriftMonitor.Report] in
            if state?.model != model.id { state = (model.id, DriftMonitor(model: model, every: driftRows)) }
            return state!.monitor.add(rows, scores: scores)
        }
        for report in reports {
            if report.alarm { driftAlarms.increment() }
            // A model without training scores (a student of synthetic rows) has no score series.
            let values = (report.scorePSI.map { [("score", $0)] } ?? []) + report.features.map { ("feature:" + $0.name, $0.psi) }
            driftGauges.withLockedValue { gauges in
                for (series, psi) in values {
                    let gauge = gauges[series] ?? CoreMetrics.Gauge(label: "anomaly_distill_drift_psi",
                                                                    dimensions: [("series", series)], factory: factory)
                    gauges[series] = gauge
                    gauge.record(psi)
                }
            }
        }
    }

    /// Counts one answered request and its latency. `route` is the matched route's pattern (or
    /// `unmatched`), so that the label's values stay few whatever paths clients send.
    public func request(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        let counter = requests.withLockedValue { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: "anomaly_distill_http_requests_total",
                                  dimensions: [("route", route), ("method", method), ("status", String(status))],
                                  factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
        let timer = latencies.withLockedValue { timers in
            if let timer = timers[route] { return timer }
            let timer = CoreMetrics.Timer(label: "anomaly_distill_http_request_duration_seconds",
                                      dimensions: [("route", route)], factory: factory)
            timers[route] = timer
            return timer
        }
        timer.record(duration: duration)
    }

    /// Counts scored rows and the anomalies among them.
    public func scored(rows: Int, anomalies: Int) {
        rowsScored.increment(by: rows)
        if anomalies > 0 { anomaliesFlagged.increment(by: anomalies) }
    }

    /// Marks `id` as the model serving (1) and every other model seen as replaced (0).
    public func serving(id: String, kind: String) {
        models.withLockedValue { gauges in
            for gauge in gauges.values { gauge.record(0) }
            let key = [id, kind]
            let gauge = gauges[key] ?? CoreMetrics.Gauge(label: "anomaly_distill_model_info",
                                            dimensions: [("model_id", id), ("kind", kind)], factory: factory)
            gauges[key] = gauge
            gauge.record(1)
        }
    }

    /// Counts a reload.
    public func reloaded(ok: Bool) {
        CoreMetrics.Counter(label: "anomaly_distill_model_reloads_total", dimensions: [("result", ok ? "ok" : "failed")],
                factory: factory).increment()
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8_192)
        registry.emit(into: &buffer)
        return buffer
    }
}
