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

    /// A class: the runner's frames pass it on while they wait for the final save.
    public final class Outcome: Sendable {
        public let record: DebateRecord
        /// Events not saved yet (emitted since the last checkpoint written): pass them to `finish`.
        public let unsaved: [DebateEvent]
        /// The lease was lost mid-debate (another owner, or deleted): the caller must not write again.
        public let leaseLost: Bool
        /// The newest checkpoint, when it was still waiting for the store as the run ended, with its events (also in
        /// `unsaved`): a final save supersedes it; a debate interrupted to be resumed elsewhere writes it first.
        public let unwritten: (checkpoint: DebateCheckpoint, events: [DebateEvent])?

        init(record: DebateRecord, unsaved: [DebateEvent], leaseLost: Bool, unwritten: (checkpoint: DebateCheckpoint, events: [DebateEvent])?) {
            (self.record, self.unsaved, self.leaseLost, self.unwritten) = (record, unsaved, leaseLost, unwritten)
        }
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
        // Every debate in flight holds this frame and the session's until it ends: they only await; what is
        // built before and after lives in the session (a record-sized temporary would take its size in the frame).
        let ratings = engine.config.ratings.isEmpty ? try? await store.ratings(for: start.record.agents.map(\.name)) : nil
        let session = Session(self, engine, ratings: ratings, start: start, publish: publish, persisted: persisted,
                              leaseLost: leaseLost, behind: behind)
        let ended = await session.engine.resume(start, sink: session.sink, checkpoint: session.checkpoint, end: session.ended)
        return session.outcome(ended, left: await session.writer.finish())
    }

    final class Session: Sendable {
        let engine: DebateEngine
        let writer: CheckpointWriter
        let pending = PendingEvents()
        let publish: DebateEventSink?
        let behind: @Sendable () -> Bool

        @inline(never) init(_ debate: PersistedDebate, _ engine: DebateEngine, ratings: [String: AgentRating]?, start: DebateCheckpoint,
                            publish: DebateEventSink?, persisted: (@Sendable (Int) -> Void)?, leaseLost: (@Sendable () -> Void)?,
                            behind: @escaping @Sendable () -> Bool) {
            var engine = engine
            if let ratings { engine.config.ratings = ratings.mapValues(\.rating) }
            self.engine = engine
            self.publish = publish
            self.behind = behind
            let (store, lease, onError) = (debate.store, debate.lease, debate.onError)
            writer = CheckpointWriter(save: { item in
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
        }

        var sink: DebateEventSink {
            { [pending, publish] event in
                pending.append(event)
                publish?(event)
            }
        }

        var checkpoint: @Sendable (DebateCheckpoint) async -> Void {
            { [self] checkpoint in
                offer(checkpoint)
                if !behind() { await writer.settled() }
                if writer.leaseLost { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }

        @inline(never) func offer(_ checkpoint: DebateCheckpoint) {
            writer.offer(.init(record: checkpoint.record, progress: checkpoint.progress, events: pending.drain()))
        }

        /// The engine's final record, held here while the writer finishes.
        final class Ended: Sendable {
            let record: DebateRecord
            init(_ record: DebateRecord) { self.record = record }
        }

        var ended: @Sendable (DebateRecord) -> Ended { { Ended($0) } }

        @inline(never) func outcome(_ ended: Ended, left: (waiting: CheckpointWriter.Item?, unsaved: [DebateEvent])) -> Outcome {
            let unwritten = left.waiting.flatMap { item in
                item.progress.map { (checkpoint: DebateCheckpoint(record: item.record, progress: $0), events: item.events) }
            }
            return Outcome(record: ended.record, unsaved: left.unsaved + pending.drain(), leaseLost: writer.leaseLost, unwritten: unwritten)
        }
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

