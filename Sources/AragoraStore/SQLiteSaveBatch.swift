import AragoraCore
import SQLiteNIO
import Synchronization

/// Debate saves waiting for the SQLite writer, written together: one writer job takes every save queued by the
/// time it runs, applies their fenced updates, then inserts all their events in a few multi-row statements.
/// Under load a batch of saves costs two statements instead of one per save plus one (each statement is a hop to
/// the thread pool, and those hops are what the single writer's throughput is made of).
final class SQLiteSaveBatch: Sendable {
    struct Save: Sendable {
        var record: DebateRecord
        var json: String
        var progress: String?
        var events: [(seq: Int, type: String, body: String)]
        var lease: DebateLease
    }

    private struct Waiting: Sendable {
        var save: Save
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let writer: SQLiteWriter
    private let queue = Mutex((waiting: [Waiting](), scheduled: false))

    init(writer: SQLiteWriter) {
        self.writer = writer
    }

    /// Returns once the save is committed; throws `StoreError.leaseLost` when its lease no longer holds.
    func save(_ save: Save) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let schedule = queue.withLock { q in
                q.waiting.append(Waiting(save: save, continuation: c))
                if q.scheduled { return false }
                q.scheduled = true
                return true
            }
            if schedule { flush() }
        }
    }

    /// Queues one writer job that takes every save waiting when it runs.
    private func flush() {
        let taken = Mutex<[Waiting]>([])
        // Lost leases are outcomes, not failures; only the database failing aborts the batch.
        writer.submit(.allOrNothing, { db in
            let batch = self.take()
            taken.withLock { $0 = batch }
            return try await Self.write(batch.map(\.save), db)
        }, completion: { result in
            let batch = taken.withLock { $0 }
            switch result {
            case .success(let matched):
                for w in batch {
                    if matched.contains(w.save.record.id) { w.continuation.resume() } else {
                        w.continuation.resume(throwing: StoreError.leaseLost(w.save.record.id))
                    }
                }
            case .failure(let error):
                for w in batch { w.continuation.resume(throwing: error) }
                // Saves queued after a job that never ran (the store closed) must not wait for ever.
                if case StoreError.unavailable = error { for w in self.take() { w.continuation.resume(throwing: error) } }
            }
        })
    }

    private func take() -> [Waiting] {
        queue.withLock { q in
            q.scheduled = false
            defer { q.waiting = [] }
            return q.waiting
        }
    }

    /// The fenced updates, then the events of the saves that matched. Returns the ids that matched.
    private static func write(_ saves: [Save], _ db: SQLiteConnection) async throws -> Set<String> {
        let now = Timestamp.now()
        var matched: Set<String> = []
        // One statement for every save of the batch (a debate has one save in flight at most, so ids are distinct;
        // should one repeat, the saves go one by one, in order).
        if saves.count > 1, Set(saves.map(\.record.id)).count == saves.count {
            for start in stride(from: 0, to: saves.count, by: 256) {
                matched.formUnion(try await updateAll(saves[start..<min(saves.count, start + 256)], now: now, db))
            }
        } else {
            for s in saves { matched.formUnion(try await updateAll([s], now: now, db)) }
        }
        // Events only for debates still held: a deleted or taken-over debate gets nothing back.
        try await insertEvents(saves.filter { matched.contains($0.record.id) }, db)
        return matched
    }

    /// The fenced updates of several saves in one statement (UPDATE ... FROM VALUES): each row changes only when its
    /// debate's lease is still held with the save's fence. Returns the ids that matched.
    private static func updateAll(_ saves: ArraySlice<Save>, now: Double, _ db: SQLiteConnection) async throws -> Set<String> {
        let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: saves.count).joined(separator: ", ")
        var binds: [SQLiteData] = [.float(now)]
        binds.reserveCapacity(1 + saves.count * 9)
        for s in saves {
            let r = s.record
            binds += [.text(r.id), .text(r.status.rawValue), .integer(r.consensusReached ? 1 : 0), .float(r.confidence), .text(s.json),
                      s.progress.map(SQLiteData.text) ?? .null, r.error.map(SQLiteData.text) ?? .null,
                      .text(s.lease.owner), .integer(s.lease.fence)]
        }
        // A finished debate's lease goes with it (trigger `debates_finished_lease`).
        let matched = try await db.query("""
            UPDATE debates SET status = v.column2, updated_at = ?1, consensus_reached = v.column3, confidence = v.column4,
                   record = v.column5, checkpoint = v.column6, error = v.column7
            FROM (VALUES \(rows)) AS v
            WHERE debates.id = v.column1
              AND EXISTS (SELECT 1 FROM debate_leases WHERE debate_id = v.column1 AND owner = v.column8 AND fence = v.column9)
            RETURNING debates.id AS id
            """, binds)
        return Set(matched.compactMap { $0.column("id")?.string })
    }

    /// The events of the saves given, in multi-row statements.
    private static func insertEvents(_ saves: [Save], _ db: SQLiteConnection) async throws {
        let events = saves.flatMap { s in s.events.map { (s.record.id, $0) } }
        var start = 0
        while start < events.count {
            // 500 rows per statement (SQLite allows 32766 bound values).
            let chunk = events[start..<min(events.count, start + 500)]
            let marks = Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            var binds: [SQLiteData] = []
            binds.reserveCapacity(chunk.count * 4)
            for (id, e) in chunk { binds += [.text(id), .integer(e.seq), .text(e.type), .text(e.body)] }
            _ = try await db.query("INSERT OR REPLACE INTO debate_events (debate_id, seq, type, body) VALUES \(marks)", binds)
            start += chunk.count
        }
    }
}
