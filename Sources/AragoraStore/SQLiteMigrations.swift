/// Versioned schema for SQLite. A version, once released, never changes: add a new one instead.
enum SQLiteMigrations {
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "debates, events, status history, ratings", statements: [
            """
            CREATE TABLE IF NOT EXISTS debates (
                id TEXT PRIMARY KEY,
                task TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                consensus_reached INTEGER NOT NULL DEFAULT 0,
                confidence REAL NOT NULL DEFAULT 0,
                record TEXT NOT NULL,
                checkpoint TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS debates_created ON debates (created_at DESC)",
            "CREATE INDEX IF NOT EXISTS debates_status ON debates (status, created_at DESC)",
            """
            CREATE TABLE IF NOT EXISTS debate_events (
                debate_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                type TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (debate_id, seq)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS debate_status_history (
                debate_id TEXT NOT NULL,
                status TEXT NOT NULL,
                at REAL NOT NULL,
                reason TEXT
            )
            """,
            "CREATE INDEX IF NOT EXISTS status_history_debate ON debate_status_history (debate_id, at)",
            """
            CREATE TABLE IF NOT EXISTS agent_ratings (
                agent TEXT PRIMARY KEY,
                rating REAL NOT NULL,
                wins INTEGER NOT NULL DEFAULT 0,
                losses INTEGER NOT NULL DEFAULT 0,
                draws INTEGER NOT NULL DEFAULT 0,
                debates INTEGER NOT NULL DEFAULT 0,
                updated_at REAL NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS elo_matches (
                debate_id TEXT NOT NULL,
                agent TEXT NOT NULL,
                rating_before REAL NOT NULL,
                rating_after REAL NOT NULL,
                outcome TEXT NOT NULL,
                at REAL NOT NULL,
                PRIMARY KEY (debate_id, agent)
            )
            """,
        ]),
        Migration(version: 2, name: "status history by trigger, error column", statements: [
            "ALTER TABLE debates ADD COLUMN error TEXT",
            """
            CREATE TRIGGER IF NOT EXISTS debates_status_history AFTER UPDATE OF status ON debates
            WHEN OLD.status IS NOT NEW.status
            BEGIN
                INSERT INTO debate_status_history (debate_id, status, at, reason) VALUES (NEW.id, NEW.status, NEW.updated_at, NEW.error);
            END
            """,
        ]),
        Migration(version: 3, name: "status history of new debates by trigger", statements: [
            """
            CREATE TRIGGER IF NOT EXISTS debates_created_history AFTER INSERT ON debates
            BEGIN
                INSERT INTO debate_status_history (debate_id, status, at, reason) VALUES (NEW.id, NEW.status, NEW.created_at, NULL);
            END
            """,
        ]),
        // Leases live in their own small table: renewing every lease of an instance must not rewrite the
        // debates' rows, which carry the whole record.
        Migration(version: 4, name: "debate leases, fences and cancel requests", statements: [
            """
            CREATE TABLE IF NOT EXISTS debate_leases (
                debate_id TEXT PRIMARY KEY,
                owner TEXT,
                fence INTEGER NOT NULL DEFAULT 0,
                expires REAL NOT NULL DEFAULT 0,
                cancel_requested INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX IF NOT EXISTS debate_leases_owner ON debate_leases (owner)",
            // A finished debate has no lease: nobody may claim it, renewals report it lost. A trigger, so that
            // finishing costs no statement of its own.
            """
            CREATE TRIGGER IF NOT EXISTS debates_finished_lease AFTER UPDATE OF status ON debates
            WHEN NEW.status NOT IN ('created', 'running')
            BEGIN
                DELETE FROM debate_leases WHERE debate_id = NEW.id;
            END
            """,
            // Debates left unfinished by an earlier version: unowned, so the next start takes them.
            "INSERT OR IGNORE INTO debate_leases (debate_id) SELECT id FROM debates WHERE status IN ('created', 'running')",
        ]),
        Migration(version: 5, name: "when a lease was taken", statements: [
            "ALTER TABLE debate_leases ADD COLUMN claimed_at REAL",
        ]),
        // Searching question text (`q`) with LIKE read every row: 0.2 CPU-s per query on crafted 10,000-character
        // questions. A trigram index finds the candidate rows; LIKE still decides, so results are exactly as before.
        // External content: the index holds no second copy of the questions. Saves never change `task`, so the
        // update trigger does not fire on them.
        Migration(version: 6, name: "trigram index of question text", statements: [
            // detail=none: no positions (a crafted question repeating a phrase 300 times made position lists the
            // cost); a phrase then matches rows holding all its trigrams, and LIKE drops the false ones.
            "CREATE VIRTUAL TABLE IF NOT EXISTS debates_fts USING fts5(task, content='debates', content_rowid='rowid', tokenize='trigram', detail='none')",
            """
            CREATE TRIGGER IF NOT EXISTS debates_fts_insert AFTER INSERT ON debates BEGIN
                INSERT INTO debates_fts (rowid, task) VALUES (NEW.rowid, NEW.task);
            END
            """,
            """
            CREATE TRIGGER IF NOT EXISTS debates_fts_delete AFTER DELETE ON debates BEGIN
                INSERT INTO debates_fts (debates_fts, rowid, task) VALUES ('delete', OLD.rowid, OLD.task);
            END
            """,
            """
            CREATE TRIGGER IF NOT EXISTS debates_fts_update AFTER UPDATE OF task ON debates BEGIN
                INSERT INTO debates_fts (debates_fts, rowid, task) VALUES ('delete', OLD.rowid, OLD.task);
                INSERT INTO debates_fts (rowid, task) VALUES (NEW.rowid, NEW.task);
            END
            """,
            "INSERT INTO debates_fts (debates_fts) VALUES ('rebuild')",
        ]),
        // A confidence is a figure someone gave or nothing (a judge that gave none): the list's copy may be NULL.
        Migration(version: 7, name: "confidence may be absent", statements: [
            "ALTER TABLE debates ADD COLUMN consensus_confidence REAL",
            "UPDATE debates SET consensus_confidence = confidence",
        ]),
    ]

    static var latest: Int { all.map(\.version).max() ?? 0 }
}
