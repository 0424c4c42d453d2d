import AragoraCore
import Foundation
import Logging
import NIOCore
import SQLiteNIO
import Synchronization

/// The embedded store: one SQLite file in WAL mode. Writes go through one connection and one writer
/// (`SQLiteWriter`, group commit); reads use a second connection and run alongside writes.
public final class SQLiteDebateStore: DebateStore {
    public let backend = "sqlite"
    public let path: String
    private let writerConnection: SQLiteConnection
    private let reader: SQLiteConnection
    private let writer: SQLiteWriter
    private let saves: SQLiteBatch<SQLiteSaveBatch.Save>
    private let encoding = AsyncSlots(SQLiteDebateStore.encodedSavesAtMost)
    private let creates: SQLiteBatch<SQLiteCreateBatch.Create>
    private let closed = Mutex(false)

    public static func open(path: String, logger: Logger = Logger(label: "aragora.sqlite")) async throws -> SQLiteDebateStore {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw StoreError.unavailable("cannot create the database's directory \(dir.path): \(error.localizedDescription)")
        }
        // A connection that fails to set up is closed before the error is reported (sqlite-nio insists).
        func connect(_ pragmas: [String]) async throws -> SQLiteConnection {
            let connection: SQLiteConnection
            do { connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger) } catch {
                throw StoreError.unavailable("cannot open the database \(path): \(error)")
            }
            do {
                for pragma in pragmas { _ = try await connection.query(pragma) }
            } catch {
                try? await connection.close()
                throw StoreError.unavailable("cannot use the database \(path) (is it writable?): \(error)")
            }
            return connection
        }
        // busy_timeout first: instances starting together on one file must wait for each other, not fail.
        let writer = try await connect(["PRAGMA busy_timeout=5000", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"])
        let reader: SQLiteConnection
        do { reader = try await connect(["PRAGMA busy_timeout=5000"]) } catch {
            try? await writer.close()
            throw error
        }
        return SQLiteDebateStore(path: path, writer: writer, reader: reader)
    }

    private init(path: String, writer: SQLiteConnection, reader: SQLiteConnection) {
        self.path = path
        self.writerConnection = writer
        self.reader = reader
        let queue = SQLiteWriter(connection: writer)
        self.writer = queue
        self.saves = SQLiteBatch(writer: queue, write: SQLiteSaveBatch.write)
        self.creates = SQLiteBatch(writer: queue, write: SQLiteCreateBatch.write)
    }

    /// Closes both connections once pending writes are committed; later calls fail with
    /// `StoreError.unavailable` instead of touching a closed handle.
    public func close() async throws {
        let first = closed.withLock { c in
            defer { c = true }
            return !c
        }
        guard first else { return }
        await writer.close()
        try await reader.close()
        try await writerConnection.close()
    }

    /// A read on the reader connection (WAL: runs alongside writes).
    func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        if closed.withLock({ $0 }) { throw StoreError.closed }
        return try await reader.query(sql, binds)
    }

    /// An online backup: a consistent copy of the whole database in one new file (`VACUUM INTO`), taken on the
    /// reader connection while writes go on.
    public func backup(to file: String) async throws {
        _ = try await read("VACUUM INTO ?", [.text(file)])
    }

    private static let unfinished = "status IN ('created', 'running')"
    /// A lease row exists only while its debate is unfinished.
    private static let claimableLease = "(l.owner IS NULL OR l.owner = ? OR l.expires < ?)"

    // MARK: - Schema

    public func migrate() async throws -> [Int] {
        try await writer.perform { db in
            _ = try await db.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
            let applied = Set(try await db.query("SELECT version FROM schema_migrations").compactMap { $0.column("version")?.integer })
            var done: [Int] = []
            for m in SQLiteMigrations.all where !applied.contains(m.version) {
                for statement in m.statements { _ = try await db.query(statement) }
                _ = try await db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
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

    /// A read round trip, and the writer's state: a database that refuses writes (full, read-only) is not healthy.
    public func ping() async throws {
        _ = try await read("SELECT 1")
        if let failure = writer.failure { throw StoreError.unavailable(failure) }
    }

    /// Caps the database at its current size (`PRAGMA max_page_count`), so the next write that needs a new page
    /// fails as a full disk would; nil lifts the cap. For tests of what a full disk does.
    func capSizeForTesting(_ cap: Bool) async throws {
        try await writer.perform(.failsBeforeWriting) { db in
            let pages = try await db.query("PRAGMA page_count").first?.column("page_count")?.integer ?? 1
            _ = try await db.query("PRAGMA max_page_count = \(cap ? pages : 1_073_741_823)")
        }
    }

    // MARK: - Debates

    /// One statement (a trigger records the first status), so accepting a debate costs the writer little.
    public func create(_ record: DebateRecord, owner: String, leaseSeconds: Double) async throws -> DebateLease {
        if closed.withLock({ $0 }) { throw StoreError.closed }
        let now = Timestamp.now()
        // Creations arriving while the writer is busy are inserted together (`SQLiteCreateBatch`).
        let json = String(decoding: record.storedJSON(), as: UTF8.self)
        try await creates.submit(SQLiteCreateBatch.Create(record: record, json: json, owner: owner, expires: now + leaseSeconds,
                                                          claimedAt: now))
        return DebateLease(debateID: record.id, owner: owner, fence: 1)
    }

    /// Saves arriving while the writer is busy are written together in its next transaction
    /// (`SQLiteSaveBatch`). The update is fenced by the lease; events are inserted only when it matched, so a
    /// deleted debate stays deleted.
    public func save(_ record: DebateRecord, progress: DebateCheckpoint.Progress?, events: [DebateEvent], lease: DebateLease) async throws {
        if closed.withLock({ $0 }) { throw StoreError.closed }
        await encoding.acquire()
        defer { encoding.release() }
        try await saves.submit(try Self.encoded(record, progress: progress, events: events, lease: lease))
    }

    /// Saves encoded and waiting for the writer at most: two of its largest batches, one being written and the next.
    /// Past that a save waits before encoding: with thousands of debates waiting on the writer, their encoded records
    /// would otherwise be the largest part of the memory per debate in flight.
    static let encodedSavesAtMost = 512

    // Encoded outside the async frame, which the saving task holds until the batch is written.
    @inline(never) static func encoded(_ record: DebateRecord, progress: DebateCheckpoint.Progress?, events: [DebateEvent],
                                       lease: DebateLease) throws -> SQLiteSaveBatch.Save {
        SQLiteSaveBatch.Save(record: record, json: String(decoding: record.storedJSON(), as: UTF8.self),
                             progress: try progress.map { try $0.jsonString() },
                             events: events.map { (seq: $0.seq, type: $0.type.rawValue, body: $0.serialized()) }, lease: lease)
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

    private static let summaryColumns = "id, task, status, created_at, updated_at, consensus_reached, consensus_confidence"

    public func list(limit: Int, offset: Int, status: DebateStatus?, matching: String?) async throws -> DebatePage {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        if let status {
            conditions.append("debates.status = ?")
            binds.append(.text(status.rawValue))
        }
        guard let matching, !matching.isEmpty else {
            let filter = Self.whereClause(conditions)
            let total = try await read("SELECT COUNT(*) AS n FROM debates\(filter)", binds).first?.column("n")?.integer ?? 0
            return DebatePage(items: try await page(filter: filter, binds: binds, limit: limit, offset: offset), total: total)
        }
        conditions.append("debates.task LIKE ? ESCAPE '\\'")
        binds.append(.text(Self.containsPattern(matching)))
        let scan = (filter: Self.whereClause(conditions), binds: binds)
        var indexed = scan
        let counted: Int
        if matching.unicodeScalars.count >= 3 {
            // Three characters or more: the trigram index narrows to candidate rows first (LIKE alone reads them all).
            // Counted by walking the index's candidates, each looked up and tested, until the limit (the `IN` form
            // below collects every candidate first).
            let phrase = SQLiteData.text(Self.ftsPhrase(matching))
            indexed = (Self.whereClause(["rowid IN (SELECT rowid FROM debates_fts WHERE debates_fts MATCH ?)"] + conditions), [phrase] + binds)
            counted = try await read("""
                SELECT COUNT(*) AS n FROM (SELECT 1 FROM debates_fts f CROSS JOIN debates ON debates.rowid = f.rowid
                WHERE debates_fts MATCH ?\(conditions.map { " AND " + $0 }.joined()) LIMIT ?)
                """, [phrase] + binds + [.integer(DebatePage.countLimit + 1)]).first?.column("n")?.integer ?? 0
        } else {
            counted = try await read("SELECT COUNT(*) AS n FROM (SELECT 1 FROM debates\(scan.filter) LIMIT ?)",
                                     binds + [.integer(DebatePage.countLimit + 1)]).first?.column("n")?.integer ?? 0
        }
        // Few matches: the index has them all and sorting them is cheap. Many: the newest rows first, each tested,
        // until the page is full (one row in a hundred or more matches, so that is soon).
        let source = counted <= DebatePage.countLimit ? indexed : scan
        return DebatePage(items: try await page(filter: source.filter, binds: source.binds, limit: limit, offset: offset), counted: counted)
    }

    private static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// An FTS5 query for rows holding every trigram of `text` (at most 32 of them, spread over it: LIKE decides
    /// anyway). The index keeps no positions (`detail=none`), so each trigram is a term of its own, quoted with its
    /// quotes doubled so every character is literal.
    static func ftsPhrase(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var seen = Set<String>()
        var grams: [String] = []
        for i in 0...(scalars.count - 3) {
            var gram = String.UnicodeScalarView()
            gram.append(contentsOf: scalars[i..<(i + 3)])
            if seen.insert(String(gram)).inserted { grams.append(String(gram)) }
        }
        let step = max(1, grams.count / 32)
        let chosen = stride(from: 0, to: grams.count, by: step).prefix(32).map { grams[$0] }
        return chosen.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
    }

    public func active(limit: Int) async throws -> (items: [DebateSummary], total: Int) {
        let filter = " WHERE \(Self.unfinished)"
        var items = try await page(filter: filter, binds: [], limit: limit, offset: 0)
        let total = try await read("SELECT COUNT(*) AS n FROM debates\(filter)", []).first?.column("n")?.integer ?? 0
        guard !items.isEmpty else { return (items, total) }
        let marks = Array(repeating: "?", count: items.count).joined(separator: ",")
        let rows = try await read("""
            SELECT d.id AS id, d.checkpoint AS checkpoint, l.owner AS owner, l.claimed_at AS claimed_at
            FROM debates d LEFT JOIN debate_leases l ON l.debate_id = d.id WHERE d.id IN (\(marks))
            """, items.map { .text($0.id) })
        var extra: [String: (owner: String?, since: Double?, phase: String?)] = [:]
        for row in rows {
            guard let id = row.column("id")?.string else { continue }
            extra[id] = (row.column("owner")?.string, row.column("claimed_at")?.double,
                         DebateCheckpoint.Progress.phase(ofStored: row.column("checkpoint")?.string))
        }
        for i in items.indices {
            guard let e = extra[items[i].id] else { continue }
            (items[i].owner, items[i].ownedSince, items[i].phase) = (e.owner, e.since, e.phase)
        }
        return (items, total)
    }

    private func page(filter: String, binds: [SQLiteData], limit: Int, offset: Int) async throws -> [DebateSummary] {
        let rows = try await read("""
            SELECT \(Self.summaryColumns) FROM debates\(filter) ORDER BY created_at DESC, id LIMIT ? OFFSET ?
            """, binds + [.integer(limit), .integer(offset)])
        return rows.compactMap { row -> DebateSummary? in
            guard let id = row.column("id")?.string, let task = row.column("task")?.string,
                  let status = row.column("status")?.string.flatMap(DebateStatus.init(rawValue:)) else { return nil }
            return DebateSummary(id: id, task: task, status: status, createdAt: row.column("created_at")?.double ?? 0,
                                 updatedAt: row.column("updated_at")?.double ?? 0,
                                 consensusReached: row.column("consensus_reached")?.integer == 1,
                                 confidence: row.column("consensus_confidence")?.double)
        }
    }

    public func events(id: String, since: Int, limit: Int) async throws -> [DebateEvent] {
        let rows = try await read("SELECT body FROM debate_events WHERE debate_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                                  [.text(id), .integer(since), .integer(limit)])
        return rows.compactMap { $0.column("body")?.string.flatMap(DebateEvent.decode) }
    }

    public func delete(id: String) async throws -> Bool {
        try await writer.perform(.allOrNothing) { db in
            let existed = !(try await db.query("DELETE FROM debates WHERE id = ? RETURNING id", [.text(id)])).isEmpty
            _ = try await db.query("DELETE FROM debate_events WHERE debate_id = ?", [.text(id)])
            _ = try await db.query("DELETE FROM debate_status_history WHERE debate_id = ?", [.text(id)])
            _ = try await db.query("DELETE FROM debate_leases WHERE debate_id = ?", [.text(id)])
            return existed
        }
    }

    // MARK: - Ownership

    public func claimable(reclaiming owner: String?, now: Double, limit: Int) async throws -> [UnfinishedDebate] {
        // NULL never equals an owner: without one, only unowned and expired debates qualify.
        let rows = try await read("""
            SELECT d.id AS id, d.record AS record, d.checkpoint AS checkpoint, l.cancel_requested AS cancel_requested
            FROM debate_leases l JOIN debates d ON d.id = l.debate_id
            WHERE \(Self.claimableLease) ORDER BY d.created_at, d.id LIMIT ?
            """, [owner.map(SQLiteData.text) ?? .null, .float(now), .integer(limit)])
        return try rows.map { row in
            let id = row.column("id")?.string ?? "?"
            guard let text = row.column("record")?.string else { throw StoreError.corrupt("debate \(id) has no record") }
            let record: DebateRecord
            do { record = try DebateRecord.decode(Data(text.utf8)) } catch { throw StoreError.corrupt("debate \(id): \(error)") }
            let progress = row.column("checkpoint")?.string.flatMap {
                try? JSONDecoder().decode(DebateCheckpoint.Progress.self, from: Data($0.utf8))
            }
            return UnfinishedDebate(record: record, checkpoint: progress.map { DebateCheckpoint(record: record, progress: $0) },
                                    cancelRequested: row.column("cancel_requested")?.integer == 1)
        }
    }

    public func claim(id: String, owner: String, leaseSeconds: Double, now: Double) async throws -> DebateLease? {
        try await writer.perform(.failsBeforeWriting) { db in
            let rows = try await db.query("""
                UPDATE debate_leases AS l SET owner = ?, fence = fence + 1, expires = ?, claimed_at = ?
                WHERE debate_id = ? AND \(Self.claimableLease) RETURNING fence
                """, [.text(owner), .float(now + leaseSeconds), .float(now), .text(id), .text(owner), .float(now)])
            return rows.first?.column("fence")?.integer.map { DebateLease(debateID: id, owner: owner, fence: $0) }
        }
    }

    public func renewLeases(owner: String, held: [DebateLease], leaseSeconds: Double, now: Double) async throws -> LeaseRenewal {
        let rows = try await writer.perform(.failsBeforeWriting) { db in
            try await db.query("UPDATE debate_leases SET expires = ? WHERE owner = ? RETURNING debate_id, fence, cancel_requested",
                               [.float(now + leaseSeconds), .text(owner)])
        }
        var current: [String: (fence: Int, cancel: Bool)] = [:]
        for row in rows {
            if let id = row.column("debate_id")?.string {
                current[id] = (row.column("fence")?.integer ?? 0, row.column("cancel_requested")?.integer == 1)
            }
        }
        return LeaseRenewal(held: held, current: current)
    }

    public func release(_ lease: DebateLease) async throws {
        try await writer.perform(.failsBeforeWriting) { db in
            _ = try await db.query("UPDATE debate_leases SET owner = NULL, expires = 0, claimed_at = NULL WHERE debate_id = ? AND owner = ? AND fence = ?",
                                   [.text(lease.debateID), .text(lease.owner), .integer(lease.fence)])
        }
    }

    public func requestCancel(id: String) async throws -> CancelRequest {
        try await writer.perform(.failsBeforeWriting) { db in
            let marked = try await db.query("UPDATE debate_leases SET cancel_requested = 1 WHERE debate_id = ? RETURNING debate_id", [.text(id)])
            if !marked.isEmpty { return .requested }
            let row = try await db.query("SELECT status FROM debates WHERE id = ?", [.text(id)]).first
            guard let status = row?.column("status")?.string.flatMap(DebateStatus.init(rawValue:)) else { return .notFound }
            return .alreadyFinished(status)
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
        try await writer.perform(.allOrNothing) { db in
            let done = try await db.query("SELECT 1 FROM elo_matches WHERE debate_id = ? LIMIT 1", [.text(debateID)])
            guard done.isEmpty else { return }
            for c in changes {
                _ = try await db.query("""
                    INSERT INTO elo_matches (debate_id, agent, rating_before, rating_after, outcome, at) VALUES (?, ?, ?, ?, ?, ?)
                    """, [.text(debateID), .text(c.agent), .float(c.before), .float(c.after), .text(c.outcome.rawValue), .float(now)])
                // Apply the delta to the current rating: concurrent debates may have moved it since `before` was read.
                _ = try await db.query("""
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
}
