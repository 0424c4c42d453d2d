import AragoraCore
import SQLiteNIO
import Synchronization

/// Writes waiting for the SQLite writer, done together: one writer job takes every item queued by the time it runs
/// and writes them with a few multi-row statements (each statement is a hop to the thread pool, and those hops are
/// what the single writer's throughput is made of). `write` returns each item's own failure (nil when it landed);
/// an error it throws is the database's and fails the whole batch.
final class SQLiteBatch<Item: Sendable>: Sendable {
    typealias Write = @Sendable ([Item], SQLiteConnection) async throws -> [(any Error)?]

    private struct Waiting: Sendable {
        var item: Item
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let writer: SQLiteWriter
    private let write: Write
    private let queue = Mutex((waiting: [Waiting](), scheduled: false))

    init(writer: SQLiteWriter, write: @escaping Write) {
        self.writer = writer
        self.write = write
    }

    /// Returns once the item is committed, or throws its own failure or the database's.
    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let schedule = queue.withLock { q in
                q.waiting.append(Waiting(item: item, continuation: c))
                if q.scheduled { return false }
                q.scheduled = true
                return true
            }
            if schedule { flush() }
        }
    }

    /// Queues one writer job that takes every item waiting when it runs.
    private func flush() {
        let taken = Mutex<[Waiting]>([])
        let write = self.write
        writer.submit(.allOrNothing, { db in
            let batch = self.take()
            taken.withLock { $0 = batch }
            return try await write(batch.map(\.item), db)
        }, completion: { result in
            let batch = taken.withLock { $0 }
            switch result {
            case .success(let outcomes):
                for (w, failure) in zip(batch, outcomes) {
                    if let failure { w.continuation.resume(throwing: failure) } else { w.continuation.resume() }
                }
            case .failure(let error):
                for w in batch { w.continuation.resume(throwing: error) }
                // The job never ran (the store closed, or the transaction could not begin): nobody took the waiting
                // items and no other flush is scheduled, so they fail now instead of waiting for ever.
                if batch.isEmpty { for w in self.take() { w.continuation.resume(throwing: error) } }
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
}

/// Debate checkpoints written together: one fenced UPDATE for the batch, then its events in multi-row INSERTs.
enum SQLiteSaveBatch {
    /// A class: the saving task waits with it in its frame until its batch is written.
    final class Save: Sendable {
        let record: DebateRecord
        let json: String
        let progress: String?
        let events: [(seq: Int, type: String, body: String)]
        let lease: DebateLease

        init(record: DebateRecord, json: String, progress: String?, events: [(seq: Int, type: String, body: String)], lease: DebateLease) {
            (self.record, self.json, self.progress, self.events, self.lease) = (record, json, progress, events, lease)
        }
    }

    /// Each save's outcome: nil, or `leaseLost` when its lease no longer holds.
    static func write(_ saves: [Save], _ db: SQLiteConnection) async throws -> [(any Error)?] {
        let matched = try await update(saves, db)
        return saves.map { matched.contains($0.record.id) ? nil : StoreError.leaseLost($0.record.id) }
    }

    /// The fenced updates, then the events of the saves that matched. Returns the ids that matched.
    private static func update(_ saves: [Save], _ db: SQLiteConnection) async throws -> Set<String> {
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
            binds += [.text(r.id), .text(r.status.rawValue), .integer(r.consensusReached ? 1 : 0), r.confidence.map(SQLiteData.float) ?? .null, .text(s.json),
                      s.progress.map(SQLiteData.text) ?? .null, r.error.map(SQLiteData.text) ?? .null,
                      .text(s.lease.owner), .integer(s.lease.fence)]
        }
        // A finished debate's lease goes with it (trigger `debates_finished_lease`).
        let matched = try await db.query("""
            UPDATE debates SET status = v.column2, updated_at = ?1, consensus_reached = v.column3, consensus_confidence = v.column4,
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

/// New debates written together: their rows in one INSERT, then their leases in another.
enum SQLiteCreateBatch {
    struct Create: Sendable {
        var record: DebateRecord
        var json: String
        var owner: String
        var expires: Double
        var claimedAt: Double
    }

    /// Each create's outcome: nil, or `duplicate` when its id exists (already, or earlier in the same batch).
    static func write(_ creates: [Create], _ db: SQLiteConnection) async throws -> [(any Error)?] {
        var refused = [Bool](repeating: false, count: creates.count)
        let distinct = Set(creates.map(\.record.id)).count == creates.count
        if creates.count > 1, distinct, (try? await insert(creates, db)) != nil {
            // All in; a failure (a duplicate among them) changed nothing, and they go one by one below.
        } else {
            for (i, c) in creates.enumerated() {
                do { try await insert([c], db) } catch let error as SQLiteError where isConstraint(error) { refused[i] = true }
            }
        }
        let inserted = zip(creates, refused).filter { !$0.1 }.map(\.0)
        if !inserted.isEmpty {
            var binds: [SQLiteData] = []
            for c in inserted { binds += [.text(c.record.id), .text(c.owner), .float(c.expires), .float(c.claimedAt)] }
            _ = try await db.query("INSERT OR REPLACE INTO debate_leases (debate_id, owner, fence, expires, claimed_at) VALUES "
                                   + Array(repeating: "(?, ?, 1, ?, ?)", count: inserted.count).joined(separator: ", "), binds)
        }
        return zip(creates, refused).map { $1 ? StoreError.duplicate($0.record.id) : nil }
    }

    static func isConstraint(_ error: SQLiteError) -> Bool {
        [.constraint, .constraintPrimaryKeyFailed, .constraintUniqueFailed].contains(error.reason)
    }

    private static func insert(_ creates: [Create], _ db: SQLiteConnection) async throws {
        var binds: [SQLiteData] = []
        for c in creates {
            let r = c.record
            binds += [.text(r.id), .text(r.task), .text(r.status.rawValue), .float(r.createdAt), .float(r.createdAt), .text(c.json)]
        }
        _ = try await db.query("""
            INSERT INTO debates (id, task, status, created_at, updated_at, consensus_reached, consensus_confidence, record, checkpoint) VALUES
            """ + " " + Array(repeating: "(?, ?, ?, ?, ?, 0, 0, ?, NULL)", count: creates.count).joined(separator: ", "), binds)
    }
}
