import AragoraCore
import AragoraStore
import Foundation

/// Everything the service reads from its environment, validated once at startup.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var environment = "development"
    public var dataDirectory: URL
    public var databaseURL: String?
    public var redisURL: String?
    public var apiToken: String?
    public var tokenTTL = 3600
    public var metricsToken: String?
    public var maxConcurrentDebates = 16
    /// Debates waiting for a slot; beyond this, creation answers 503 so the queue (and memory) stays bounded.
    public var maxQueuedDebates = 5000
    public var debateTimeout: Double = 900
    public var callTimeout: Double = 120
    public var maxRounds = 12
    public var defaultRounds = 3
    public var defaultAgents: String?
    public var ipRateLimit = 30.0
    public var tokenRateLimit = 120.0
    public var createRateLimit = 10.0
    public var burstMultiplier = 2.0
    public var rateLimitsDisabled = false
    public var trustedProxies: [String] = ["127.0.0.1", "::1"]
    public var maxRequestSize = 1 << 20
    public var logJSON = false
    public var logLevel = "info"
    public var demoLatencyMS = 0
    public var receiptKey: String?
    public var instanceID: String

    public var isProduction: Bool { environment.lowercased() == "production" }
    public var authEnabled: Bool { apiToken != nil }
    public var sqlitePath: String

    /// Reads the configuration; throws a message naming the variable for any invalid value.
    public init(environment env: [String: String]) throws {
        func value(_ key: String) -> String? {
            guard let v = env[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = value(key) else { return nil }
            guard let n = Int(v), range.contains(n) else {
                throw ConfigurationError("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(v)'")
            }
            return n
        }
        func double(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let v = value(key) else { return nil }
            guard let n = Double(v), range.contains(n) else {
                throw ConfigurationError("\(key) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(v)'")
            }
            return n
        }
        func flag(_ key: String) -> Bool {
            ["1", "true", "yes", "on"].contains(value(key)?.lowercased() ?? "")
        }
        host = value("ARAGORA_HOST") ?? host
        port = try int("ARAGORA_PORT", 0...65535) ?? port
        environment = value("ARAGORA_ENV") ?? environment
        dataDirectory = DataDirectory.url(environment: env)
        databaseURL = value("DATABASE_URL")
        redisURL = value("REDIS_URL")
        apiToken = value("ARAGORA_API_TOKEN")
        tokenTTL = try int("ARAGORA_TOKEN_TTL", 1...31_536_000) ?? tokenTTL
        metricsToken = value("ARAGORA_METRICS_TOKEN")
        maxConcurrentDebates = try int("ARAGORA_MAX_CONCURRENT_DEBATES", 1...10_000) ?? maxConcurrentDebates
        maxQueuedDebates = try int("ARAGORA_MAX_QUEUED_DEBATES", 0...1_000_000) ?? maxQueuedDebates
        debateTimeout = try double("ARAGORA_DEBATE_TIMEOUT", 1...86_400) ?? debateTimeout
        callTimeout = try double("ARAGORA_AGENT_TIMEOUT", 1...3600) ?? callTimeout
        maxRounds = try int("ARAGORA_MAX_ROUNDS", 1...100) ?? maxRounds
        defaultRounds = try int("ARAGORA_DEFAULT_ROUNDS", 1...100) ?? defaultRounds
        defaultAgents = value("ARAGORA_DEFAULT_AGENTS")
        ipRateLimit = try double("ARAGORA_IP_RATE_LIMIT", 0.001...1_000_000) ?? ipRateLimit
        tokenRateLimit = try double("ARAGORA_RATE_LIMIT", 0.001...1_000_000) ?? tokenRateLimit
        createRateLimit = try double("ARAGORA_CREATE_RATE_LIMIT", 0.001...1_000_000) ?? createRateLimit
        burstMultiplier = try double("ARAGORA_BURST_MULTIPLIER", 0.001...1000) ?? burstMultiplier
        rateLimitsDisabled = flag("ARAGORA_DISABLE_ALL_RATE_LIMITS")
        if let proxies = value("ARAGORA_TRUSTED_PROXIES") {
            trustedProxies = proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        maxRequestSize = try int("ARAGORA_MAX_REQUEST_SIZE", 1024...(1 << 30)) ?? maxRequestSize
        logJSON = value("ARAGORA_LOG_FORMAT")?.lowercased() == "json"
        logLevel = value("ARAGORA_LOG_LEVEL")?.lowercased() ?? logLevel
        demoLatencyMS = try int("ARAGORA_DEMO_LATENCY_MS", 0...600_000) ?? 0
        receiptKey = value("ARAGORA_RECEIPT_KEY")
        instanceID = value("ARAGORA_INSTANCE_ID") ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        sqlitePath = SQLiteDebateStore.defaultPath(environment: env)

        guard defaultRounds <= maxRounds else {
            throw ConfigurationError("ARAGORA_DEFAULT_ROUNDS (\(defaultRounds)) exceeds ARAGORA_MAX_ROUNDS (\(maxRounds))")
        }
        if isProduction && apiToken == nil {
            throw ConfigurationError("ARAGORA_ENV=production requires ARAGORA_API_TOKEN: refusing to start without authentication")
        }
        if let url = databaseURL, !url.hasPrefix("sqlite:") {
            throw ConfigurationError("DATABASE_URL=\(Redaction.url(url)): only SQLite is supported by this build (PostgreSQL support is not implemented yet)")
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Hides credentials in URLs before they reach a log line or an error message.
enum Redaction {
    static func url(_ s: String) -> String {
        guard let at = s.lastIndex(of: "@"), let scheme = s.range(of: "://") else { return s }
        return String(s[..<scheme.upperBound]) + "***" + String(s[at...])
    }
}
