import AragoraCore
import Foundation
import AragoraStore
import Synchronization

/// The in-process `EventBus`: keeps each running debate's events for late subscribers and fans them out to live
/// ones. With a store, it keeps only the events not yet committed to it (`persisted`) and reads the older ones back
/// from the store for a late subscriber: a debate in flight holds a phase's events in memory, not its whole log.
/// A finished debate's events live in the store only.
public final class LocalEventBus: EventBus {
    private struct Log {
        /// Events up to this seq are in the store (and dropped here, when there is a store).
        var storedThrough = 0
        var tail: [DebateEvent] = []
    }

    private struct State {
        var logs: [String: Log] = [:]
        var subscribers: [String: [UUID: AsyncStream<DebateEvent>.Continuation]] = [:]
    }

    private let state = Mutex(State())
    private let store: (any DebateStore)?
    /// Events a slow subscriber may fall behind by before the oldest are dropped (it can replay from the store).
    let subscriberBuffer: Int

    /// `store`: where committed events are read back from; without one, every event stays in memory until `close`.
    public init(store: (any DebateStore)? = nil, subscriberBuffer: Int = 10_000) {
        self.store = store
        self.subscriberBuffer = subscriberBuffer
    }

    public func open(_ id: String, prior: [DebateEvent]) {
        state.withLock { s in
            // A resumed debate: what it emitted before is in the store already.
            s.logs[id] = store == nil ? Log(tail: prior) : Log(storedThrough: prior.last?.seq ?? 0)
        }
    }

    public func publish(_ event: DebateEvent, fence: Int) {
        let targets: [AsyncStream<DebateEvent>.Continuation] = state.withLock { s in
            guard s.logs[event.loopID] != nil else { return [] }
            s.logs[event.loopID]!.tail.append(event)
            return s.subscribers[event.loopID].map { Array($0.values) } ?? []
        }
        for t in targets { t.yield(event) }
    }

    public func persisted(_ id: String, through seq: Int) {
        guard store != nil else { return }
        state.withLock { s in
            guard let stored = s.logs[id]?.storedThrough, seq > stored else { return }
            // In place: a copy taken out of the dictionary would copy its tail to change it.
            s.logs[id]!.storedThrough = seq
            s.logs[id]!.tail.removeAll { $0.seq <= seq }
        }
    }

    public func close(_ id: String) {
        let subs: [AsyncStream<DebateEvent>.Continuation] = state.withLock { s in
            s.logs[id] = nil
            return s.subscribers.removeValue(forKey: id).map { Array($0.values) } ?? []
        }
        for s in subs { s.finish() }
    }

    /// The whole log: the committed part from the store (read after the snapshot, so nothing it names is missing
    /// there), then the tail kept here.
    private func assemble(_ id: String, _ log: Log) async -> [DebateEvent] {
        guard log.storedThrough > 0, let store else { return log.tail }
        let stored = (try? await store.events(id: id, since: 0, limit: 1_000_000)) ?? []
        return stored.filter { $0.seq <= log.storedThrough } + log.tail
    }

    public func subscribe(_ id: String) async -> EventSubscription {
        let (stream, continuation) = AsyncStream<DebateEvent>.makeStream(bufferingPolicy: .bufferingNewest(subscriberBuffer))
        let token = UUID()
        let log: Log? = state.withLock { s in
            guard let log = s.logs[id] else { return nil }
            s.subscribers[id, default: [:]][token] = continuation
            return log
        }
        if log == nil { continuation.finish() }
        let history = await log.asyncMap { await assemble(id, $0) }
        let cancel: @Sendable () -> Void = { [weak self] in self?.unsubscribe(id, token) }
        continuation.onTermination = { _ in cancel() }
        return EventSubscription(history: history, events: stream, cancel: cancel)
    }

    public func history(_ id: String) async -> [DebateEvent]? {
        guard let log = state.withLock({ $0.logs[id] }) else { return nil }
        return await assemble(id, log)
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

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
        guard let value = self else { return nil }
        return await transform(value)
    }
}
