import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Watches each request and response on an HTTP/1 connection, behind the HTTP codec:
/// - a request's body must arrive in full within the body timeout of its head, else 408 and close (Hummingbird's
///   idle timeout does not run while a request is being read, so a stalled body held its connection for ever);
/// - after a response, the next request head must arrive within the idle timeout, however slowly its bytes
///   trickle in (a read-idle timer would be reset by each byte);
/// - tells the `ConnectionLimiter` when the connection is idle between requests, so it may be evicted at the bound;
/// - turns hummingbird-websocket's empty 400 for a refused WebSocket upgrade into the JSON error saying why
///   (401 without a valid token), which `refusal` gives.
final class HTTPExchangeGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let bodyTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let refusal: @Sendable (HTTPFields) -> APIError
    private var ticket: ConnectionLimiter.Ticket?
    private var firstHeadFields: HTTPFields?
    /// The one timer: when it fires, whatever `deadline` is then decides (see `arm`).
    private var timer: (scheduled: Scheduled<Void>, at: NIODeadline)?
    /// When the wait for `awaited` ends; nil when nothing is being waited for.
    private var deadline: NIODeadline?
    private var awaited = Awaited.body
    /// What the connection is waiting for (a case, not a closure: no allocation per request).
    private enum Awaited { case body, nextRequest }
    /// Requests whose head arrived and whose response has not ended.
    private var pending = 0
    private var readingBody = false
    private var responseStarted = false
    private var lastHead: HTTPRequest?
    /// The refused upgrade's JSON body, written after its rewritten head.
    private var refusalBody: ByteBuffer?

    init(bodyTimeout: TimeAmount, idleTimeout: TimeAmount, refusal: @escaping @Sendable (HTTPFields) -> APIError) {
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.refusal = refusal
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let connectionGuard = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
        ticket = connectionGuard?.ticket
        firstHeadFields = connectionGuard?.firstHeadFields
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.scheduled.cancel()
        timer = nil
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending += 1
            readingBody = true
            responseStarted = false
            lastHead = head
            ticket?.busy()
            arm(context, in: bodyTimeout, for: .body)
        case .body:
            break
        case .end:
            readingBody = false
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            responseStarted = true
            // A refused upgrade is answered before its request reaches this handler: its head is the connection's
            // first, which `ConnectionGuard` kept.
            if lastHead == nil, let fields = firstHeadFields, Self.isFailedUpgrade(response, for: fields) {
                let error = refusal(fields)
                let (head, body) = Self.closingResponse(error)
                refusalBody = body
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
        case .body:
            break
        case .end:
            if let body = refusalBody {
                refusalBody = nil
                context.write(wrapOutboundOut(.body(body)), promise: nil)
            }
            pending = max(0, pending - 1)
            if pending == 0 && !readingBody {
                ticket?.idle()
                arm(context, in: idleTimeout, for: .nextRequest)
            }
        }
        context.write(data, promise: promise)
    }

    /// hummingbird-websocket answers a refused upgrade with exactly this: 400, no body, `Connection: close`.
    static func isFailedUpgrade(_ response: HTTPResponse, for request: HTTPFields) -> Bool {
        response.status == .badRequest && response.headerFields[.contentLength] == "0"
            && request[.upgrade]?.lowercased() == "websocket"
    }

    private func bodyStalled(_ context: ChannelHandlerContext) {
        guard !responseStarted else {
            context.close(promise: nil)
            return
        }
        responseStarted = true
        let (head, body) = Self.closingResponse(APIError(.requestTimeout, "request_timeout", "the request body did not arrive in time"))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    /// An error's JSON response, after which the connection closes.
    static func closingResponse(_ error: APIError) -> (HTTPResponse, ByteBuffer) {
        let body = ByteBuffer(string: error.body.serialized())
        var head = HTTPResponse(status: error.status, headerFields: error.headers)
        head.headerFields.append(contentsOf: SecurityHeaders.all)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = "\(body.readableBytes)"
        head.headerFields[.connection] = "close"
        return (head, body)
    }

    /// Waits `delay` for the next step, then gives up on it (`timedOut`). Lazily: moving the deadline later keeps the timer already
    /// scheduled, which reschedules itself when it fires early, so a busy keep-alive connection costs one timer per
    /// timeout period instead of a schedule and a cancel per request (about 9% of a probe's time, docs/benchmarks.md).
    private func arm(_ context: ChannelHandlerContext, in delay: TimeAmount, for step: Awaited) {
        let at = NIODeadline.now() + delay
        deadline = at
        awaited = step
        if let timer, timer.at <= at { return }
        timer?.scheduled.cancel()
        schedule(context, at: at)
    }

    private func schedule(_ context: ChannelHandlerContext, at: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = (context.eventLoop.scheduleTask(deadline: at) { loopBound.value.0.timerFired(loopBound.value.1) }, at)
    }

    private func timerFired(_ context: ChannelHandlerContext) {
        timer = nil
        guard let deadline else { return }
        if NIODeadline.now() < deadline { return schedule(context, at: deadline) }
        self.deadline = nil
        switch awaited {
        case .body: bodyStalled(context)
        case .nextRequest: context.close(promise: nil)
        }
    }
}
