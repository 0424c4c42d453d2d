import AragoraCore
import Foundation

/// Fans out live events of running debates to subscribers (WebSocket, SSE) and keeps each running
/// debate's events in memory so late subscribers can replay them. A finished debate's events live in
/// the store only.
public final class EventHub: @unchecked Sendable {
    // Safe: all state is guarded by `lock`.
    private let lock = NSLock()
    private var logs: [String: [DebateEvent]] = [:]
    private var subscribers: [String: [UUID: AsyncStream<DebateEvent>.Continuation]] = [:]

    public init() {}

    /// Starts keeping a debate's events (`prior`: events already stored, for a resumed debate).
    func open(_ id: String, prior: [DebateEvent] = []) {
        lock.withLock { logs[id] = prior }
    }

    func publish(_ event: DebateEvent) {
        let targets: [AsyncStream<DebateEvent>.Continuation] = lock.withLock {
            logs[event.loopID, default: []].append(event)
            return subscribers[event.loopID].map { Array($0.values) } ?? []
        }
        for t in targets { t.yield(event) }
    }

    /// Forgets a finished debate's in-memory events; its subscribers' streams end.
    func close(_ id: String) {
        let subs: [AsyncStream<DebateEvent>.Continuation] = lock.withLock {
            logs[id] = nil
            return subscribers.removeValue(forKey: id).map { Array($0.values) } ?? []
        }
        for s in subs { s.finish() }
    }


    /// Subscribes to a debate. Returns the events kept in memory so far (nil when the debate is not
    /// running here) and a stream of the events that follow; both taken at the same instant.
    func subscribe(_ id: String) -> (history: [DebateEvent]?, stream: AsyncStream<DebateEvent>, token: UUID) {
        let (stream, continuation) = AsyncStream<DebateEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let token = UUID()
        let history: [DebateEvent]? = lock.withLock {
            guard let log = logs[id] else { return nil }
            subscribers[id, default: [:]][token] = continuation
            return log
        }
        if history == nil { continuation.finish() }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id, token) }
        return (history, stream, token)
    }

    func unsubscribe(_ id: String, _ token: UUID) {
        let c = lock.withLock { subscribers[id]?.removeValue(forKey: token) }
        c?.finish()
    }
}
