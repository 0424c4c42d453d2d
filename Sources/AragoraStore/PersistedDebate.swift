import AragoraCore
import Foundation

/// Runs a debate while persisting it: a checkpoint (record, resume point, new events) after every
/// phase, then the final record and the ELO update. Shared by the service's runner and `aragora ask`.
public struct PersistedDebate: Sendable {
    public let store: any DebateStore
    public let onError: @Sendable (String, any Error) -> Void

    public init(store: any DebateStore, onError: @escaping @Sendable (String, any Error) -> Void = { _, _ in }) {
        self.store = store
        self.onError = onError
    }

    /// Runs (or resumes) to a terminal status. `publish` sees every event as it happens.
    /// Returns the final record and the events not yet saved (pass both to `finish`).
    public func run(_ engine: DebateEngine, from start: DebateCheckpoint, publish: DebateEventSink? = nil) async
        -> (record: DebateRecord, unsaved: [DebateEvent])
    {
        var engine = engine
        let names = start.record.agents.map(\.name)
        if engine.config.ratings.isEmpty, let ratings = try? await store.ratings(for: names) {
            engine.config.ratings = ratings.mapValues(\.rating)
        }
        let pending = PendingEvents()
        let store = self.store
        let onError = self.onError
        let id = start.record.id
        let final = await engine.resume(start, sink: { event in
            pending.append(event)
            publish?(event)
        }, checkpoint: { checkpoint in
            // Saved from a fresh task: a debate being cancelled (shutdown) still completes the write it started.
            let events = pending.drain()
            let save = Task { try await store.save(checkpoint.record, checkpoint: checkpoint, events: events) }
            do { try await save.value } catch {
                onError(id, error)
            }
        })
        return (final, pending.drain())
    }

    /// Saves the final record and, for a completed debate, applies its ELO result.
    @discardableResult
    public func finish(_ record: DebateRecord, unsaved: [DebateEvent]) async throws -> [EloRating.Change] {
        try await store.save(record, checkpoint: nil, events: unsaved)
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
final class PendingEvents: @unchecked Sendable {
    // Safe: guarded by `lock`.
    private let lock = NSLock()
    private var events: [DebateEvent] = []
    func append(_ e: DebateEvent) { lock.withLock { events.append(e) } }
    func drain() -> [DebateEvent] { lock.withLock { defer { events = [] }; return events } }
}

extension SQLiteDebateStore {
    /// `DATABASE_URL=sqlite:PATH` when given, else `$ARAGORA_DATA_DIR/aragora.sqlite` (default `~/.aragora`).
    public static func defaultPath(environment env: [String: String]) -> String {
        if let url = env["DATABASE_URL"], url.hasPrefix("sqlite:") {
            return url.replacingOccurrences(of: "sqlite://", with: "").replacingOccurrences(of: "sqlite:", with: "")
        }
        return DataDirectory.url(environment: env).appendingPathComponent("aragora.sqlite").path
    }
}
