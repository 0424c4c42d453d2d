import Foundation

/// A PostgreSQL `DATABASE_URL`: `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=...&sslrootcert=...`.
/// HOST may be an IPv6 literal in brackets (`[::1]`); USER and PASSWORD are percent-decoded.
public struct PostgresLocation: Sendable, Equatable {
    public enum SSLMode: String, Sendable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, unverified (libpq's default).
        case prefer
        /// TLS required, the certificate not verified (libpq's meaning of `require`).
        case require
        /// TLS required, the certificate verified against `sslrootcert` (or the system roots) and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var sslRootCert: String?
    /// Connections in the pool (`ARAGORA_DB_POOL_SIZE`).
    public var poolSize: Int
    /// Seconds an operation may take, waiting for a connection included (`ARAGORA_DB_TIMEOUT`).
    public var operationTimeout: Double

    public static func parse(_ url: String, poolSize: Int = 10, operationTimeout: Double = 10) throws(DatabaseURLError) -> PostgresLocation {
        let shown = Redaction.url(url)
        guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme?.lowercased() ?? ""),
              var host = c.host, !host.isEmpty else {
            throw DatabaseURLError("DATABASE_URL=\(shown) is not a valid postgres://USER:PASSWORD@HOST:PORT/DATABASE URL")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let user = c.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw DatabaseURLError("DATABASE_URL=\(shown) names no user")
        }
        let database = String(c.path.drop { $0 == "/" })
        var location = PostgresLocation(
            host: host, port: c.port ?? 5432, user: user, password: c.percentEncodedPassword?.removingPercentEncoding,
            database: database.isEmpty ? user : database, sslMode: .prefer, sslRootCert: nil, poolSize: poolSize,
            operationTimeout: operationTimeout)
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: item.value ?? "") else {
                    throw DatabaseURLError("DATABASE_URL=\(shown): sslmode must be disable, prefer, require or verify-full")
                }
                location.sslMode = mode
            case "sslrootcert":
                location.sslRootCert = item.value
            default:
                throw DatabaseURLError("DATABASE_URL=\(shown): unknown parameter \(item.name) (known: sslmode, sslrootcert)")
            }
        }
        if location.sslRootCert != nil && location.sslMode != .verifyFull {
            throw DatabaseURLError("DATABASE_URL=\(shown): sslrootcert needs sslmode=verify-full")
        }
        return location
    }

    /// For logs and health: no password.
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "postgres \(user)@\(h):\(port)/\(database) sslmode=\(sslMode.rawValue)"
    }
}
