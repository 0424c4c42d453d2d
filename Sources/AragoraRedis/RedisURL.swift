import Foundation

/// Where Redis is: `redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]`, or `rediss://` for TLS (Upstash's form is
/// `rediss://default:PASSWORD@HOST:PORT`). A CA file adds a private authority to the system roots; the
/// certificate is always verified.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var database: Int
    public var tls: Bool
    public var caFile: String?

    public init(_ url: String, caFile: String? = nil) throws(RedisError) {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), ["redis", "rediss"].contains(scheme),
              var host = c.host, !host.isEmpty else {
            throw RedisError("REDIS_URL must be redis://[user:password@]host[:port][/db] or rediss://...")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        port = c.port ?? 6379
        tls = scheme == "rediss"
        user = c.percentEncodedUser?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        password = c.percentEncodedPassword?.removingPercentEncoding
        let path = c.path.drop { $0 == "/" }
        guard path.isEmpty || Int(path) != nil, let db = path.isEmpty ? 0 : Int(path), db >= 0 else {
            throw RedisError("REDIS_URL: the path must be a database index, e.g. /0")
        }
        database = db
        if caFile != nil && !tls { throw RedisError("ARAGORA_REDIS_CA_FILE is set but REDIS_URL is not rediss://") }
        self.caFile = caFile
    }

    /// For logs and health: no password.
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "rediss" : "redis")://\(user.map { $0 + "@" } ?? "")\(h):\(port)/\(database)"
    }
}
