import AragoraCore
import Foundation
import Logging
import NIOCore
import SQLiteNIO

/// The embedded store: one SQLite file in WAL mode. Writes go through one connection, serialised
/// (transactions must not interleave); reads use a second connection and run alongside writes.
public final class SQLiteDebateStore: DebateStore {
    public let backend = "sqlite"
    public let path: String
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let writeLock = AsyncLock()
    private let saves = SaveQueue()
    private let closed = Locked(false)

    public static func open(path: String, logger: Logger = Logger(label: "aragora.sqlite")) async throws -> SQLiteDebateStore {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000"] {
            _ = try await writer.all(pragma)
        }
        let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await reader.all("PRAGMA busy_timeout=5000")
        return SQLiteDebateStore(path: path, writer: writer, reader: reader)
    }

    private init(path: String, writer: SQLiteConnection, reader: SQLiteConnection) {
        self.path = path
        self.writer = writer
        self.reader = reader
    }

    /// Closes both connections once pending writes are committed; later calls fail with
    /// `StoreError.unavailable` instead of touching a closed handle.
    public func close() async throws {
        try await writeLock.withLock {
            guard !closed.value else { return }
            closed.value = true
            try await reader.close()
            try await writer.close()
        }
    }

    /// A read on the reader connection (WAL: runs alongside writes).
    private func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try checkOpen()
        return try await reader.all(sql, binds)
    }

    private func checkOpen() throws {
        if closed.value { throw StoreError.unavailable("the store is closed (shutting down)") }
    }

    /// Runs `body` inside one transaction on the writer connection.
    private func transaction<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await writeLock.withLock {
            try checkOpen()
            _ = try await writer.all("BEGIN IMMEDIATE")
            do {
                let result = try await body(writer)
                _ = try await writer.all("COMMIT")
                return result
            } catch {
                _ = try? await writer.all("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: - Schema

    public func migrate() async throws -> [Int] {
        try await transaction { db in
            _ = try await db.all("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
            let applied = Set(try await db.all("SELECT version FROM schema_migrations").compactMap { $0.column("version")?.integer })
            var done: [Int] = []
            for m in SQLiteMigrations.all where !applied.contains(m.version) {
                for statement in m.statements { _ = try await db.all(statement) }
                _ = try await db.all("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                                     [.integer(m.version), .text(m.name), .float(Timestamp.now())])
                done.append(m.version)
            }
            return done
        }
    }

    public func migrationState() async throws -> MigrationState {
        let exists = try await read("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_migrations'")
        let applied = exists.isEmpty ? [] : try await read("SELECT version FROM schema_migrations ORDER BY version")
            .compactMap { $0.column("version")?.integer }
        let all = SQLiteMigrations.all.map(\.version)
        return MigrationState(applied: applied, pending: all.filter { !applied.contains($0) }, latest: SQLiteMigrations.latest)
    }

    public func ping() async throws {
        _ = try await read("SELECT 1")
    }

    // MARK: - Debates

    /// One statement (its trigger records the first status), so accepting a debate costs the writer little.
    public func create(_ record: DebateRecord) async throws {
        let json = Self.encode(record)
        try await writeLock.withLock {
            try checkOpen()
            do {
                _ = try await writer.all("""
                    INSERT INTO debates (id, task, status, created_at, updated_at, consensus_reached, confidence, record, checkpoint)
                    VALUES (?, ?, ?, ?, ?, 0, 0, ?, NULL)
                    """, [.text(record.id), .text(record.task), .text(record.status.rawValue), .float(record.createdAt),
                          .float(record.createdAt), .text(json)])
            } catch let error as SQLiteError where error.reason == .constraint || error.reason == .constraintPrimaryKeyFailed || error.reason == .constraintUniqueFailed {
                throw StoreError.duplicate(record.id)
            }
        }
    }

    /// Queues the save and returns once it is committed. Saves that arrive while a transaction is being
    /// written are committed together in the next one (group commit); a debate's newer checkpoint replaces
    /// an older one still waiting, with their events merged.
    public func save(_ record: DebateRecord, checkpoint: DebateCheckpoint?, events: [DebateEvent]) async throws {
        let item = SaveQueue.Item(id: record.id, status: record.status.rawValue, consensusReached: record.consensusReached,
                                  confidence: record.confidence, error: record.error, record: Self.encode(record),
                                  checkpoint: checkpoint.map { $0.stateJSON.serialized() },
                                  events: events.map { ($0.seq, $0.type.rawValue, $0.serialized()) })
        try await saves.enqueue(item) { batch in try await self.write(batch) }
    }

    private func write(_ batch: [SaveQueue.Item]) async throws {
        let now = Timestamp.now()
        try await transaction { db in
            for item in batch {
                _ = try await db.all("""
                    UPDATE debates SET status = ?, updated_at = ?, consensus_reached = ?, confidence = ?, record = ?,
                        checkpoint = ?, error = ? WHERE id = ?
                    """, [.text(item.status), .float(now), .integer(item.consensusReached ? 1 : 0), .float(item.confidence),
                          .text(item.record), item.checkpoint.map(SQLiteData.text) ?? .null,
                          item.error.map(SQLiteData.text) ?? .null, .text(item.id)])
            }
            // Events of the whole batch, 500 rows per statement (SQLite allows 32766 bound values).
            let rows = batch.flatMap { item in item.events.map { (item.id, $0) } }
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + 500)]
                let marks = Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count * 4)
                for (id, e) in chunk { binds += [.text(id), .integer(e.seq), .text(e.type), .text(e.body)] }
                _ = try await db.all("INSERT OR REPLACE INTO debate_events (debate_id, seq, type, body) VALUES \(marks)", binds)
                start += chunk.count
            }
        }
    }

    public func recordJSON(id: String) async throws -> [UInt8]? {
        let rows = try await read("SELECT record FROM debates WHERE id = ?", [.text(id)])
        guard let text = rows.first?.column("record")?.string else { return nil }
        return Array(text.utf8)
    }

    public func record(id: String) async throws -> DebateRecord? {
        guard let bytes = try await recordJSON(id: id) else { return nil }
        do { return try DebateRecord.decode(Data(bytes)) } catch { throw StoreError.corrupt("debate \(id): \(error)") }
    }

    public func list(limit: Int, offset: Int, status: DebateStatus?) async throws -> (items: [DebateSummary], total: Int) {
        let filter = status == nil ? "" : " WHERE status = ?"
        let binds: [SQLiteData] = status.map { [.text($0.rawValue)] } ?? []
        let rows = try await read("""
            SELECT id, task, status, created_at, updated_at, consensus_reached, confidence FROM debates\(filter)
            ORDER BY created_at DESC, id LIMIT ? OFFSET ?
            """, binds + [.integer(limit), .integer(offset)])
        let total = try await read("SELECT COUNT(*) AS n FROM debates\(filter)", binds).first?.column("n")?.integer ?? 0
        let items = rows.compactMap { row -> DebateSummary? in
            guard let id = row.column("id")?.string, let task = row.column("task")?.string,
                  let status = row.column("status")?.string.flatMap(DebateStatus.init(rawValue:)) else { return nil }
            return DebateSummary(id: id, task: task, status: status, createdAt: row.column("created_at")?.double ?? 0,
                                 updatedAt: row.column("updated_at")?.double ?? 0,
                                 consensusReached: row.column("consensus_reached")?.integer == 1,
                                 confidence: row.column("confidence")?.double ?? 0)
        }
        return (items, total)
    }

    public func events(id: String, since: Int, limit: Int) async throws -> [DebateEvent] {
        let rows = try await read("SELECT body FROM debate_events WHERE debate_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                                        [.text(id), .integer(since), .integer(limit)])
        return rows.compactMap { $0.column("body")?.string.flatMap(JSONValue.parse).flatMap(DebateEvent.parse) }
    }

    public func delete(id: String) async throws -> Bool {
        try await transaction { db in
            let existed = !(try await db.all("SELECT 1 FROM debates WHERE id = ?", [.text(id)])).isEmpty
            for table in ["debates WHERE id = ?", "debate_events WHERE debate_id = ?", "debate_status_history WHERE debate_id = ?"] {
                _ = try await db.all("DELETE FROM \(table)", [.text(id)])
            }
            return existed
        }
    }

    public func unfinished() async throws -> [UnfinishedDebate] {
        let rows = try await read("SELECT id, record, checkpoint FROM debates WHERE status IN ('created', 'running') ORDER BY created_at")
        return try rows.map { row in
            let id = row.column("id")?.string ?? "?"
            guard let text = row.column("record")?.string else { throw StoreError.corrupt("debate \(id) has no record") }
            let record = try DebateRecord.decode(Data(text.utf8))
            let checkpoint = row.column("checkpoint")?.string.flatMap(JSONValue.parse).flatMap { DebateCheckpoint(record: record, state: $0) }
            return UnfinishedDebate(record: record, checkpoint: checkpoint)
        }
    }

    // MARK: - Ratings

    public func ratings(for agents: [String]) async throws -> [String: AgentRating] {
        guard !agents.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: agents.count).joined(separator: ",")
        let rows = try await read("SELECT * FROM agent_ratings WHERE agent IN (\(marks))", agents.map(SQLiteData.text))
        return Dictionary(rows.compactMap(Self.rating).map { ($0.agent, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func recordMatch(debateID: String, changes: [EloRating.Change]) async throws {
        let now = Timestamp.now()
        try await transaction { db in
            let done = try await db.all("SELECT 1 FROM elo_matches WHERE debate_id = ? LIMIT 1", [.text(debateID)])
            guard done.isEmpty else { return }
            for c in changes {
                _ = try await db.all("""
                    INSERT INTO elo_matches (debate_id, agent, rating_before, rating_after, outcome, at) VALUES (?, ?, ?, ?, ?, ?)
                    """, [.text(debateID), .text(c.agent), .float(c.before), .float(c.after), .text(c.outcome.rawValue), .float(now)])
                // Apply the delta to the current rating: concurrent debates may have moved it since `before` was read.
                _ = try await db.all("""
                    INSERT INTO agent_ratings (agent, rating, wins, losses, draws, debates, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)
                    ON CONFLICT(agent) DO UPDATE SET rating = rating + ?, wins = wins + excluded.wins,
                        losses = losses + excluded.losses, draws = draws + excluded.draws, debates = debates + 1,
                        updated_at = excluded.updated_at
                    """, [.text(c.agent), .float(c.after), .integer(c.outcome == .win ? 1 : 0), .integer(c.outcome == .loss ? 1 : 0),
                          .integer(c.outcome == .draw ? 1 : 0), .float(now), .float(c.after - c.before)])
            }
        }
    }

    public func leaderboard(limit: Int) async throws -> [AgentRating] {
        try await read("SELECT * FROM agent_ratings ORDER BY rating DESC, agent LIMIT ?", [.integer(limit)]).compactMap(Self.rating)
    }

    static func rating(_ row: SQLiteRow) -> AgentRating? {
        guard let agent = row.column("agent")?.string else { return nil }
        return AgentRating(agent: agent, rating: row.column("rating")?.double ?? EloRating.initial,
                           wins: row.column("wins")?.integer ?? 0, losses: row.column("losses")?.integer ?? 0,
                           draws: row.column("draws")?.integer ?? 0, debates: row.column("debates")?.integer ?? 0)
    }

    static func encode(_ record: DebateRecord) -> String {
        record.json.serialized()
    }
}

extension SQLiteConnection {
    /// Runs a statement and collects its rows.
    func all(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let rows = RowCollector()
        try await query(sql, binds) { rows.append($0) }
        return rows.rows
    }
}

/// Collects rows delivered on the database thread.
final class RowCollector: @unchecked Sendable {
    // Safe: sqlite-nio calls `onRow` serially and the rows are read only after the query completed.
    var rows: [SQLiteRow] = []
    func append(_ row: SQLiteRow) { rows.append(row) }
}
