import AnomalyDistill
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// `POST /v1/score` answered on the event loop, in the channel pipeline, before Hummingbird's async request
/// machinery: one-row requests are dominated by that machinery (measured: about 120 µs of CPU per request
/// through the router, most of it task switches and async-sequence plumbing), while the scoring is a few
/// microseconds.
///
/// It sits in Hummingbird's `HTTP1Channel` pipeline right after NIO's HTTP/1 decoder (before the conversion to
/// HTTP types and the request handling; see ``ScoringHTTP1Channel``) and takes only requests it can answer
/// exactly as the route would:
/// `POST /v1/score` with a JSON content type and a declared length within the limit, when no earlier request
/// on the connection is still being answered by the router (so pipelined answers keep their order).
/// Everything else — other routes, a query string, a wrong content type — passes through to the router
/// untouched. Both call ``ScoringService/scoreAnswer(_:store:limits:metrics:)``, so the answers are the
/// same byte for byte; metrics are counted the same way.
final class ScoreFastLane: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// Reading a request this lane answers.
        case collecting(start: ContinuousClock.Instant, version: HTTPVersion, keepAlive: Bool)
        /// A request that goes to the router, until its end.
        case passing
        /// The body went over the limit: 413 was sent; the rest of the body is read and dropped (up to
        /// ``lingerBytes``, so that the client reads the answer instead of a reset), then the connection closes.
        case refused(dropped: Int)
    }

    /// How much of a refused body is read and dropped before the connection is closed.
    static let lingerBytes = 64 << 20

    private let store: ModelStore
    private let limits: ScoreRequestLimits
    private let maxBodyBytes: Int
    private let metrics: ServerMetrics
    private var state = State.idle
    private var body = ByteBuffer()
    /// Requests handed to the router whose answers have not ended yet.
    private var outstanding = 0
    /// The server is shutting down: close after the request being read.
    private var quiescing = false

    init(store: ModelStore, limits: ScoreRequestLimits, maxBodyBytes: Int, metrics: ServerMetrics) {
        self.store = store
        self.limits = limits
        self.maxBodyBytes = maxBodyBytes
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case let (.idle, .head(head)):
            if outstanding == 0, takes(head) {
                state = .collecting(start: .now, version: head.version, keepAlive: head.isKeepAlive)
                body.clear()
            } else {
                outstanding += 1
                state = .passing
                context.fireChannelRead(data)
            }
        case let (.collecting(start, version, _), .body(chunk)):
            var chunk = chunk
            guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                state = .refused(dropped: 0)
                body = ByteBuffer()
                let error = ServiceError.bodyTooLarge(limit: maxBodyBytes)
                respond(context, status: error.status, body: error.body, version: version, keepAlive: true, closing: true)
                metrics.request(route: "/v1/score", method: "POST", status: error.status.code, duration: .now - start)
                return
            }
            if body.readableBytes == 0 { body = chunk } else { body.writeBuffer(&chunk) }
        case let (.collecting(start, version, keepAlive), .end):
            state = .idle
            let (status, answer) = ScoringService.scoreAnswer(body, store: store, limits: limits, metrics: metrics)
            body = ByteBuffer()
            respond(context, status: status, body: answer, version: version, keepAlive: keepAlive && !quiescing)
            metrics.request(route: "/v1/score", method: "POST", status: status.code, duration: .now - start)
        case (.passing, _):
            if case .end = part { state = .idle }
            context.fireChannelRead(data)
        case let (.refused(dropped), .body(chunk)):
            state = .refused(dropped: dropped + chunk.readableBytes)
            if dropped + chunk.readableBytes > Self.lingerBytes { context.close(promise: nil) }
        case (.refused, _):
            context.close(promise: nil)
        case (.idle, _), (.collecting, .head):
            // Parts out of order cannot come from NIO's HTTP decoder; let the router's side deal with them.
            context.fireChannelRead(data)
        }
    }

    /// A graceful shutdown while this lane reads a request: the request is answered (with `Connection: close`)
    /// and the connection closes then. Otherwise the event goes on to Hummingbird's connection handler, which
    /// closes the connection once the router's request, if any, is answered.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .collecting = state {
            quiescing = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), outstanding > 0 { outstanding -= 1 }
        context.write(data, promise: promise)
    }

    /// Whether this lane answers the request: the route's method and path, JSON, a length within the limit.
    private func takes(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .POST, head.uri == "/v1/score" else { return false }
        var json = false
        for (name, value) in head.headers {
            if name.utf8.count == 12, name.lowercased() == "content-type" {
                json = ScoringService.isJSON(value)
            } else if name.utf8.count == 14, name.lowercased() == "content-length" {
                guard let declared = Int(value), declared <= maxBodyBytes else { return false }
            }
        }
        return json
    }

    /// Writes the answer. `closing`: say `Connection: close` but leave the closing to the caller (a refused
    /// body is dropped first).
    private func respond(_ context: ChannelHandlerContext, status: HTTPResponse.Status, body: ByteBuffer,
                         version: HTTPVersion, keepAlive: Bool, closing: Bool = false) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(3)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if !keepAlive || closing {
            headers.add(name: "Connection", value: "close")
        } else if version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status.code), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}

/// Hummingbird's HTTP/1 channel with ``ScoreFastLane`` inserted right after NIO's HTTP/1 decoder.
struct ScoringHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel
    let fastLane: @Sendable () -> ScoreFastLane

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { [fastLane] value in
            let codec = try channel.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self)
            try channel.pipeline.syncOperations.addHandler(fastLane(), position: .before(codec))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
