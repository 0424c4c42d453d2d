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
        /// Events not saved yet (emitted since the last checkpoint written): pass them to `finish`.
        public var unsaved: [DebateEvent]
        /// The lease was lost mid-debate (another owner, or deleted): the caller must not write again.
        public var leaseLost: Bool
        /// The newest checkpoint, when it was still waiting for the store as the run ended, with its events (also in
        /// `unsaved`): a final save supersedes it; a debate interrupted to be resumed elsewhere writes it first.
        public var unwritten: (checkpoint: DebateCheckpoint, events: [DebateEvent])?
    }

    /// Runs (or resumes) to a terminal status. `publish` sees every event as it happens.
    /// `persisted` hears the last seq of each checkpoint's events once they are committed.
    /// `leaseLost` is told at once when a save finds the lease gone (the runner stops the debate then; its
    /// `debate_end` must not reach anyone); the run cancels itself at its next checkpoint in any case.
    /// A debate that has not started is saved as running first (resuming it still starts it over). Checkpoints are
    /// written while the debate goes on (`CheckpointWriter`).
    /// `behind`: whether the next phase may start while its checkpoint is written (else it waits for the write).
    public func run(_ engine: DebateEngine, from start: DebateCheckpoint, publish: DebateEventSink? = nil,
                    persisted: (@Sendable (Int) -> Void)? = nil, leaseLost: (@Sendable () -> Void)? = nil,
                    behind: @escaping @Sendable () -> Bool = { true }) async -> Outcome {
        var engine = engine
        let names = start.record.agents.map(\.name)
        if engine.config.ratings.isEmpty, let ratings = try? await store.ratings(for: names) {
            engine.config.ratings = ratings.mapValues(\.rating)
        }
        let pending = PendingEvents()
        let (store, lease, onError) = (self.store, self.lease, self.onError)
        let writer = CheckpointWriter(save: { item in
            do {
                try await store.save(item.record, progress: item.progress, events: item.events, lease: lease)
                return .saved
            } catch StoreError.leaseLost {
                return .leaseLost
            } catch {
                // The events go with the next write (they are upserted by seq, so one that landed after all is
                // harmless): an outage loses no event.
                onError(lease.debateID, error)
                return .failed
            }
        }, saved: { item in
            if let last = item.events.last?.seq { persisted?(last) }
        }, lost: {
            // Someone else owns the debate now (or it was deleted): stop running it here.
            leaseLost?()
        })
        if start.record.status == .created {
            // Visible to clients at once as running; the engine makes the same change in its record.
            var visible = start.record
            visible.status = .running
            visible.startedAt = Timestamp.now()
            writer.offer(.init(record: visible, progress: nil, events: []))
        }
        let final = await engine.resume(start, sink: { event in
            pending.append(event)
            publish?(event)
        }, checkpoint: { checkpoint in
            writer.offer(.init(record: checkpoint.record, progress: checkpoint.progress, events: pending.drain()))
            if !behind() { await writer.settled() }
            if writer.leaseLost { withUnsafeCurrentTask { $0?.cancel() } }
        })
        let left = await writer.finish()
        let unwritten = left.waiting.flatMap { item in
            item.progress.map { (checkpoint: DebateCheckpoint(record: item.record, progress: $0), events: item.events) }
        }
        return Outcome(record: final, unsaved: left.unsaved + pending.drain(), leaseLost: writer.leaseLost, unwritten: unwritten)
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
}

