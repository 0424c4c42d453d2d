import AragoraCore
import Foundation
import Logging
import SQLiteNIO

/// What `aragora restore` checks before a SQLite file replaces the database: it must hold only the schema our
/// migrations create (a backup with an extra trigger would rewrite every signed debate after the restore, one with
/// a view or table could carry anything), pass SQLite's integrity check, and every debate and event in it must
/// decode. Otherwise the restore is refused and nothing is replaced.
enum SQLiteBackupCheck {
    struct SchemaObject: Hashable, CustomStringConvertible {
        var type: String
        var name: String
        var sql: String?
        var description: String { "\(type) \(name)" }
    }

    /// Every schema object any migration version has created, with its exact SQL: built in a scratch database
    /// migrated one version at a time, so a backup taken at an older version is accepted too.
    static func allowedSchema(logger: Logger) async throws -> Set<SchemaObject> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-schema-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: dir.appendingPathComponent("s.sqlite").path), logger: logger)
        var allowed: Set<SchemaObject> = []
        do {
            _ = try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
            allowed.formUnion(try await objects(connection.query(schemaQuery)))
            for m in SQLiteMigrations.all {
                for statement in m.statements { _ = try await connection.query(statement) }
                allowed.formUnion(try await objects(connection.query(schemaQuery)))
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return allowed
    }

    static let schemaQuery = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"

    static func objects(_ rows: [SQLiteRow]) -> Set<SchemaObject> {
        Set(rows.map { SchemaObject(type: $0.column("type")?.string ?? "", name: $0.column("name")?.string ?? "", sql: $0.column("sql")?.string) })
    }

    /// Why `store` (opened on the staged copy) may not be restored, or nil when it may.
    static func problem(with store: SQLiteDebateStore, logger: Logger) async throws -> String? {
        let integrity = try await store.read("PRAGMA integrity_check").compactMap { $0.columns.first?.data.string }
        guard integrity == ["ok"] else {
            return "it fails SQLite's integrity check: \(integrity.prefix(3).joined(separator: "; "))"
        }
        let allowed = try await allowedSchema(logger: logger)
        // SQLite's own tables (sqlite_sequence, sqlite_stat1 after ANALYZE) cannot be made by a user.
        let foreign = objects(try await store.read(schemaQuery))
            .filter { !allowed.contains($0) && !($0.type == "table" && $0.name.hasPrefix("sqlite_")) }
        guard foreign.isEmpty else {
            return "it holds schema objects Aragora never creates (\(foreign.map(\.description).sorted().prefix(5).joined(separator: ", "))), "
                + "or changed ones: only a file written by `aragora backup` can be restored"
        }
        // Every record and event decodes: a restore must not bring back something the API would answer with
        // invalid JSON.
        let ids = try await store.read("SELECT id FROM debates").compactMap { $0.column("id")?.string }
        for id in ids {
            do {
                _ = try await store.record(id: id)
                _ = try await store.events(id: id, since: 0, limit: 1_000_000)
            } catch {
                return "debate \(id) cannot be read: \(error)"
            }
        }
        return nil
    }
}
