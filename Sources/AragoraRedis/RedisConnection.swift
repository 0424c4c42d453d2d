import DequeModule
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One connection to Redis. Commands are pipelined: each is written at once and its reply matched in order.
/// On a subscriber connection, pushed messages go to `onMessage` instead.
public final class RedisConnection: Sendable {
    let channel: any Channel
    private let timeout: Duration

    private init(channel: any Channel, timeout: Duration) {
        self.channel = channel
        self.timeout = timeout
    }

    public var isOpen: Bool { channel.isActive }

    /// Connects (TLS when the URL says so), authenticates and selects the database.
    public static func connect(_ url: RedisURL, timeout: Duration = .seconds(5), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                               onMessage: (@Sendable (_ channel: String, _ payload: [UInt8]) -> Void)? = nil,
                               onClose: (@Sendable () -> Void)? = nil) async throws -> RedisConnection {
        let tlsContext: NIOSSLContext?
        if url.tls {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            if let file = url.caFile {
                do { tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(file))] } catch {
                    throw RedisError("cannot read ARAGORA_REDIS_CA_FILE \(file): \(error)")
                }
            }
            do { tlsContext = try NIOSSLContext(configuration: tls) } catch { throw RedisError("TLS setup failed: \(error)") }
        } else {
            tlsContext = nil
        }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        let sni = url.host.contains(":") || url.host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : url.host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: sni))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try channel.pipeline.syncOperations.addHandler(RESPCommandHandler(onMessage: onMessage))
                }
            }
        let channel: any Channel
        do { channel = try await bootstrap.connect(host: url.host, port: url.port).get() } catch {
            throw RedisError("cannot connect to \(url): \(error)")
        }
        if let onClose { channel.closeFuture.whenComplete { _ in onClose() } }
        let connection = RedisConnection(channel: channel, timeout: timeout)
        do {
            if let password = url.password {
                try await connection.send(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]).check()
            }
            if url.database != 0 { try await connection.send(["SELECT", String(url.database)]).check() }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Sends a command and waits for its reply (an error reply is returned, not thrown).
    public func send(_ arguments: [String]) async throws -> RESPValue {
        try await send(batch: [arguments])[0]
    }

    /// Writes commands back to back, in order, and waits for their replies. Replies that do not all come within
    /// the timeout close the connection: later replies could no longer be matched to their commands.
    public func send(batch: [[String]]) async throws -> [RESPValue] {
        let channel = channel
        let promises = batch.map { _ in channel.eventLoop.makePromise(of: RESPValue.self) }
        let timeout = timeout
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                 + timeout.components.attoseconds / 1_000_000_000)) {
            for p in promises { p.fail(RedisError("no reply within \(timeout)")) }
            channel.close(promise: nil)
        }
        promises.last?.futureResult.whenComplete { _ in timer.cancel() }
        // Writes from one thread reach the channel in the order they were made.
        for (arguments, promise) in zip(batch, promises) {
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { promise.fail(RedisError("connection closed: \($0)")) }
            channel.write(RESPCommand(arguments: arguments, promise: promise), promise: written)
        }
        channel.flush()
        var replies: [RESPValue] = []
        replies.reserveCapacity(batch.count)
        for promise in promises { replies.append(try await promise.futureResult.get()) }
        return replies
    }

    public func close() {
        channel.close(promise: nil)
    }
}

extension RESPValue {
    /// Throws the error reply; returns the value otherwise.
    @discardableResult
    public func check() throws(RedisError) -> RESPValue {
        if case .error(let message) = self { throw RedisError(message) }
        return self
    }
}

struct RESPCommand {
    var arguments: [String]
    var promise: EventLoopPromise<RESPValue>
}

struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try RESPCodec.decode(&buffer) else { return .needMoreData }
        context.fireChannelRead(NIOAny(value))
        return .continue
    }
}

/// Matches replies to commands in order; hands pub/sub pushes to `onMessage`; fails what is pending when the
/// connection ends.
final class RESPCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RESPCommand
    typealias OutboundOut = ByteBuffer

    private var pending = Deque<EventLoopPromise<RESPValue>>()
    private let onMessage: (@Sendable (String, [UInt8]) -> Void)?

    init(onMessage: (@Sendable (String, [UInt8]) -> Void)?) {
        self.onMessage = onMessage
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: 64)
        RESPCodec.encode(command.arguments, into: &buffer)
        pending.append(command.promise)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if let onMessage, let items = value.array, items.count == 3, items[0].string == "message",
           let channel = items[1].string, case .bulkString(let payload?) = items[2] {
            onMessage(channel, payload)
            return
        }
        guard let promise = pending.popFirst() else { return }  // a push nobody asked for
        promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError("connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error as? RedisError ?? RedisError("connection failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}
