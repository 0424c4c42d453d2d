/// Versioned schema for PostgreSQL: the same versions as `SQLiteMigrations`, in PostgreSQL's dialect. A version,
/// once released, never changes: add a new one instead. All of them run in one transaction that first takes a
/// transaction-scoped advisory lock, so instances starting together migrate once (session locks would not
/// survive a transaction-mode pooler).
enum PostgresMigrations {
    typealias Migration = SQLiteMigrations.Migration

    /// The advisory lock's key: "aragora" in ASCII.
    static let lockKey: Int64 = 0x61_72_61_67_6F_72_61

    static let all: [Migration] = [
        Migration(version: 1, name: "debates, events, status history, ratings", statements: [
            """
            CREATE TABLE IF NOT EXISTS debates (
                id TEXT PRIMARY KEY,
                task TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                consensus_reached BOOLEAN NOT NULL DEFAULT FALSE,
                confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
                record TEXT NOT NULL,
                checkpoint TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS debates_created ON debates (created_at DESC)",
            "CREATE INDEX IF NOT EXISTS debates_status ON debates (status, created_at DESC)",
            """
            CREATE TABLE IF NOT EXISTS debate_events (
                debate_id TEXT NOT NULL,
                seq BIGINT NOT NULL,
                type TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (debate_id, seq)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS debate_status_history (
                debate_id TEXT NOT NULL,
                status TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL,
                reason TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS status_history_debate ON debate_status_history (debate_id, at)",
            """
            CREATE TABLE IF NOT EXISTS agent_ratings (
                agent TEXT PRIMARY KEY,
                rating DOUBLE PRECISION NOT NULL,
                wins BIGINT NOT NULL DEFAULT 0,
                losses BIGINT NOT NULL DEFAULT 0,
                draws BIGINT NOT NULL DEFAULT 0,
                debates BIGINT NOT NULL DEFAULT 0,
                updated_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS elo_matches (
                debate_id TEXT NOT NULL,
                agent TEXT NOT NULL,
                rating_before DOUBLE PRECISION NOT NULL,
                rating_after DOUBLE PRECISION NOT NULL,
                outcome TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (debate_id, agent)
            )
            """,
        ]),
        Migration(version: 2, name: "status history by trigger, error column", statements: [
            "ALTER TABLE debates ADD COLUMN IF NOT EXISTS error TEXT",
            """
            CREATE OR REPLACE FUNCTION aragora_status_history() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO debate_status_history (debate_id, status, at, reason) VALUES (NEW.id, NEW.status, NEW.created_at, NULL);
                ELSIF OLD.status IS DISTINCT FROM NEW.status THEN
                    INSERT INTO debate_status_history (debate_id, status, at, reason) VALUES (NEW.id, NEW.status, NEW.updated_at, NEW.error);
                END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER debates_status_history AFTER UPDATE OF status ON debates
            FOR EACH ROW EXECUTE FUNCTION aragora_status_history()
            """,
        ]),
        Migration(version: 3, name: "status history of new debates by trigger", statements: [
            """
            CREATE TRIGGER debates_created_history AFTER INSERT ON debates
            FOR EACH ROW EXECUTE FUNCTION aragora_status_history()
            """,
        ]),
        // Leases live in their own small table: renewing every lease of an instance must not rewrite the
        // debates' rows, which carry the whole record.
        Migration(version: 4, name: "debate leases, fences and cancel requests", statements: [
            """
            CREATE TABLE IF NOT EXISTS debate_leases (
                debate_id TEXT PRIMARY KEY,
                owner TEXT,
                fence BIGINT NOT NULL DEFAULT 0,
                expires DOUBLE PRECISION NOT NULL DEFAULT 0,
                cancel_requested BOOLEAN NOT NULL DEFAULT FALSE
            )
            """,
            "CREATE INDEX IF NOT EXISTS debate_leases_owner ON debate_leases (owner)",
            // A finished debate has no lease: nobody may claim it, renewals report it lost.
            """
            CREATE OR REPLACE FUNCTION aragora_finished_lease() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.status NOT IN ('created', 'running') THEN
                    DELETE FROM debate_leases WHERE debate_id = NEW.id;
                END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER debates_finished_lease AFTER UPDATE OF status ON debates
            FOR EACH ROW EXECUTE FUNCTION aragora_finished_lease()
            """,
            """
            INSERT INTO debate_leases (debate_id) SELECT id FROM debates WHERE status IN ('created', 'running')
            ON CONFLICT (debate_id) DO NOTHING
            """,
        ]),
        Migration(version: 5, name: "when a lease was taken", statements: [
            "ALTER TABLE debate_leases ADD COLUMN IF NOT EXISTS claimed_at DOUBLE PRECISION",
        ]),
        // Searching question text with ILIKE read every row (0.2 CPU-s per query on crafted 10,000-character
        // questions): a pg_trgm GIN index serves `ILIKE '%text%'` for three characters or more. pg_trgm is a trusted
        // extension (PostgreSQL 13+: the database owner may create it; managed services ship it). Where it cannot be
        // created the search still works, unindexed, and the notice says why.
        Migration(version: 6, name: "trigram index of question text", statements: [
            """
            DO $$
            BEGIN
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
                CREATE INDEX IF NOT EXISTS debates_task_trgm ON debates USING gin (task gin_trgm_ops);
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'aragora: no trigram index for question search (%): searches read every row', SQLERRM;
            END $$
            """,
        ]),
        // A confidence is a figure someone gave or nothing (a judge that gave none): the list's copy may be NULL.
        Migration(version: 7, name: "confidence may be absent", statements: [
            "ALTER TABLE debates ADD COLUMN IF NOT EXISTS consensus_confidence DOUBLE PRECISION",
            "UPDATE debates SET consensus_confidence = confidence",
        ]),
    ]

    static var latest: Int { all.map(\.version).max() ?? 0 }
}
