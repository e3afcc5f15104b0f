import AnomalyDistill
import Foundation
import Hummingbird
import Logging
import NIOCore

/// An error answered as `{"error": {"code", "message", "row", "field"}}` with its HTTP status.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable machine-readable code, e.g. `invalid_field`.
    public var code: String
    /// One plain sentence.
    public var message: String
    /// The 0-based row the error is about, if any.
    public var row: Int?
    /// The column the error is about, if any.
    public var field: String?
    /// Extra headers (`Allow` for 405).
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, code: String, message: String, row: Int? = nil, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.row = row
        self.field = field
    }

    /// A request body the model cannot score.
    public init(_ error: ScoreRequestError) {
        var row: Int?, field: String?
        if case let .invalidField(r, f, _) = error {
            row = r
            field = f == "*" ? nil : f
        }
        self.init(status: HTTPResponse.Status(code: error.httpStatus), code: error.code, message: error.description,
                  row: row, field: field)
    }

    static func bodyTooLarge(limit: Int) -> ServiceError {
        ServiceError(status: .contentTooLarge, code: "body_too_large",
                     message: "the request body is larger than the limit of \(limit) bytes (--max-body-bytes)")
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON answer.
    public var response: Response {
        var response = JSONText.response(status, body)
        for field in headers { response.headers.append(field) }
        return response
    }

    /// The answer's JSON body.
    public var body: ByteBuffer {
        var body = ByteBuffer()
        body.writeStaticString("{\"error\":{\"code\":")
        body.writeString(JSONText.string(code))
        body.writeStaticString(",\"message\":")
        body.writeString(JSONText.string(message))
        body.writeStaticString(",\"row\":")
        body.writeString(row.map(String.init) ?? "null")
        body.writeStaticString(",\"field\":")
        body.writeString(field.map(JSONText.string) ?? "null")
        body.writeStaticString("}}")
        return body
    }
}

/// Turns every error into a JSON answer, and counts every request with its status and latency.
///
/// Nothing a client sends ends in a 500: errors of the request are 4xx `ServiceError`s, Hummingbird's own
/// (`HTTPError`) keep their status, and anything else — a fault of the service, not of the request — is a
/// logged 500 that still answers JSON, and the server goes on.
struct ServiceMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as ServiceError {
            response = error.response
        } catch let error as HTTPError {
            response = translate(error, request).response
        } catch let error as NIOTooManyBytesError {
            _ = error
            response = ServiceError(status: .contentTooLarge, code: "body_too_large", message: "the request body is too large").response
        } catch {
            logger.error("internal error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = ServiceError(status: .internalServerError, code: "internal_error",
                                    message: "the service failed to answer: \(JSONText.cut("\(error)"))").response
        }
        let matched = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 }
        let route = matched ?? (ScoringService.routes[request.uri.path] != nil ? request.uri.path : "unmatched")
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code,
                        duration: ContinuousClock.now - start)
        return response
    }

    func translate(_ error: HTTPError, _ request: Request) -> ServiceError {
        if error.status == .notFound {
            let path = request.uri.path
            if let allowed = ScoringService.routes[path] {
                var answer = ServiceError(status: .methodNotAllowed, code: "method_not_allowed",
                                          message: "\(path) takes \(allowed), found \(JSONText.cut(request.method.rawValue))")
                answer.headers[.allow] = allowed
                return answer
            }
            return ServiceError(status: .notFound, code: "not_found",
                                message: "no route \(JSONText.cut(path)); the routes are \(ScoringService.routes.keys.sorted().joined(separator: ", "))")
        }
        let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
        return ServiceError(status: error.status, code: code.isEmpty ? "http_\(error.status.code)" : code,
                            message: error.body ?? error.status.reasonPhrase)
    }
}

/// JSON text written by hand, for answers on the hot path.
enum JSONText {
    static func response(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// A number, or `null` for one JSON cannot carry (NaN, infinity).
    static func number(_ value: Float) -> String { value.isFinite ? value.description : "null" }
    static func number(_ value: Double) -> String { value.isFinite ? value.description : "null" }

    /// A JSON string literal (the core's escaper).
    static func string(_ text: String) -> String { JSONValue.literal(text) }

    /// A value from a client, quoted and cut to a readable length (the core's helper).
    static func cut(_ text: String) -> String { DataError.quoted(text) }

    static func encode(_ value: JSONValue) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: try encoder.encode(value))
    }
}
