import HummingbirdCore
import Logging
import HTTPTypes
import NIOCore
import NIOHTTP1

/// Guards a connection at the socket end of its pipeline, on raw bytes:
/// - holds its place in the `ConnectionLimiter`: silent until the first request head has arrived;
/// - closes it when its first request head has not fully arrived within the idle timeout. Hummingbird's idle
///   timeout (`HTTPConnectionStateHandler`) starts only after the WebSocket-upgrade negotiation has read a first
///   request head, so a client that sends nothing, or half a head, would hold its connection for ever;
/// - answers a request the HTTP parser rejects with a 400 (431 for oversized heads) and closes: the upgrade
///   pipeline leaves parser errors unhandled, which left such connections open and silent
///   (`ParserErrorCatcher` reports them here, from behind the parser);
/// - marks a first request in HTTP/1.0 that did not ask for keep-alive with `Connection: close`, so the connection
///   closes after the response as HTTP/1.0 says (the HTTP types handed to Hummingbird carry no version).
///
/// Inbound only: responses do not pass through it (a pass-through write and flush per response part otherwise).
final class ConnectionGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    let ticket: ConnectionLimiter.Ticket
    private var timer: Scheduled<Void>?
    /// The last bytes seen, to find `\r\n\r\n` across reads; nil once the first head went by.
    private var tail: [UInt8]? = []
    private var context: ChannelHandlerContext?
    private var rejected = false
    /// The first request head's bytes so far (its first 16 KB), to read its version and Connection header.
    private var head: [UInt8] = []

    /// True once the first request head is passed on; false when the connection closes before it does.
    let firstRequest: EventLoopPromise<Bool>
    private var firstRequestDecided = false

    init(timeout: TimeAmount, ticket: ConnectionLimiter.Ticket, eventLoop: any EventLoop) {
        self.timeout = timeout
        self.ticket = ticket
        self.firstRequest = eventLoop.makePromise()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        let ticket = ticket
        channel.closeFuture.whenComplete { _ in ticket.closed() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        decideFirstRequest(false)
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejected else { return }  // nothing more is read from a rejected connection
        guard let previous = tail else {
            context.fireChannelRead(data)
            return
        }
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        if head.count < 16_384 { head += bytes.prefix(16_384 - head.count) }
        let seen = previous + bytes
        guard Self.endOfHead(in: seen) != nil else {
            tail = Array(seen.suffix(3))
            context.fireChannelRead(data)
            return
        }
        timer?.cancel()
        timer = nil
        tail = nil
        ticket.busy()
        if Self.isHTTP10WithoutKeepAlive(head), let end = Self.endOfHead(in: bytes) {
            var marked = ByteBuffer()
            marked.writeBytes(bytes[..<end])
            marked.writeString("\r\nConnection: close")
            marked.writeBytes(bytes[end...])
            context.fireChannelRead(wrapInboundOut(marked))
        } else {
            context.fireChannelRead(data)
        }
        // After the parser has read it: a head it rejected has been decided already (`reject`).
        decideFirstRequest(true)
    }

    private func decideFirstRequest(_ arrived: Bool) {
        guard !firstRequestDecided else { return }
        firstRequestDecided = true
        firstRequest.succeed(arrived)
    }

    /// The header fields of the connection's first request (of its first 16 KB), once it has arrived.
    var firstHeadFields: HTTPFields? {
        guard tail == nil else { return nil }
        var fields = HTTPFields()
        let text = String(decoding: head, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false).dropFirst() {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) else { continue }
            fields.append(HTTPField(name: name, value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return fields
    }

    /// Where `\r\n\r\n` starts, if it is there.
    static func endOfHead(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    /// An HTTP/1.0 request line, and no `Connection: keep-alive`.
    static func isHTTP10WithoutKeepAlive(_ head: [UInt8]) -> Bool {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let requestLine = lines.first, requestLine.hasSuffix("http/1.0") else { return false }
        return !lines.dropFirst().contains { $0.hasPrefix("connection:") && $0.contains("keep-alive") }
    }

    /// Writes a minimal JSON error straight to the socket and closes the connection.
    func reject(status: Int, reason: String, code: String, message: String) {
        guard let context, !rejected else { return }
        rejected = true
        decideFirstRequest(false)
        timer?.cancel()
        let response = Self.rawResponse(status: status, reason: reason, code: code, message: message)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in channel.close(promise: nil) }
    }

    static let connectionLimitRefusal = rawResponse(
        status: 503, reason: "Service Unavailable", code: "too_many_connections",
        message: "the server is at its connection limit; retry shortly", headers: "Retry-After: 1\r\n")

    /// A closing JSON error response as bytes, for where no HTTP handler is (yet) in the pipeline.
    static func rawResponse(status: Int, reason: String, code: String, message: String, headers: String = "") -> ByteBuffer {
        let body = "{\"code\":\"\(code)\",\"error\":\"\(message)\"}"
        return ByteBuffer(string: "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\(headers)X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n" + body)
    }
}

/// Answers a connection over the limit with a 503 as soon as it is active, and closes it.
final class ConnectionRefuser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    private var refused = false

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(_ context: ChannelHandlerContext) {
        guard !refused else { return }
        refused = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ConnectionGuard.connectionLimitRefusal)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// Sits behind the HTTP parser and hands its errors to the connection's `ConnectionGuard`.
final class ParserErrorCatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let guardHandler: ConnectionGuard

    init(guardHandler: ConnectionGuard) {
        self.guardHandler = guardHandler
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if case .headerOverflow = parserError {
            guardHandler.reject(status: 431, reason: "Request Header Fields Too Large", code: "headers_too_large",
                                message: "request head too large")
        } else {
            guardHandler.reject(status: 400, reason: "Bad Request", code: "malformed_request", message: "malformed HTTP request")
        }
    }
}

/// The service's child channel: HTTP/1 with WebSocket upgrade, behind `ConnectionGuard`, admitted by the
/// `ConnectionLimiter`. A refused connection gets a raw 503 and is closed before any HTTP handler exists; its
/// value is nil (failing the setup instead would end the server's accept loop).
struct GuardedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let headTimeout: TimeAmount
    let limiter: ConnectionLimiter

    struct Value: ServerChildChannelValue {
        let channel: any Channel
        /// Nil for a refused connection.
        let admitted: Inner.Value?
        let firstRequest: EventLoopFuture<Bool>?
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard case .admitted(let ticket) = limiter.admit(channel) else {
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ConnectionRefuser())
                return Value(channel: channel, admitted: nil, firstRequest: nil)
            }
        }
        let connectionGuard = ConnectionGuard(timeout: headTimeout, ticket: ticket, eventLoop: channel.eventLoop)
        let firstRequest = connectionGuard.firstRequest.futureResult
        let guardHandler = NIOLoopBound(connectionGuard, eventLoop: channel.eventLoop)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(guardHandler.value, position: .first)
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            // Behind the parser, so its errors pass through; handlers added later (after the upgrade) go behind it.
            try channel.pipeline.syncOperations.addHandler(ParserErrorCatcher(guardHandler: guardHandler.value))
            return Value(channel: channel, admitted: value, firstRequest: firstRequest)
        }
    }

    func handle(value: Value, logger: Logger) async {
        // A connection closed before its first request (silent, evicted, malformed) has nothing to handle; the
        // inner channel would log its aborted upgrade as an error, once per connection of a flood.
        guard let admitted = value.admitted, (try? await value.firstRequest?.get()) == true else { return }
        await inner.handle(value: admitted, logger: logger)
    }
}
