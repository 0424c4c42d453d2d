import AragoraCore
import AragoraRedis
import AragoraStore
import Foundation

/// Everything Aragora reads from its environment, validated once: used by `aragora serve`, `aragora ask`,
/// `aragora db` and `aragora token` alike.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var environment = "development"
    public var dataDirectory: URL
    /// Where debates are stored (`DATABASE_URL`; default SQLite in the data directory).
    public var database: DatabaseLocation
    public var redisURL: String?
    /// Redis, parsed from `REDIS_URL` with `ARAGORA_REDIS_CA_FILE`: shared rate limits and health.
    public var redis: RedisURL?
    /// Prefix of every Redis key and channel (`ARAGORA_REDIS_PREFIX`), so deployments may share one Redis.
    public var redisPrefix = "aragora:"
    /// How long a request waits for Redis (`ARAGORA_REDIS_TIMEOUT_MS`) before using this instance's own buckets; a
    /// Redis that does not answer is then left alone for a cool-down (1 s, doubling to 15 s).
    public var redisTimeoutMS = 100
    public var apiToken: String?
    public var tokenTTL = 3600
    public var metricsToken: String?
    /// The service's address as clients reach it (`ARAGORA_PUBLIC_URL`, e.g. `https://api.example.com`): the base
    /// of the `websocket_url` handed to clients.
    public var publicURL: URL?
    /// Host names the server answers to besides localhost, the bound host and the public URL's host
    /// (`ARAGORA_ALLOWED_HOSTS`, comma-separated; `*` for any): other names answer 421 (DNS rebinding).
    public var allowedHosts: [String] = []
    public var maxConcurrentDebates = 16
    /// Debates waiting for a slot; beyond this, creation answers 503 so the queue (and memory) stays bounded.
    public var maxQueuedDebates = 5000
    /// How long a creation refused for overload waits before its 503 (`ARAGORA_OVERLOAD_DELAY_MS`): a client
    /// retrying in a tight loop then sends a few requests a second instead of thousands, and the debates already
    /// accepted keep the CPU. The wait costs a sleeping task, no CPU.
    public var overloadDelayMS = 200
    public var debateTimeout: Double = 900
    public var callTimeout: Double = 120
    public var maxRounds = DebateLimits.defaultMaxRounds
    public var defaultRounds = DebateLimits.defaultRounds
    public var defaultAgents: String?
    public var ipRateLimit = 30.0
    public var tokenRateLimit = 120.0
    public var createRateLimit = 10.0
    public var burstMultiplier = 2.0
    public var rateLimitsDisabled = false
    public var trustedProxies: [String] = ["127.0.0.1", "::1"]
    public var maxRequestSize = 1 << 20
    /// Seconds a connection may sit without a request (keep-alive, or a request head that never arrives) before
    /// it is closed (`ARAGORA_IDLE_TIMEOUT`).
    public var idleTimeout: Double = 60
    /// Seconds between SIGTERM and the shutdown during which `/readyz` says not ready but requests are still
    /// served (`ARAGORA_DRAIN_SECONDS`; default 0, or 5 with `ARAGORA_ENV=production`, where a load balancer
    /// needs that long to notice).
    public var drainSeconds: Double = 0
    /// Open connections at most (`ARAGORA_MAX_CONNECTIONS`); beyond it the oldest silent or idle connection
    /// makes room, or the new one is refused. Default 10,000, less when the descriptor limit is lower.
    public var maxConnections: Int
    public var logJSON = false
    public var logLevel = "info"
    public var demoLatencyMS = 0
    /// Named panels (`ARAGORA_PANELS_FILE`): the OpenAI-compatible endpoint's models `aragora/<name>`.
    public var panels: [String: NamedPanel] = [:]
    public var receiptKey: String?
    /// The most any one debate may spend, USD (`ARAGORA_MAX_DEBATE_COST_USD`); nil: no server-wide cap.
    public var maxDebateCostUSD: Double?
    /// Names this instance in health checks, logs, the active list and the records of the debates it runs, and
    /// owns their leases. The default, `hostname-pid`, is unique per process; a stable name set per instance lets a
    /// restarted instance take its unfinished debates back at once instead of after their leases expire.
    public var instanceID: String
    /// Seconds a debate's lease lasts without renewal: how long before another instance takes over the
    /// debates of one that died (`ARAGORA_LEASE_TTL`).
    public var leaseSeconds: Double = 30
    /// What one WebSocket may make the server do (`ARAGORA_WS_*`).
    public var webSocket = WebSocketLimits()

    public var isProduction: Bool { environment.lowercased() == "production" }
    public var authEnabled: Bool { apiToken != nil }

    /// Reads the configuration; throws a message naming the variable for any invalid value.
    public init(environment env: [String: String]) throws {
        // One reader for every variable (`EnvironmentReader`): one boolean dialect, one error message form.
        let reader = EnvironmentReader(env)
        func value(_ key: String) -> String? { reader.string(key) }
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            do { return try reader.int(key, range) } catch { throw ConfigurationError(error.description) }
        }
        func double(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            do { return try reader.double(key, range) } catch { throw ConfigurationError(error.description) }
        }
        func flag(_ key: String) throws -> Bool {
            do { return try reader.bool(key) ?? false } catch { throw ConfigurationError(error.description) }
        }
        host = value("ARAGORA_HOST") ?? host
        port = try int("ARAGORA_PORT", 0...65535) ?? port
        environment = value("ARAGORA_ENV") ?? environment
        dataDirectory = DataDirectory.url(environment: env)
        let poolSize = try int("ARAGORA_DB_POOL_SIZE", 1...1000) ?? 10
        let databaseTimeout = try double("ARAGORA_DB_TIMEOUT", 0.1...3600) ?? 10
        do {
            database = try DatabaseLocation.parse(value("DATABASE_URL"),
                                                  defaultSQLitePath: dataDirectory.appendingPathComponent("aragora.sqlite").path,
                                                  poolSize: poolSize, operationTimeout: databaseTimeout)
        } catch { throw ConfigurationError(error.description) }
        redisURL = value("REDIS_URL")
        redisPrefix = value("ARAGORA_REDIS_PREFIX") ?? redisPrefix
        redisTimeoutMS = try int("ARAGORA_REDIS_TIMEOUT_MS", 1...10_000) ?? redisTimeoutMS
        if let raw = redisURL {
            do { redis = try RedisURL(raw, caFile: value("ARAGORA_REDIS_CA_FILE")) } catch {
                throw ConfigurationError("REDIS_URL=\(Redaction.url(raw)): \(error.message)")
            }
        }
        apiToken = value("ARAGORA_API_TOKEN")
        tokenTTL = try int("ARAGORA_TOKEN_TTL", 1...31_536_000) ?? tokenTTL
        drainSeconds = try double("ARAGORA_DRAIN_SECONDS", 0...300) ?? ((value("ARAGORA_ENV") ?? "").lowercased() == "production" ? 5 : 0)
        metricsToken = value("ARAGORA_METRICS_TOKEN")
        if let raw = value("ARAGORA_PUBLIC_URL") {
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ConfigurationError("ARAGORA_PUBLIC_URL must be an http:// or https:// URL, got '\(raw)'")
            }
            publicURL = url
        }
        allowedHosts = value("ARAGORA_ALLOWED_HOSTS")?.split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
        maxConcurrentDebates = try int("ARAGORA_MAX_CONCURRENT_DEBATES", 1...10_000) ?? maxConcurrentDebates
        maxQueuedDebates = try int("ARAGORA_MAX_QUEUED_DEBATES", 0...1_000_000) ?? maxQueuedDebates
        overloadDelayMS = try int("ARAGORA_OVERLOAD_DELAY_MS", 0...10_000) ?? overloadDelayMS
        debateTimeout = try double("ARAGORA_DEBATE_TIMEOUT", 1...86_400) ?? debateTimeout
        callTimeout = try double("ARAGORA_AGENT_TIMEOUT", 1...3600) ?? callTimeout
        maxRounds = try int("ARAGORA_MAX_ROUNDS", 1...DebateLimits.roundsCeiling) ?? maxRounds
        defaultRounds = try int("ARAGORA_DEFAULT_ROUNDS", 1...DebateLimits.roundsCeiling) ?? defaultRounds
        defaultAgents = value("ARAGORA_DEFAULT_AGENTS")
        ipRateLimit = try double("ARAGORA_IP_RATE_LIMIT", 0.001...1_000_000) ?? ipRateLimit
        tokenRateLimit = try double("ARAGORA_RATE_LIMIT", 0.001...1_000_000) ?? tokenRateLimit
        createRateLimit = try double("ARAGORA_CREATE_RATE_LIMIT", 0.001...1_000_000) ?? createRateLimit
        burstMultiplier = try double("ARAGORA_BURST_MULTIPLIER", 0.001...1000) ?? burstMultiplier
        rateLimitsDisabled = try flag("ARAGORA_DISABLE_ALL_RATE_LIMITS")
        if let proxies = value("ARAGORA_TRUSTED_PROXIES") {
            trustedProxies = proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        maxRequestSize = try int("ARAGORA_MAX_REQUEST_SIZE", 1024...(1 << 30)) ?? maxRequestSize
        idleTimeout = try double("ARAGORA_IDLE_TIMEOUT", 0.1...86_400) ?? idleTimeout
        maxConnections = try int("ARAGORA_MAX_CONNECTIONS", 1...1_000_000) ?? DescriptorLimit.defaultMaxConnections
        logJSON = value("ARAGORA_LOG_FORMAT")?.lowercased() == "json"
        logLevel = value("ARAGORA_LOG_LEVEL")?.lowercased() ?? logLevel
        demoLatencyMS = try int("ARAGORA_DEMO_LATENCY_MS", 0...600_000) ?? 0
        receiptKey = value("ARAGORA_RECEIPT_KEY")
        maxDebateCostUSD = try double("ARAGORA_MAX_DEBATE_COST_USD", 0...1_000_000)
        instanceID = value("ARAGORA_INSTANCE_ID") ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        leaseSeconds = try double("ARAGORA_LEASE_TTL", 2...3600) ?? leaseSeconds
        webSocket.messagesPerSecond = try double("ARAGORA_WS_MESSAGE_RATE", 0.1...10_000) ?? webSocket.messagesPerSecond
        webSocket.messageBurst = try int("ARAGORA_WS_MESSAGE_BURST", 1...100_000) ?? webSocket.messageBurst
        webSocket.maxReplayBytes = try int("ARAGORA_WS_MAX_REPLAY_BYTES", 1024...(1 << 34)) ?? webSocket.maxReplayBytes

        if let file = value("ARAGORA_PANELS_FILE") { panels = try NamedPanels.load(file, maxRounds: maxRounds) }

        guard defaultRounds <= maxRounds else {
            throw ConfigurationError("ARAGORA_DEFAULT_ROUNDS (\(defaultRounds)) exceeds ARAGORA_MAX_ROUNDS (\(maxRounds))")
        }
        if isProduction && apiToken == nil {
            throw ConfigurationError("ARAGORA_ENV=production requires ARAGORA_API_TOKEN: refusing to start without authentication")
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// What one WebSocket connection may make the server do. Every subscribe costs store reads and a replay costs
/// the debate's whole history, so a client holding one scoped token could otherwise keep the server busy for minutes
/// with a megabyte of subscribe/unsubscribe pairs. Exceeding a limit closes the socket with 1008.
public struct WebSocketLimits: Sendable {
    /// Inbound messages per second, sustained (`ARAGORA_WS_MESSAGE_RATE`).
    public var messagesPerSecond = 10.0
    /// Inbound messages that may arrive at once above the sustained rate (`ARAGORA_WS_MESSAGE_BURST`).
    public var messageBurst = 60
    /// Bytes of history one connection may be sent as replays over its lifetime (`ARAGORA_WS_MAX_REPLAY_BYTES`).
    public var maxReplayBytes = 64 << 20

    public init() {}
}
