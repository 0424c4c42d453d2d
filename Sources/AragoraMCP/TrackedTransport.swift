import AragoraCore
import Foundation
import Logging
import MCP

/// A transport that knows which requests are still unanswered. The SDK's server stops reading at end of input with
/// requests still being handled, so a client that writes its requests and closes stdin (a script, a pipe) would get
/// no answers; `aragora mcp` waits for `idle` before it stops.
public actor TrackedTransport: Transport {
    public nonisolated let logger: Logger
    private let inner: any Transport
    private var open: Set<String> = []
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(_ inner: any Transport, logger: Logger) {
        self.inner = inner
        self.logger = logger
    }

    public func connect() async throws { try await inner.connect() }
    public func disconnect() async { await inner.disconnect() }

    public func send(_ data: Data) async throws {
        try await inner.send(data)
        if let o = JSONValue.parse(data)?.objectValue, o["method"] == nil, let id = o["id"] {
            answered(id.serialized())
        }
    }

    public func receive() -> AsyncThrowingStream<Data, any Error> {
        let upstream = Task { await inner.receive() }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await data in await upstream.value {
                        if let o = JSONValue.parse(data)?.objectValue, o["method"] != nil, let id = o["id"], id != .null {
                            await self.opened(id.serialized())
                        }
                        continuation.yield(data)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func opened(_ id: String) { open.insert(id) }

    private func answered(_ id: String) {
        open.remove(id)
        if open.isEmpty {
            for w in waiters { w.resume() }
            waiters = []
        }
    }

    /// Returns once every request received so far has been answered.
    public func idle() async {
        if open.isEmpty { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
