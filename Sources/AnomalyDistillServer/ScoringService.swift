import AnomalyDistill
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
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
        return buildApplication(store: store, settings: settings, metrics: ServerMetrics(driftRows: settings.driftRows),
                                logger: logger, onListening: onListening)
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
        let limits = ScoreRequestLimits(maxRows: settings.maxRows)
        let maxBodyBytes = settings.maxBodyBytes
        let server = HTTPServerBuilder { responder in
            ScoringHTTP1Channel(base: HTTP1Channel(responder: responder)) {
                ScoreFastLane(store: store, limits: limits, maxBodyBytes: maxBodyBytes, metrics: metrics)
            }
        }
        var app = Application(
            router: router,
            server: server,
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
            let explain = try explainParameter(request)
            if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
                throw ServiceError.bodyTooLarge(limit: maxBodyBytes)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw ServiceError.bodyTooLarge(limit: maxBodyBytes)
            }
            let (status, answer) = scoreAnswer(body, store: store, limits: limits, metrics: metrics, explain: explain)
            return JSONText.response(status, answer)
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

    /// Makes NIO's event loops (one per core) Swift concurrency's global executor, so that a request's
    /// async handler runs on the event loop that read it instead of hopping to the cooperative pool and
    /// back (measured: half the service's CPU went to those hops). Call it first thing on the main thread,
    /// before any task runs; `false` when it could not be installed (the service works either way).
    @discardableResult
    public static func adoptEventLoopsAsGlobalExecutor() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// `?explain=K`: the number of reasons per row (0 when absent).
    static func explainParameter(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["explain"].map(String.init) else { return 0 }
        guard let value = Int(text), value >= 1 else {
            throw ServiceError(status: .badRequest, code: "invalid_parameter",
                               message: "explain must be a whole number of reasons, 1 or more, found \(JSONText.cut(text))",
                               field: "explain")
        }
        return value
    }

    /// The answer to a `POST /v1/score` body: 200 and the results, or the JSON error. The one code path behind
    /// the route and the fast lane (``ScoreFastLane``), so both answer byte for byte the same.
    ///
    /// With `explain` > 0 (`?explain=K`, capped at the model's feature columns) each result carries `reasons`:
    /// `[{"column", "contribution", "imputed"}]`, most anomalous first (`Explanations`); a model without an
    /// explainer answers 422 `explanation_unsupported`.
    static func scoreAnswer(_ body: ByteBuffer, store: ModelStore, limits: ScoreRequestLimits,
                            metrics: ServerMetrics, explain: Int = 0) -> (HTTPResponse.Status, ByteBuffer) {
        // One reference taken: the request scores with this model to its end, whatever reloads meanwhile.
        let served = store.current
        let scores: [Float]
        var explanations: Explanations?
        do {
            let rows = try body.withUnsafeReadableBytes { try served.model.parseScoreRequest($0, limits: limits) }
            scores = try served.model.scores(rows)
            metrics.observe(rows, scores: scores, model: served.model)
            if explain > 0 {
                guard served.model.canExplain else {
                    let answer = ServiceError(status: .unprocessableContent, code: "explanation_unsupported",
                                              message: "\(AttributionError.unsupportedKind(served.model.kind))")
                    return (answer.status, answer.body)
                }
                explanations = try served.model.explain(rows)
            }
        } catch let error as ScoreRequestError {
            let answer = ServiceError(error)
            return (answer.status, answer.body)
        } catch {
            let answer = ServiceError(status: .internalServerError, code: "internal_error",
                                      message: "the model failed to score: \(JSONText.cut("\(error)"))")
            return (answer.status, answer.body)
        }
        var anomalies = 0
        var out: [UInt8] = []
        out.reserveCapacity(64 + scores.count * 72)
        out.append(contentsOf: #"{"model_id":""#.utf8)
        out.append(contentsOf: served.model.id.utf8)
        out.append(contentsOf: #"","threshold":"#.utf8)
        out.append(contentsOf: JSONText.number(served.model.threshold).utf8)
        out.append(contentsOf: #","results":["#.utf8)
        for (index, score) in scores.enumerated() {
            let flagged = served.model.isAnomaly(score)
            if flagged { anomalies += 1 }
            out.append(contentsOf: (index == 0 ? #"{"score":"# : #",{"score":"#).utf8)
            out.append(contentsOf: JSONText.number(score).utf8)
            out.append(contentsOf: #","probability":"#.utf8)
            out.append(contentsOf: JSONText.number(served.model.probability(score)).utf8)
            out.append(contentsOf: (flagged ? #","is_anomaly":true"# : #","is_anomaly":false"#).utf8)
            if let explanations {
                out.append(contentsOf: #","reasons":["#.utf8)
                for (k, reason) in explanations.reasons(row: index, top: explain).enumerated() {
                    out.append(contentsOf: (k == 0 ? #"{"column":"# : #",{"column":"#).utf8)
                    out.append(contentsOf: JSONText.string(reason.column).utf8)
                    out.append(contentsOf: #","contribution":"#.utf8)
                    out.append(contentsOf: JSONText.number(reason.contribution).utf8)
                    out.append(contentsOf: (reason.imputed ? #","imputed":true}"# : #","imputed":false}"#).utf8)
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        metrics.scored(rows: scores.count, anomalies: anomalies)
        return (.ok, ByteBuffer(bytes: out))
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
        guard isJSON(type) else {
            throw ServiceError(status: .unsupportedMediaType, code: "unsupported_media_type",
                               message: "expected Content-Type: application/json, found \(JSONText.cut(type))")
        }
    }

    /// Whether a Content-Type names JSON: `application/json`, any case, parameters (`; charset=utf-8`) allowed.
    static func isJSON(_ type: String) -> Bool {
        var utf8 = type.utf8[...]
        while utf8.first == UInt8(ascii: " ") { utf8 = utf8.dropFirst() }
        let expected = "application/json".utf8
        guard utf8.count >= expected.count else { return false }
        for (byte, wanted) in zip(utf8, expected) where (byte >= 65 && byte <= 90 ? byte + 32 : byte) != wanted {
            return false
        }
        let rest = utf8.dropFirst(expected.count)
        return rest.first.map { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: " ") } ?? true
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
