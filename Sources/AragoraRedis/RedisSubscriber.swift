import Synchronization

/// A pub/sub connection: messages of the subscribed channels, in the order Redis sent them, to `onMessage`.
/// When the connection fails it is made again (backing off up to 5 s) and every channel subscribed anew;
/// `onReconnect` then tells the owner that messages may have been missed meanwhile.
public final class RedisSubscriber: Sendable {
    public let url: RedisURL
    private let onMessage: @Sendable (String, [UInt8]) -> Void
    private let onReconnect: @Sendable () -> Void
    private struct State {
        var connection: RedisConnection?
        var channels: Set<String> = []
        var stopped = false
    }
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init(url: RedisURL, onMessage: @escaping @Sendable (String, [UInt8]) -> Void, onReconnect: @escaping @Sendable () -> Void = {}) {
        self.url = url
        self.onMessage = onMessage
        self.onReconnect = onReconnect
    }

    /// Keeps a connection up until `stop`.
    public func start() {
        let t = Task { [weak self] in
            var backoff: Duration = .milliseconds(100)
            var first = true
            while let self, !self.state.withLock({ $0.stopped }) {
                let closed = AsyncStream<Void>.makeStream()
                do {
                    let c = try await RedisConnection.connect(self.url, onMessage: self.onMessage, onClose: { closed.continuation.finish() })
                    let channels = self.state.withLock { s in
                        s.connection = c
                        return s.channels
                    }
                    // One channel per command: Redis confirms each channel with its own reply.
                    for channel in channels.sorted() { try await c.send(["SUBSCRIBE", channel]).check() }
                    if !first { self.onReconnect() }
                    first = false
                    backoff = .milliseconds(100)
                    for await _ in closed.stream {}
                    self.state.withLock { $0.connection = nil }
                } catch {
                    try? await Task.sleep(for: backoff)
                    backoff = min(.seconds(5), backoff * 2)
                }
            }
        }
        task.withLock { $0 = t }
    }

    public func subscribe(_ channel: String) async throws {
        let c = state.withLock { s -> RedisConnection? in
            s.channels.insert(channel)
            return s.connection
        }
        // Without a connection now, the channel is subscribed when it comes back.
        if let c { _ = try await c.send(["SUBSCRIBE", channel]).check() }
    }

    public func unsubscribe(_ channel: String) async throws {
        let c = state.withLock { s -> RedisConnection? in
            s.channels.remove(channel)
            return s.connection
        }
        if let c { _ = try await c.send(["UNSUBSCRIBE", channel]).check() }
    }

    public func stop() {
        let c = state.withLock { s -> RedisConnection? in
            s.stopped = true
            return s.connection
        }
        c?.close()
        task.withLock { $0?.cancel() }
    }
}
