import AragoraCore
import Foundation
import Synchronization

/// The in-process `EventBus`: keeps each running debate's events in memory for late subscribers and fans
/// them out to live ones. A finished debate's events live in the store only.
public final class LocalEventBus: EventBus {
    private struct State {
        var logs: [String: [DebateEvent]] = [:]
        var subscribers: [String: [UUID: AsyncStream<DebateEvent>.Continuation]] = [:]
    }

    private let state = Mutex(State())
    /// Events a slow subscriber may fall behind by before the oldest are dropped (it can replay from the store).
    let subscriberBuffer: Int

    public init(subscriberBuffer: Int = 10_000) {
        self.subscriberBuffer = subscriberBuffer
    }

    public func open(_ id: String, prior: [DebateEvent]) {
        state.withLock { $0.logs[id] = prior }
    }

    public func publish(_ event: DebateEvent) {
        let targets: [AsyncStream<DebateEvent>.Continuation] = state.withLock { s in
            guard s.logs[event.loopID] != nil else { return [] }
            s.logs[event.loopID]!.append(event)
            return s.subscribers[event.loopID].map { Array($0.values) } ?? []
        }
        for t in targets { t.yield(event) }
    }

    public func close(_ id: String) {
        let subs: [AsyncStream<DebateEvent>.Continuation] = state.withLock { s in
            s.logs[id] = nil
            return s.subscribers.removeValue(forKey: id).map { Array($0.values) } ?? []
        }
        for s in subs { s.finish() }
    }

    public func subscribe(_ id: String) async -> EventSubscription {
        let (stream, continuation) = AsyncStream<DebateEvent>.makeStream(bufferingPolicy: .bufferingNewest(subscriberBuffer))
        let token = UUID()
        let history: [DebateEvent]? = state.withLock { s in
            guard let log = s.logs[id] else { return nil }
            s.subscribers[id, default: [:]][token] = continuation
            return log
        }
        if history == nil { continuation.finish() }
        let cancel: @Sendable () -> Void = { [weak self] in self?.unsubscribe(id, token) }
        continuation.onTermination = { _ in cancel() }
        return EventSubscription(history: history, events: stream, cancel: cancel)
    }

    public func history(_ id: String) async -> [DebateEvent]? {
        state.withLock { $0.logs[id] }
    }

    private func unsubscribe(_ id: String, _ token: UUID) {
        let c: AsyncStream<DebateEvent>.Continuation? = state.withLock { s in
            let c = s.subscribers[id]?.removeValue(forKey: token)
            if s.subscribers[id]?.isEmpty == true { s.subscribers[id] = nil }
            return c
        }
        c?.finish()
    }
}
