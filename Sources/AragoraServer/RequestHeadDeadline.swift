import HummingbirdCore
import Logging
import NIOCore

/// Closes a connection whose first request head has not fully arrived within the idle timeout.
///
/// Hummingbird's idle timeout (`HTTPConnectionStateHandler`) starts only after the WebSocket-upgrade negotiation
/// has read a first request head: a client that connects and sends nothing, or half a head, would hold its
/// connection open for ever. This handler sits first in the pipeline, on raw bytes, until the end of the first
/// head (`\r\n\r\n`) goes by; then it removes itself and the idle timeout takes over.
final class RequestHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// The last bytes seen, to find `\r\n\r\n` across reads.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        tail.append(contentsOf: buffer.readableBytesView)
        if tail.count > 3, tail.indices.dropLast(3).contains(where: { tail[$0] == 13 && tail[$0 + 1] == 10 && tail[$0 + 2] == 13 && tail[$0 + 3] == 10 }) {
            timer?.cancel()
            timer = nil
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        tail = Array(tail.suffix(3))
        context.fireChannelRead(data)
    }
}

/// The service's child channel: HTTP/1 with WebSocket upgrade, behind `RequestHeadDeadline`.
struct DeadlinedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let headTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestHeadDeadline(timeout: headTimeout), position: .first)
        }.flatMap { inner.setup(channel: channel, logger: logger) }
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
