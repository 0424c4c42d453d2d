import AragoraCore
import AragoraDebates
import AragoraStore
import Foundation
import Logging
import Synchronization

/// The HTTP edge's state around the debate service: auth, client addresses, origins, rate limits, open connections,
/// readiness, the bound port and the served routes. Controllers and middlewares reach debates through `debates`.
public final class ServerContext: Sendable {
    public let debates: DebateService
    public var config: ServerConfiguration { debates.config }
    public var metrics: ServiceMetrics { debates.metrics }
    public var logger: Logger { debates.logger }
    public var now: @Sendable () -> Double { debates.now }
    public let rateLimits: any RateLimitStore
    let authenticator: TokenAuthenticator?
    let clientIP: ClientIPResolver
    let originPolicy: OriginPolicy
    let startedAt = ContinuousClock.now
    /// Readiness: true once storage is ready, false again when shutdown begins.
    let ready = Mutex(false)
    private let listeningPort = Mutex<Int?>(nil)
    /// The port the server listens on once it runs (the chosen one when configured with port 0).
    public var boundPort: Int? {
        get { listeningPort.withLock { $0 } }
        set { listeningPort.withLock { $0 = newValue } }
    }
    /// The routes the routers serve, filled in once by `buildApplication`.
    let routes = RouteRegistry()
    /// Open connections, bounded by `ARAGORA_MAX_CONNECTIONS`.
    let connections: ConnectionLimiter
    /// `/api/agents`' body between changes.
    let agentList = AgentListCache()

    public init(debates: DebateService, rateLimits: (any RateLimitStore)? = nil) {
        self.debates = debates
        let config = debates.config
        self.rateLimits = rateLimits ?? debates.redis.map {
            RedisRateLimitStore(client: $0, prefix: config.redisPrefix, timeout: .milliseconds(config.redisTimeoutMS), logger: debates.logger)
        } ?? LocalRateLimitStore()
        authenticator = config.apiToken.map(TokenAuthenticator.init(secret:))
        clientIP = ClientIPResolver(trusted: config.trustedProxies)
        originPolicy = OriginPolicy(config: config)
        connections = ConnectionLimiter(limit: config.maxConnections, metrics: debates.metrics)
        debates.metrics.addGauge("aragora_websocket_connections", 0)
    }

    /// The debate service from its configuration (`DebateService.make`), with the edge around it: what
    /// `aragora serve` runs and the tests start.
    public static func make(configuration config: ServerConfiguration, store: (any DebateStore)? = nil, factory: AgentFactory? = nil,
                            metrics: ServiceMetrics = ServiceMetrics(), logger: Logger? = nil,
                            now: @escaping @Sendable () -> Double = Timestamp.now) async throws -> ServerContext {
        ServerContext(debates: try await DebateService.make(configuration: config, store: store, factory: factory, metrics: metrics,
                                                            logger: logger, now: now))
    }

    /// Every route the routers serve, in OpenAPI form (`/api/debates/{id}`).
    public var servedRoutes: [(method: String, path: String)] { routes.served }

    var uptime: Double { (ContinuousClock.now - startedAt).seconds }
}
