import AragoraCore
import Foundation
import Synchronization

/// Runs a debate while persisting it under its lease: a checkpoint (record, resume point, new events) after
/// every phase, then the final record and the ELO update.
public struct PersistedDebate: Sendable {
    public let store: any DebateStore
    public let lease: DebateLease
    public let onError: @Sendable (String, any Error) -> Void

    public init(store: any DebateStore, lease: DebateLease, onError: @escaping @Sendable (String, any Error) -> Void = { _, _ in }) {
        self.store = store
        self.lease = lease
        self.onError = onError
    }

    public struct Outcome: Sendable {
        public var record: DebateRecord
        /// Events emitted since the last checkpoint: pass them to `finish`.
        public var unsaved: [DebateEvent]
        /// The lease was lost mid-debate (another owner, or deleted): the caller must not write again.
        public var leaseLost: Bool
    }

    /// Runs (or resumes) to a terminal status. `publish` sees every event as it happens.
    /// `persisted` hears the last seq of each checkpoint's events once they are committed.
    /// `leaseLost` is told at once when a save finds the lease gone, before the run is cancelled (whose `debate_end`
    /// must not reach anyone).
    public func run(_ engine: DebateEngine, from start: DebateCheckpoint, publish: DebateEventSink? = nil,
                    persisted: (@Sendable (Int) -> Void)? = nil, leaseLost: (@Sendable () -> Void)? = nil) async -> Outcome {
        var engine = engine
        let names = start.record.agents.map(\.name)
        if engine.config.ratings.isEmpty, let ratings = try? await store.ratings(for: names) {
            engine.config.ratings = ratings.mapValues(\.rating)
        }
        let pending = PendingEvents()
        let lost = Mutex(false)
        let (store, lease, onError) = (self.store, self.lease, self.onError)
        let final = await engine.resume(start, sink: { event in
            pending.append(event)
            publish?(event)
        }, checkpoint: { checkpoint in
            // Saved from a fresh task: a debate being cancelled (shutdown) still completes the write it started.
            let events = pending.drain()
            let save = Task { try await store.save(checkpoint.record, progress: checkpoint.progress, events: events, lease: lease) }
            do {
                try await save.value
                if let last = events.last?.seq { persisted?(last) }
            } catch StoreError.leaseLost {
                // Someone else owns the debate now (or it was deleted): stop running it here.
                lost.withLock { $0 = true }
                leaseLost?()
                withUnsafeCurrentTask { $0?.cancel() }
            } catch {
                // Kept for the next save (events are upserted by seq, so a save that landed after all is harmless):
                // an outage loses no event.
                pending.restore(events)
                onError(lease.debateID, error)
            }
        })
        return Outcome(record: final, unsaved: pending.drain(), leaseLost: lost.withLock { $0 })
    }

    /// Saves the final record and, for a completed debate, applies its ELO result.
    @discardableResult
    public func finish(_ record: DebateRecord, unsaved: [DebateEvent]) async throws -> [EloRating.Change] {
        try await store.save(record, progress: nil, events: unsaved, lease: lease)
        guard record.status == .completed else { return [] }
        let winner = record.consensus?.reached == true ? record.consensus?.winner : nil
        let names = record.agents.map(\.name)
        let current = try await store.ratings(for: names).mapValues(\.rating)
        let changes = EloRating.update(ratings: current, participants: names, winner: winner)
        try await store.recordMatch(debateID: record.id, changes: changes)
        return changes
    }
}

/// Events emitted since the last checkpoint, waiting to be saved with the next one.
final class PendingEvents: Sendable {
    private let events = Mutex<[DebateEvent]>([])
    func append(_ e: DebateEvent) { events.withLock { $0.append(e) } }
    func drain() -> [DebateEvent] { events.withLock { e in defer { e = [] }; return e } }
    /// Puts events whose save failed back in front of those emitted since.
    func restore(_ unsaved: [DebateEvent]) { events.withLock { $0.insert(contentsOf: unsaved, at: 0) } }
}
