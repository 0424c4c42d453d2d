import AragoraCore
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The shared store for several instances: PostgreSQL through postgres-nio's pooled `PostgresClient`.
///
/// Safe behind a transaction-mode pooler (PgBouncer, Supabase's pooler): every unit of work is one statement
/// (data-modifying CTEs keep multi-table changes atomic) or one short transaction; queries use the unnamed
/// statement of the extended protocol, never named prepared statements; no session `SET`, no session advisory
/// locks, no `LISTEN/NOTIFY`.
public final class PostgresDebateStore: DebateStore {
    public let backend = "postgres"
    public let location: PostgresLocation
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    private let closed = Mutex(false)
    /// Operations waiting for or holding a pooled connection, and those abandoned at their deadline.
    private let pool = Mutex((inFlight: 0, timedOut: 0))

    public init(location: PostgresLocation, logger: Logger = Logger(label: "aragora.postgres")) throws {
        self.location = location
        self.logger = logger
        var config = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                  password: location.password, database: location.database,
                                                  tls: try Self.tls(location))
        config.options.maximumConnections = max(1, location.poolSize)
        config.options.connectTimeout = .seconds(5)
        // The pool logs each failed connection attempt at info: during an outage that is a line per retry, and
        // the health check already says the database is down.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: config, backgroundLogger: background)
        self.client = client
        runTask = Task { await client.run() }
    }

    static func tls(_ location: PostgresLocation) throws -> PostgresClient.Configuration.TLS {
        guard let tls = try tlsConfiguration(location) else { return .disable }
        return location.sslMode == .prefer ? .prefer(tls) : .require(tls)
    }

    /// sslmode's TLS settings (libpq's meanings); nil for `disable`.
    static func tlsConfiguration(_ location: PostgresLocation) throws -> TLSConfiguration? {
        switch location.sslMode {
        case .disable: return nil
        case .prefer, .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return tls
        case .verifyFull:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            if let file = location.sslRootCert {
                do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file)) } catch {
                    throw StoreError.unavailable("cannot read sslrootcert \(file): \(error)")
                }
            }
            return tls
        }
    }

    /// Why the database cannot be used, asked of one direct connection: the pool keeps retrying its connections,
    /// so all it can report is a timeout, while a refused password or a refused connection says what to fix.
    /// nil when the direct connection works (the failure was something else).
    func diagnose(within seconds: Double) async -> String? {
        let location = self.location
        let logger = self.logger
        // Unstructured, and abandoned at the deadline: a connection attempt to a silent server is not cancellable
        // and would hold a task group for the whole connect timeout.
        return (try? await withDeadline(.milliseconds(Int(seconds * 1000)), timeout: { CancellationError() }) {
            await Self.directConnectionProblem(location, logger: logger)
        }) ?? nil
    }

    static func directConnectionProblem(_ location: PostgresLocation, logger: Logger) async -> String? {
        do {
            var tls = PostgresConnection.Configuration.TLS.disable
            if let config = try tlsConfiguration(location) {
                let context = try NIOSSLContext(configuration: config)
                tls = location.sslMode == .prefer ? .prefer(context) : .require(context)
            }
            let configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                                 password: location.password, database: location.database, tls: tls)
            let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(),
                                                                  configuration: configuration, id: 0, logger: logger).get()
            try? await connection.close()
            return nil
        } catch {
            if let message = (error as? PSQLError)?.serverInfo?[.message] { return "postgres refused the connection: \(message)" }
            // PSQLError's description hides details on purpose; its debug description has the cause.
            let text = String(reflecting: error)
            if text.contains("Connection refused") || text.contains("connection refused") {
                return "nothing accepts connections at \(location.host):\(location.port)"
            }
            if text.contains("UnknownHost") || text.contains("resolve") { return "cannot resolve \(location.host)" }
            return "cannot connect to postgres at \(location.host):\(location.port): \(String(describing: type(of: error)))"
        }
    }

    public func close() async throws {
        let first = closed.withLock { c in
            defer { c = true }
            return !c
        }
        guard first else { return }
        runTask.cancel()
        await runTask.value
    }

    // MARK: - Running statements

    /// Runs one statement and reads its rows, within the operation timeout; maps connection and server failures
    /// to `StoreError`.
    @discardableResult
    private func rows(_ query: PostgresQuery, timeout: Double? = nil) async throws -> [PostgresRow] {
        try checkOpen()
        let client = client
        return try await bounded(timeout: timeout) {
            do { return try await client.query(query, logger: self.logger).collect() } catch { throw Self.storeError(error) }
        }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen()
        let client = client
        return try await bounded {
            do { return try await client.withTransaction(logger: self.logger) { try await body($0) } } catch { throw Self.storeError(error) }
        }
    }

    /// Bounds an operation, waiting for a pooled connection included: with the server down, the pool (or a
    /// pooler waiting for its server) would hold a request for minutes, and a health check or a write must get
    /// its answer (503) instead. The abandoned operation is cancelled and finishes on its own. Client-side, so it
    /// works through a pooler, where a session `statement_timeout` cannot be set.
    private func bounded<T: Sendable>(timeout: Double? = nil, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = timeout ?? location.operationTimeout
        pool.withLock { $0.inFlight += 1 }
        return try await withDeadline(.milliseconds(Int(timeout * 1000)),
                                      timeout: { StoreError.unavailable("postgres did not answer within \(timeout) s") },
                                      onTimeout: { self.pool.withLock { $0.timedOut += 1 } }) {
            defer { self.pool.withLock { $0.inFlight -= 1 } }
            return try await operation()
        }
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) { throw StoreError.closed }
    }

    /// The server's SQLSTATE, when the error came from the server.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func storeError(_ error: any Error) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        if let t = error as? PostgresTransactionError {
            // What went wrong inside, not the wrapper.
            if let inner = t.closureError ?? t.beginError ?? t.commitError { return storeError(inner) }
        }
        guard let psql = error as? PSQLError else { return StoreError.unavailable("\(type(of: error))") }
        if let info = psql.serverInfo {
            let state = info[.sqlState] ?? "?"
            let message = info[.message] ?? "server error"
            if state == "53100" { return StoreError.noSpace(message) }
            if state == "23505" { return StoreError.duplicate(message) }  // unique violation: callers say what
            // Class 08: connection exceptions; 57P: the server is shutting down or restarting; 53: resources.
            return StoreError.unavailable("postgres \(state): \(message)")
        }
        return StoreError.unavailable("postgres unreachable (\(psql.code.description))")
    }

    // MARK: - Schema

    public func migrate() async throws -> [Int] {
        try await transaction { db in
            try await db.query("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger: self.logger)
            try await db.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)
                """, logger: self.logger)
            var applied: Set<Int> = []
            for try await version in try await db.query("SELECT version FROM schema_migrations", logger: self.logger).decode(Int.self) {
                applied.insert(version)
            }
            var done: [Int] = []
            for m in PostgresMigrations.all where !applied.contains(m.version) {
                for statement in m.statements { try await db.query(PostgresQuery(unsafeSQL: statement), logger: self.logger) }
                try await db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(m.version), \(m.name), \(Timestamp.now()))",
                                   logger: self.logger)
                done.append(m.version)
            }
            return done
        }
    }

    public func migrationState() async throws -> MigrationState {
        let exists = try await rows("SELECT to_regclass('schema_migrations') IS NOT NULL")
        var applied: [Int] = []
        if try exists.first?.decode(Bool.self) == true {
            for row in try await rows("SELECT version FROM schema_migrations ORDER BY version") { applied.append(try row.decode(Int.self)) }
        }
        let all = PostgresMigrations.all.map(\.version)
        return MigrationState(applied: applied, pending: all.filter { !applied.contains($0) }, latest: PostgresMigrations.latest)
    }

    /// The pool: its size, the operations in flight (waiting for or holding a connection) and how many were
    /// abandoned at `ARAGORA_DB_TIMEOUT` since start.
    public var healthDetails: [String: JSONValue] {
        let (inFlight, timedOut) = pool.withLock { ($0.inFlight, $0.timedOut) }
        return ["pool": ["size": .int(location.poolSize), "in_flight": .int(inFlight), "timed_out_total": .int(timedOut)]]
    }

    /// A failure says why when one direct connection can tell (a refused password, a refused connection) within
    /// half a second; 2 s at most in all, so a health probe gets its answer before its own timeout.
    public func ping() async throws {
        do { _ = try await rows("SELECT 1", timeout: min(1.5, location.operationTimeout)) } catch {
            if let why = await diagnose(within: 0.5) { throw StoreError.unavailable(why) }
            throw error
        }
    }

    // MARK: - Debates

    public func create(_ record: DebateRecord, owner: String, leaseSeconds: Double) async throws -> DebateLease {
        let json = String(decoding: record.storedJSON(), as: UTF8.self)
        do {
            // One statement: the debate and its lease together (a trigger records the first status).
            try await rows("""
                WITH d AS (
                    INSERT INTO debates (id, task, status, created_at, updated_at, record)
                    VALUES (\(record.id), \(record.task), \(record.status.rawValue), \(record.createdAt), \(record.createdAt), \(json))
                    RETURNING id
                )
                INSERT INTO debate_leases (debate_id, owner, fence, expires, claimed_at)
                    SELECT id, \(owner), 1, \(unescaped: Self.databaseNow) + \(leaseSeconds), \(unescaped: Self.databaseNow) FROM d
                ON CONFLICT (debate_id) DO UPDATE SET owner = EXCLUDED.owner, fence = 1, expires = EXCLUDED.expires, cancel_requested = FALSE,
                    claimed_at = EXCLUDED.claimed_at
                """)
        } catch StoreError.duplicate {
            throw StoreError.duplicate(record.id)
        }
        return DebateLease(debateID: record.id, owner: owner, fence: 1)
    }

    /// One statement: the fenced update, then the events only if it matched (a deleted or taken-over debate
    /// gets nothing back). A finished debate's lease goes with it (trigger `debates_finished_lease`).
    public func save(_ record: DebateRecord, progress: DebateCheckpoint.Progress?, events: [DebateEvent], lease: DebateLease) async throws {
        let json = String(decoding: record.storedJSON(), as: UTF8.self)
        let checkpoint = try progress.map { try $0.jsonString() }
        let seqs = events.map(\.seq), types = events.map(\.type.rawValue), bodies = events.map { $0.serialized() }
        let matched = try await rows("""
            WITH upd AS (
                UPDATE debates SET status = \(record.status.rawValue), updated_at = \(Timestamp.now()),
                    consensus_reached = \(record.consensusReached), consensus_confidence = \(record.confidence), record = \(json),
                    checkpoint = \(checkpoint), error = \(record.error)
                WHERE id = \(record.id) AND EXISTS (
                    SELECT 1 FROM debate_leases WHERE debate_id = \(record.id) AND owner = \(lease.owner) AND fence = \(lease.fence))
                RETURNING id
            ), ev AS (
                INSERT INTO debate_events (debate_id, seq, type, body)
                SELECT upd.id, e.seq, e.type, e.body FROM upd, UNNEST(\(seqs)::bigint[], \(types)::text[], \(bodies)::text[]) AS e(seq, type, body)
                ON CONFLICT (debate_id, seq) DO UPDATE SET type = EXCLUDED.type, body = EXCLUDED.body
            )
            SELECT id FROM upd
            """)
        if matched.isEmpty { throw StoreError.leaseLost(record.id) }
    }

    public func recordJSON(id: String) async throws -> [UInt8]? {
        guard let row = try await rows("SELECT record FROM debates WHERE id = \(id)").first else { return nil }
        return Array(try row.decode(String.self).utf8)
    }

    public func record(id: String) async throws -> DebateRecord? {
        guard let bytes = try await recordJSON(id: id) else { return nil }
        do { return try DebateRecord.decode(Data(bytes)) } catch { throw StoreError.corrupt("debate \(id): \(error)") }
    }

    public func list(limit: Int, offset: Int, status: DebateStatus?, matching: String?) async throws -> DebatePage {
        let s = status?.rawValue
        let columns = "id, task, status, created_at, updated_at, consensus_reached, consensus_confidence"
        guard let matching, !matching.isEmpty else {
            let items = try await summaries(rows("""
                SELECT \(unescaped: columns) FROM debates WHERE (\(s)::text IS NULL OR status = \(s))
                ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
                """))
            let total = try await rows("SELECT count(*) FROM debates WHERE (\(s)::text IS NULL OR status = \(s))").first?.decode(Int.self) ?? 0
            return DebatePage(items: items, total: total)
        }
        // ILIKE's default escape is the backslash, as `containsPattern` writes it. The matches come from a
        // MATERIALIZED CTE, planned on its own: through the trigram index (with the LIMIT in view the planner may walk
        // every row instead), and read lazily, so the count stops at the limit.
        let m = Self.containsPattern(matching)
        let counted = try await rows("""
            WITH m AS MATERIALIZED (SELECT status FROM debates WHERE task ILIKE \(m))
            SELECT count(*) FROM (SELECT 1 FROM m WHERE (\(s)::text IS NULL OR status = \(s)) LIMIT \(DebatePage.countLimit + 1)) c
            """).first?.decode(Int.self) ?? 0
        // Few matches: from the index, then sorted. Many: the newest rows first, each tested, until the page is full.
        let items = counted <= DebatePage.countLimit
            ? try await summaries(rows("""
                WITH m AS MATERIALIZED (SELECT \(unescaped: columns) FROM debates WHERE task ILIKE \(m))
                SELECT \(unescaped: columns) FROM m WHERE (\(s)::text IS NULL OR status = \(s))
                ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
                """))
            : try await transaction { connection in
                // The planner, misled by the pattern's estimate, would collect every match through the index and
                // sort them; the walk is told. Settings local to the transaction end with the transaction (a pooler's connection too).
                _ = try await connection.query("""
                    SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)
                    """, logger: self.logger)
                return try await self.summaries(connection.query("""
                    SELECT \(unescaped: columns) FROM debates WHERE task ILIKE \(m) AND (\(s)::text IS NULL OR status = \(s))
                    ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)
                    """, logger: self.logger).collect())
            }
        return DebatePage(items: items, counted: counted)
    }

    public func active(limit: Int) async throws -> (items: [DebateSummary], total: Int) {
        let items = try await rows("""
            SELECT d.id, d.task, d.status, d.created_at, d.updated_at, d.consensus_reached, d.consensus_confidence,
                   l.owner, l.claimed_at, d.checkpoint
            FROM debates d LEFT JOIN debate_leases l ON l.debate_id = d.id
            WHERE d.status IN ('created', 'running') ORDER BY d.created_at DESC, d.id LIMIT \(limit)
            """).compactMap { row -> DebateSummary? in
            let (id, task, status, created, updated, reached, confidence, owner, since, checkpoint) =
                try row.decode((String, String, String, Double, Double, Bool, Double?, String?, Double?, String?).self)
            guard let status = DebateStatus(rawValue: status) else { return nil }
            return DebateSummary(id: id, task: task, status: status, createdAt: created, updatedAt: updated, consensusReached: reached,
                                 confidence: confidence, owner: owner, ownedSince: since,
                                 phase: DebateCheckpoint.Progress.phase(ofStored: checkpoint))
        }
        let total = try await rows("SELECT count(*) FROM debates WHERE status IN ('created', 'running')").first?.decode(Int.self) ?? 0
        return (items, total)
    }

    private func summaries(_ rows: [PostgresRow]) throws -> [DebateSummary] {
        try rows.compactMap { row in
            let (id, task, status, created, updated, reached, confidence) = try row.decode((String, String, String, Double, Double, Bool, Double?).self)
            guard let status = DebateStatus(rawValue: status) else { return nil }
            return DebateSummary(id: id, task: task, status: status, createdAt: created, updatedAt: updated,
                                 consensusReached: reached, confidence: confidence)
        }
    }

    public func events(id: String, since: Int, limit: Int) async throws -> [DebateEvent] {
        try await rows("SELECT body FROM debate_events WHERE debate_id = \(id) AND seq > \(since) ORDER BY seq LIMIT \(limit)")
            .compactMap { DebateEvent.decode(try $0.decode(String.self)) }
    }

    public func delete(id: String) async throws -> Bool {
        let row = try await rows("""
            WITH d AS (DELETE FROM debates WHERE id = \(id) RETURNING id),
                 e AS (DELETE FROM debate_events WHERE debate_id = \(id)),
                 h AS (DELETE FROM debate_status_history WHERE debate_id = \(id)),
                 l AS (DELETE FROM debate_leases WHERE debate_id = \(id))
            SELECT count(*) FROM d
            """).first
        return try (row?.decode(Int.self) ?? 0) > 0
    }

    // MARK: - Ownership

    /// Lease times are the database's, never an instance's: with one instance's clock 20 s ahead it would otherwise
    /// take over every debate the others renew. `now` arguments are ignored here (they serve the in-memory store).
    static let databaseNow = "extract(epoch from now())::float8"

    public func claimable(reclaiming owner: String?, now: Double, limit: Int) async throws -> [UnfinishedDebate] {
        try await rows("""
            SELECT d.id, d.record, d.checkpoint, l.cancel_requested
            FROM debate_leases l JOIN debates d ON d.id = l.debate_id
            WHERE l.owner IS NULL OR l.owner = \(owner) OR l.expires < \(unescaped: Self.databaseNow) ORDER BY d.created_at, d.id LIMIT \(limit)
            """).map { row in
            let (id, text, checkpoint, cancel) = try row.decode((String, String, String?, Bool).self)
            let record: DebateRecord
            do { record = try DebateRecord.decode(Data(text.utf8)) } catch { throw StoreError.corrupt("debate \(id): \(error)") }
            let progress = checkpoint.flatMap { try? JSONDecoder().decode(DebateCheckpoint.Progress.self, from: Data($0.utf8)) }
            return UnfinishedDebate(record: record, checkpoint: progress.map { DebateCheckpoint(record: record, progress: $0) },
                                    cancelRequested: cancel)
        }
    }

    /// A row-locking UPDATE: of two instances claiming at once, the second re-checks the row after the first
    /// commits, finds it owned and unexpired, and gets nothing.
    public func claim(id: String, owner: String, leaseSeconds: Double, now: Double) async throws -> DebateLease? {
        let row = try await rows("""
            UPDATE debate_leases SET owner = \(owner), fence = fence + 1, expires = \(unescaped: Self.databaseNow) + \(leaseSeconds),
                claimed_at = \(unescaped: Self.databaseNow)
            WHERE debate_id = \(id) AND (owner IS NULL OR owner = \(owner) OR expires < \(unescaped: Self.databaseNow)) RETURNING fence
            """).first
        return try row.map { DebateLease(debateID: id, owner: owner, fence: try $0.decode(Int.self)) }
    }

    public func renewLeases(owner: String, held: [DebateLease], leaseSeconds: Double, now: Double) async throws -> LeaseRenewal {
        var current: [String: (fence: Int, cancel: Bool)] = [:]
        for row in try await rows("""
            UPDATE debate_leases SET expires = \(unescaped: Self.databaseNow) + \(leaseSeconds) WHERE owner = \(owner)
            RETURNING debate_id, fence, cancel_requested
            """) {
            let (id, fence, cancel) = try row.decode((String, Int, Bool).self)
            current[id] = (fence, cancel)
        }
        return LeaseRenewal(held: held, current: current)
    }

    public func release(_ lease: DebateLease) async throws {
        try await rows("""
            UPDATE debate_leases SET owner = NULL, expires = 0, claimed_at = NULL
            WHERE debate_id = \(lease.debateID) AND owner = \(lease.owner) AND fence = \(lease.fence)
            """)
    }

    public func requestCancel(id: String) async throws -> CancelRequest {
        let row = try await rows("""
            WITH m AS (UPDATE debate_leases SET cancel_requested = TRUE WHERE debate_id = \(id) RETURNING debate_id)
            SELECT (SELECT count(*) FROM m), (SELECT status FROM debates WHERE id = \(id))
            """).first
        guard let row else { return .notFound }
        let (marked, status) = try row.decode((Int, String?).self)
        if marked > 0 { return .requested }
        guard let status = status.flatMap(DebateStatus.init(rawValue:)) else { return .notFound }
        return .alreadyFinished(status)
    }

    // MARK: - Ratings

    public func ratings(for agents: [String]) async throws -> [String: AgentRating] {
        guard !agents.isEmpty else { return [:] }
        let rows = try await rows("""
            SELECT agent, rating, wins, losses, draws, debates FROM agent_ratings WHERE agent = ANY(\(agents)::text[])
            """)
        return Dictionary(try rows.map(Self.rating).map { ($0.agent, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// One transaction; a second call for the same debate collides on `elo_matches`' key and changes nothing.
    public func recordMatch(debateID: String, changes: [EloRating.Change]) async throws {
        let now = Timestamp.now()
        do {
            try await transaction { db in
                for c in changes {
                    try await db.query("""
                        INSERT INTO elo_matches (debate_id, agent, rating_before, rating_after, outcome, at)
                        VALUES (\(debateID), \(c.agent), \(c.before), \(c.after), \(c.outcome.rawValue), \(now))
                        """, logger: self.logger)
                    // Apply the delta to the current rating: concurrent debates may have moved it since `before` was read.
                    try await db.query("""
                        INSERT INTO agent_ratings (agent, rating, wins, losses, draws, debates, updated_at)
                        VALUES (\(c.agent), \(c.after), \(c.outcome == .win ? 1 : 0), \(c.outcome == .loss ? 1 : 0),
                                \(c.outcome == .draw ? 1 : 0), 1, \(now))
                        ON CONFLICT (agent) DO UPDATE SET rating = agent_ratings.rating + \(c.after - c.before),
                            wins = agent_ratings.wins + EXCLUDED.wins, losses = agent_ratings.losses + EXCLUDED.losses,
                            draws = agent_ratings.draws + EXCLUDED.draws, debates = agent_ratings.debates + 1,
                            updated_at = EXCLUDED.updated_at
                        """, logger: self.logger)
                }
            }
        } catch StoreError.duplicate {
            return  // already recorded
        }
    }

    public func leaderboard(limit: Int) async throws -> [AgentRating] {
        try await rows("""
            SELECT agent, rating, wins, losses, draws, debates FROM agent_ratings ORDER BY rating DESC, agent LIMIT \(limit)
            """).map(Self.rating)
    }

    static func rating(_ row: PostgresRow) throws -> AgentRating {
        let (agent, rating, wins, losses, draws, debates) = try row.decode((String, Double, Int, Int, Int, Int).self)
        return AgentRating(agent: agent, rating: rating, wins: wins, losses: losses, draws: draws, debates: debates)
    }
}
