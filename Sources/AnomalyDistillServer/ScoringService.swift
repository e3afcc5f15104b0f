import AnomalyDistill
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The HTTP scoring service: a Hummingbird application that scores through ``ScoringModel`` only.
///
/// Routes:
/// - `POST /v1/score` — `{"rows": [...]}`, rows as arrays in schema order or objects keyed by column name;
///   answers `{"model_id", "threshold", "results": [{"score", "probability", "is_anomaly"}, ...]}`.
/// - `GET /v1/model` — kind, schema, threshold, metrics and provenance of the model serving.
/// - `POST /v1/model/reload` (and SIGHUP) — reads the model file again; a bad file leaves the old model
///   serving and the answer says why.
/// - `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus text).
///
/// Every error is JSON, `{"error": {"code", "message", "row", "field"}}`: 400 malformed JSON, 404 unknown
/// route, 405 wrong method, 413 body or rows over the limit, 415 not JSON, 422 a request that does not fit
/// the model (naming the row and the field).
public enum ScoringService {
    /// The application `anomaly-distill serve` runs, and the tests drive in-process.
    ///
    /// - Parameters:
    ///   - onListening: called with the bound address once the server accepts connections (the port is
    ///     the one chosen when `settings.port` is 0).
    /// - Throws: `ServerSettings.SettingsError` for a setting out of range; `ModelError` when the model
    ///   file does not load.
    public static func buildApplication(
        settings: ServerSettings, logger: Logger = Logger(label: "anomaly-distill.serve"),
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) throws -> some ApplicationProtocol {
        try settings.validate()
        let store = try ModelStore(path: settings.modelPath, threshold: settings.threshold)
        return buildApplication(store: store, settings: settings, logger: logger, onListening: onListening)
    }

    /// The application over a model store already loaded.
    public static func buildApplication(
        store: ModelStore, settings: ServerSettings, metrics: ServerMetrics = ServerMetrics(),
        logger: Logger = Logger(label: "anomaly-distill.serve"),
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) -> some ApplicationProtocol {
        let model = store.current.model
        metrics.serving(id: model.id, kind: model.kind)
        let router = buildRouter(store: store, settings: settings, metrics: metrics, logger: logger)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "anomaly-distill"),
            onServerRunning: { channel in
                let address = channel.localAddress
                await onListening(address?.ipAddress ?? settings.host, address?.port ?? settings.port)
            },
            logger: logger
        )
        app.addServices(ReloadOnHangup(store: store, metrics: metrics, logger: logger))
        return app
    }

    /// The routes, behind the middleware that turns every error into JSON and counts every request.
    public static func buildRouter(store: ModelStore, settings: ServerSettings, metrics: ServerMetrics,
                                   logger: Logger) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ServiceMiddleware(metrics: metrics, logger: logger))
        let limits = ScoreRequestLimits(maxRows: settings.maxRows)
        let maxBodyBytes = settings.maxBodyBytes

        router.post("/v1/score") { request, _ -> Response in
            try checkContentType(request)
            if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
                throw ServiceError.bodyTooLarge(limit: maxBodyBytes)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw ServiceError.bodyTooLarge(limit: maxBodyBytes)
            }
            let model = store.current.model
            let rows: RawRows
            do {
                rows = try body.withUnsafeReadableBytes { try model.parseScoreRequest($0, limits: limits) }
            } catch let error as ScoreRequestError {
                throw ServiceError(error)
            }
            let scores = try model.scores(rows)
            var anomalies = 0
            var out = ByteBuffer()
            out.reserveCapacity(64 + scores.count * 72)
            out.writeStaticString("{\"model_id\":\"")
            out.writeString(model.id)
            out.writeStaticString("\",\"threshold\":")
            out.writeString(JSONText.number(model.threshold))
            out.writeStaticString(",\"results\":[")
            for (index, score) in scores.enumerated() {
                let flagged = model.isAnomaly(score)
                if flagged { anomalies += 1 }
                out.writeStaticString(index == 0 ? "{\"score\":" : ",{\"score\":")
                out.writeString(JSONText.number(score))
                out.writeStaticString(",\"probability\":")
                out.writeString(JSONText.number(model.probability(score)))
                out.writeStaticString(flagged ? ",\"is_anomaly\":true}" : ",\"is_anomaly\":false}")
            }
            out.writeStaticString("]}")
            metrics.scored(rows: scores.count, anomalies: anomalies)
            return JSONText.response(.ok, out)
        }

        router.get("/v1/model") { _, _ -> Response in
            JSONText.response(.ok, try JSONText.encode(describe(store.current)))
        }

        router.post("/v1/model/reload") { _, _ -> Response in
            do {
                let (previous, current) = try await store.reload()
                metrics.reloaded(ok: true)
                metrics.serving(id: current.id, kind: current.kind)
                logger.info("reloaded the model", metadata: ["previous": "\(previous.id)", "model_id": "\(current.id)"])
                return JSONText.response(.ok, try JSONText.encode([
                    "reloaded": .bool(true), "previous_model_id": .string(previous.id), "model": describe(store.current),
                ]))
            } catch {
                metrics.reloaded(ok: false)
                logger.error("reload failed; the previous model keeps serving", metadata: ["error": "\(error)"])
                throw ServiceError(status: .conflict, code: "reload_failed",
                                   message: "\(error) (the model \(store.current.model.id) keeps serving)")
            }
        }

        router.get("/healthz") { _, _ -> Response in
            JSONText.response(.ok, ByteBuffer(string: "{\"status\":\"ok\"}"))
        }

        router.get("/readyz") { _, _ -> Response in
            let model = store.current.model
            return JSONText.response(.ok, try JSONText.encode([
                "status": .string("ready"), "model_id": .string(model.id), "kind": .string(model.kind),
            ]))
        }

        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        return router
    }

    /// The methods each route takes, for 405 answers.
    static let routes: [String: String] = [
        "/v1/score": "POST", "/v1/model": "GET", "/v1/model/reload": "POST",
        "/healthz": "GET", "/readyz": "GET", "/metrics": "GET",
    ]

    static func checkContentType(_ request: Request) throws {
        guard let type = request.headers[.contentType] else {
            throw ServiceError(status: .unsupportedMediaType, code: "unsupported_media_type",
                               message: "expected Content-Type: application/json, found none")
        }
        let media = type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard media == "application/json" else {
            throw ServiceError(status: .unsupportedMediaType, code: "unsupported_media_type",
                               message: "expected Content-Type: application/json, found \(JSONText.cut(type))")
        }
    }

    /// What `GET /v1/model` says of the model serving.
    static func describe(_ loaded: ModelStore.Loaded) -> JSONValue {
        let model = loaded.model
        let metadata = model.metadata
        let formatter = ISO8601DateFormatter()
        var description: [String: JSONValue] = [
            "id": .string(model.id),
            "sha256": model.sha256.map { .string($0) } ?? .null,
            "kind": .string(model.kind),
            "threshold": .number(model.threshold),
            "features": .array(model.featureNames.map { .string($0) }),
            "schema": metadata?.schema ?? .null,
            "architecture": metadata?.architecture ?? .null,
            "metrics": metadata?.training?["metrics"] ?? .null,
            "flops_per_row": .number(model.flopsPerRow),
            "compiled": .bool(model.isCompiled),
            "provenance": .object([
                "file": model.file.map { .string($0) } ?? .null,
                "created_by": metadata.map { .string($0.createdBy) } ?? .null,
                "format_version": metadata.map { .number(Double($0.formatVersion)) } ?? .null,
                "training": metadata?.training ?? .null,
                "loaded_at": .string(formatter.string(from: loaded.loadedAt)),
            ]),
        ]
        if let metadataThreshold = metadata?.threshold, metadataThreshold != model.threshold {
            description["file_threshold"] = .number(metadataThreshold)
        }
        return .object(description)
    }
}

/// Re-reads the model file on SIGHUP, as `POST /v1/model/reload` does.
struct ReloadOnHangup: Service {
    let store: ModelStore
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                let (previous, current) = try await store.reload()
                metrics.reloaded(ok: true)
                metrics.serving(id: current.id, kind: current.kind)
                logger.info("SIGHUP: reloaded the model", metadata: ["previous": "\(previous.id)", "model_id": "\(current.id)"])
            } catch {
                metrics.reloaded(ok: false)
                logger.error("SIGHUP: reload failed; the previous model keeps serving", metadata: ["error": "\(error)"])
            }
        }
    }
}
