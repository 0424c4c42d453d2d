import Logging

/// Where debates are stored, from `DATABASE_URL`: the one place a store is chosen and opened.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// The embedded default: one SQLite file.
    case sqlite(path: String)
    /// Nothing survives the process (`DATABASE_URL=memory:`): benchmarks and throwaway runs.
    case memory
    /// Shared by several instances (`postgres://` or `postgresql://`), directly or through a transaction pooler.
    case postgres(PostgresLocation)

    /// Reads `DATABASE_URL` (`sqlite:PATH`, `sqlite:///PATH`, `memory:`, `postgres://...`); nil URL means SQLite at
    /// `defaultSQLitePath`.
    public static func parse(_ url: String?, defaultSQLitePath: String, poolSize: Int = 10,
                             operationTimeout: Double = 10) throws(DatabaseURLError) -> DatabaseLocation {
        guard let url, !url.isEmpty else { return .sqlite(path: defaultSQLitePath) }
        if url == "memory:" || url == "memory://" { return .memory }
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw DatabaseURLError("DATABASE_URL=sqlite: needs a file path, e.g. sqlite:/var/lib/aragora/aragora.sqlite") }
            return .sqlite(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return .postgres(try PostgresLocation.parse(url, poolSize: poolSize, operationTimeout: operationTimeout))
        }
        throw DatabaseURLError("DATABASE_URL=\(Redaction.url(url)) is not understood: use sqlite:PATH, postgres://... or memory:")
    }

    public var backend: String {
        switch self {
        case .sqlite: return "sqlite"
        case .memory: return "memory"
        case .postgres: return "postgres"
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite \(path)"
        case .memory: return "memory"
        case .postgres(let location): return location.description
        }
    }

    /// Opens the store (creating the file if needed); does not migrate.
    public func open(logger: Logger) async throws -> any DebateStore {
        switch self {
        case .sqlite(let path): return try await SQLiteDebateStore.open(path: path, logger: logger)
        case .memory: return MemoryDebateStore()
        case .postgres(let location): return try PostgresDebateStore(location: location, logger: logger)
        }
    }
}

public struct DatabaseURLError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Hides credentials in URLs before they reach a log line or an error message.
public enum Redaction {
    public static func url(_ s: String) -> String {
        guard let at = s.lastIndex(of: "@"), let scheme = s.range(of: "://") else { return s }
        return String(s[..<scheme.upperBound]) + "***" + String(s[at...])
    }
}
