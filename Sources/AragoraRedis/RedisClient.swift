import Crypto
import Foundation
import NIOCore
import Synchronization

/// A Lua script run by `EVALSHA`, falling back to `EVAL` when the server does not know it yet (after a restart
/// or a `SCRIPT FLUSH`); the server then caches it.
public struct RedisScript: Sendable {
    public let source: String
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        sha1 = Insecure.SHA1.hash(data: Data(source.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Commands over one shared, pipelined connection, made again on demand after it fails: while Redis is down a
/// command fails at once (no waiting behind a dead connection), and reconnection attempts back off from 100 ms
/// to 5 s so a down server is not hammered.
public final class RedisClient: Sendable {
    public let url: RedisURL
    private let timeout: Duration
    private struct State {
        var connection: RedisConnection?
        var connecting: Task<RedisConnection, any Error>?
        var nextAttempt: ContinuousClock.Instant?
        var backoff: Duration = .milliseconds(100)
        var lastError: RedisError?
    }
    private let state = Mutex(State())

    public init(url: RedisURL, timeout: Duration = .seconds(2)) {
        self.url = url
        self.timeout = timeout
    }

    /// The connection, made if needed; throws the last failure while backing off.
    private func connection() async throws -> RedisConnection {
        enum Next { case ready(RedisConnection), wait(Task<RedisConnection, any Error>), backingOff(RedisError) }
        let next: Next = state.withLock { s in
            if let c = s.connection, c.isOpen { return .ready(c) }
            s.connection = nil
            if let task = s.connecting { return .wait(task) }
            if let at = s.nextAttempt, ContinuousClock.now < at {
                return .backingOff(s.lastError ?? RedisError("reconnecting"))
            }
            let (url, timeout) = (url, timeout)
            let task = Task { try await RedisConnection.connect(url, timeout: timeout) }
            s.connecting = task
            return .wait(task)
        }
        switch next {
        case .ready(let c): return c
        case .backingOff(let error): throw error
        case .wait(let task):
            do {
                let c = try await task.value
                state.withLock { s in
                    s.connection = c
                    s.connecting = nil
                    s.nextAttempt = nil
                    s.backoff = .milliseconds(100)
                    s.lastError = nil
                }
                return c
            } catch {
                let failure = error as? RedisError ?? RedisError("\(error)")
                state.withLock { s in
                    s.connecting = nil
                    s.lastError = failure
                    s.nextAttempt = ContinuousClock.now + s.backoff
                    s.backoff = min(.seconds(5), s.backoff * 2)
                }
                throw failure
            }
        }
    }

    /// Sends one command; a reply that is an error is returned as `.error` (see `RESPValue.check`).
    public func send(_ arguments: [String]) async throws -> RESPValue {
        let c = try await connection()
        return try await c.send(arguments)
    }

    /// Sends commands back to back on one connection and returns their replies in order.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        try await connection().send(batch: commands)
    }

    /// Runs a script by its digest, sending its source only when the server does not have it.
    public func eval(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        let reply = try await send(["EVALSHA", script.sha1] + tail)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            return try await send(["EVAL", script.source] + tail)
        }
        return reply
    }

    /// Whether a connection is up now (no round trip: for metrics).
    public var isConnected: Bool { state.withLock { $0.connection?.isOpen ?? false } }

    /// A round trip, timed.
    public func ping() async throws -> Duration {
        let start = ContinuousClock.now
        let reply = try await send(["PING"]).check()
        guard reply.string == "PONG" else { throw RedisError("unexpected PING reply \(reply)") }
        return ContinuousClock.now - start
    }

    public func close() {
        state.withLock { s in
            s.connection?.close()
            s.connection = nil
            s.connecting?.cancel()
        }
    }
}
