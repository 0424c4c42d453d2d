import Foundation
import Logging

/// `aragora backup` / `aragora restore`: SQLite by an online copy of the file; PostgreSQL through `pg_dump` and
/// `pg_restore` (custom format), the password handed over in the environment, never on a command line.
public enum DatabaseBackup {
    /// Writes a backup of `location` to `file` (which must not exist yet); says what it wrote.
    /// The backup is written to a new hidden file beside `file`, then linked into place: `link(2)` fails if
    /// anything exists at `file`, a dangling symlink included, so nothing is ever written through one or over
    /// an existing file. `file` is taken as a path, never as a `file:` URI.
    public static func backup(_ location: DatabaseLocation, to file: String, logger: Logger) async throws -> String {
        let target = URL(fileURLWithPath: file).standardizedFileURL.path
        guard !exists(target) else { throw BackupError("\(file) exists already (or is a link): choose a new file name") }
        let partial = URL(fileURLWithPath: target).deletingLastPathComponent()
            .appendingPathComponent(".\(URL(fileURLWithPath: target).lastPathComponent).partial-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let summary: String
        switch location {
        case .memory:
            throw BackupError("DATABASE_URL=memory: keeps nothing to back up")
        case .sqlite(let path):
            let store = try await SQLiteDebateStore.open(path: path, logger: logger)
            do {
                try await store.backup(to: partial)
                let total = try await store.list(limit: 1, offset: 0, status: nil).total
                try await store.close()
                summary = "backed up \(total) debates from sqlite \(path) to \(file)"
            } catch {
                try? await store.close()
                throw BackupError("backup of \(path) failed: \(error)")
            }
        case .postgres(let pg):
            try run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", partial] + connection(pg), pg)
            summary = "backed up \(pg.description) to \(file) with pg_dump"
        }
        guard link(partial, target) == 0 else {
            let why = errno == EEXIST ? "it appeared while the backup ran" : String(cString: strerror(errno))
            throw BackupError("cannot create \(file): \(why)")
        }
        return summary + " (\(size(target)))"
    }

    /// Whether anything is at `path`, without following a final symlink.
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Replaces the database's content with the backup's. Stop the service first: a running instance would keep
    /// writing to what it has open.
    public static func restore(_ location: DatabaseLocation, from file: String, logger: Logger) async throws -> String {
        guard FileManager.default.isReadableFile(atPath: file) else { throw BackupError("cannot read \(file)") }
        switch location {
        case .memory:
            throw BackupError("DATABASE_URL=memory: cannot be restored into")
        case .sqlite(let path):
            // Check the backup on a copy next to the database, then put it in place in one rename.
            let staged = path + ".restoring"
            for f in [staged, staged + "-wal", staged + "-shm"] { try? FileManager.default.removeItem(atPath: f) }
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: file, toPath: staged)
            let total: Int
            do {
                let store = try await SQLiteDebateStore.open(path: staged, logger: logger)
                do {
                    let state = try await store.migrationState()
                    guard !state.applied.isEmpty else { throw BackupError("\(file) is not an Aragora database (no schema)") }
                    if let problem = try await SQLiteBackupCheck.problem(with: store, logger: logger) {
                        throw BackupError("\(file) was not restored: \(problem)")
                    }
                    total = try await store.list(limit: 1, offset: 0, status: nil).total
                } catch {
                    try? await store.close()
                    throw error
                }
                try await store.close()
            } catch {
                for f in [staged, staged + "-wal", staged + "-shm"] { try? FileManager.default.removeItem(atPath: f) }
                throw error is BackupError ? error : BackupError("\(file) was not restored: it is not a usable SQLite backup: \(error)")
            }
            for f in [staged + "-wal", staged + "-shm", path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: f) }
            guard rename(staged, path) == 0 else { throw BackupError("cannot move the restored database into \(path): errno \(errno)") }
            return "restored \(total) debates from \(file) into sqlite \(path)"
        case .postgres(let pg):
            try run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
                    + connection(pg) + [file], pg)
            return "restored \(file) into \(pg.description) with pg_restore"
        }
    }

    static func connection(_ pg: PostgresLocation) -> [String] {
        ["--host", pg.host, "--port", String(pg.port), "--username", pg.user, "--dbname", pg.database]
    }

    /// Runs a PostgreSQL client tool found on PATH or in Debian's /usr/lib/postgresql/*/bin.
    static func run(_ tool: String, _ arguments: [String], _ pg: PostgresLocation) throws {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init)
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin" } ?? [])
        guard let path = dirs.map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BackupError("\(tool) not found: install the PostgreSQL client tools (apt-get install postgresql-client)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = pg.password
        env["PGSSLMODE"] = pg.sslMode.rawValue
        if let cert = pg.sslRootCert { env["PGSSLROOTCERT"] = cert }
        env["PGCONNECT_TIMEOUT"] = "10"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BackupError("\(tool) failed (exit \(p.terminationStatus)): \(message.split(separator: "\n").prefix(3).joined(separator: "; "))")
        }
    }

    static func size(_ file: String) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        return bytes > 1_048_576 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : "\(bytes / 1024) KB"
    }
}

public struct BackupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
