import AnomalyDistill
import AnomalyDistillServer
import ArgumentParser
import Foundation
import Logging

/// `anomaly-distill serve`: the HTTP scoring service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a saved model over HTTP: POST /v1/score, GET /v1/model, /healthz, /readyz, /metrics.",
        discussion: """
            POST /v1/score takes {"rows": [...]} with each row an array of the feature columns' values in \
            schema order (or one value per column) or an object keyed by column name; numbers or null \
            (missing) for numeric columns, text for categorical ones. It answers per row score, probability \
            and is_anomaly, with the threshold and the model's id (the first 16 hex digits of the file's \
            SHA-256). Errors are JSON {"error": {"code", "message", "row", "field"}}: 400 malformed JSON, 404, \
            405, 413 over --max-body-bytes or --max-rows, 415 not application/json, 422 a row that does not \
            fit the schema. POST /v1/model/reload or SIGHUP reads the model file again (a bad file leaves the \
            old model serving); SIGTERM or SIGINT stops after the requests in flight. With --port 0 a free \
            port is taken; the address is printed on standard output as "listening on http://HOST:PORT".
            """)

    @Option(name: [.customShort("m"), .long], help: "The model file (.safetensors).")
    var model: String

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port (0: any free port).")
    var port: Int = 8080

    @Option(name: .customLong("max-body-bytes"), help: "The largest request body accepted (413 above).")
    var maxBodyBytes: Int = 8 << 20

    @Option(name: .customLong("max-rows"), help: "The most rows per request (413 above).")
    var maxRows: Int = 10_000

    @Option(help: "Flag rows with score > this value instead of the model's threshold.")
    var threshold: Double?

    @Option(name: .customLong("monitor-rows"),
            help: "Scored rows per drift block: GET /metrics reports each block's population stability index of the scores and of each numeric feature against the training data (anomaly_distill_drift_psi).")
    var monitorRows: Int = 10_000

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    var settings: ServerSettings {
        ServerSettings(modelPath: model, host: host, port: port, maxBodyBytes: maxBodyBytes, maxRows: maxRows,
                       threshold: threshold, driftRows: monitorRows)
    }

    func validate() throws {
        do {
            try settings.validate()
        } catch {
            throw ValidationError(error.description)
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical, found \"\(logLevel)\"")
        }
    }

    func run() async throws {
        if !ScoringBenchmark.isOptimizedBuild { Standard.error(BuildNote.text) }
        var logger = Logger(label: "anomaly-distill.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let app = try ScoringService.buildApplication(settings: settings, logger: logger) { host, port in
            let shown = host.contains(":") ? "[\(host)]" : host
            try? Standard.write(Array("listening on http://\(shown):\(port)\n".utf8))
        }
        try await app.runService()
    }
}
