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
        Migration(version: 4, name: "debate leases, fences and cancel requests", statements: [
            "ALTER TABLE debates ADD COLUMN lease_owner TEXT",
            "ALTER TABLE debates ADD COLUMN lease_fence INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE debates ADD COLUMN lease_expires REAL NOT NULL DEFAULT 0",
            "ALTER TABLE debates ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX IF NOT EXISTS debates_lease_owner ON debates (lease_owner)",
        ]),
    ]

    static var latest: Int { all.map(\.version).max() ?? 0 }
}
