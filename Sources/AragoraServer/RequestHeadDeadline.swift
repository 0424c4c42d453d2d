import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Guards a connection at the socket end of its pipeline, on raw bytes:
/// - closes it when its first request head has not fully arrived within the idle timeout. Hummingbird's idle
///   timeout (`HTTPConnectionStateHandler`) starts only after the WebSocket-upgrade negotiation has read a first
///   request head, so a client that sends nothing, or half a head, would hold its connection for ever;
/// - answers a request the HTTP parser rejects with a 400 (431 for oversized heads) and closes: the upgrade
///   pipeline leaves parser errors unhandled, which left such connections open and silent
///   (`ParserErrorCatcher` reports them here, from behind the parser);
/// - marks a first request in HTTP/1.0 that did not ask for keep-alive with `Connection: close`, so the connection
///   closes after the response as HTTP/1.0 says (the HTTP types handed to Hummingbird carry no version).
final class RequestHeadDeadline: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// The last bytes seen, to find `\r\n\r\n` across reads; nil once the first head went by.
    private var tail: [UInt8]? = []
    private var context: ChannelHandlerContext?
    private var rejected = false
    /// The first request head's bytes so far (its first 16 KB), to read its version and Connection header.
    private var head: [UInt8] = []

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
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
        if Self.isHTTP10WithoutKeepAlive(head), let end = Self.endOfHead(in: bytes) {
            var marked = ByteBuffer()
            marked.writeBytes(bytes[..<end])
            marked.writeString("\r\nConnection: close")
            marked.writeBytes(bytes[end...])
            context.fireChannelRead(wrapInboundOut(marked))
            return
        }
        context.fireChannelRead(data)
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
        timer?.cancel()
        let body = "{\"code\":\"\(code)\",\"error\":\"\(message)\"}"
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head + body))).whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// Sits behind the HTTP parser and hands its errors to the connection's `RequestHeadDeadline`.
final class ParserErrorCatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let guardHandler: RequestHeadDeadline

    init(guardHandler: RequestHeadDeadline) {
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

/// The service's child channel: HTTP/1 with WebSocket upgrade, behind `RequestHeadDeadline`.
struct DeadlinedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let headTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        let guardHandler = RequestHeadDeadline(timeout: headTimeout)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(guardHandler, position: .first)
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            // Behind the parser, so its errors pass through; handlers added later (after the upgrade) go behind it.
            try channel.pipeline.syncOperations.addHandler(ParserErrorCatcher(guardHandler: guardHandler))
            return value
        }
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
