import AragoraCore
import AragoraRedis
import AragoraStore
import Foundation
import Logging
import Synchronization

/// Everything a request handler or command needs, built once and passed down explicitly. What differs
/// between one instance and several sits behind protocols: `DebateStore`, `EventBus`, `RateLimitStore`.
public final class AragoraService: Sendable {
    public let config: ServerConfiguration
    public let store: any DebateStore
    public let bus: any EventBus
    public let rateLimits: any RateLimitStore
    /// Shared by the instances when `REDIS_URL` is set.
    public let redis: RedisClient?
    public let runner: DebateRunner
    public let factory: AgentFactory
    public let signer: ReceiptSigner
    public let metrics: ServiceMetrics
    public let logger: Logger
    let authenticator: TokenAuthenticator?
    let clientIP: ClientIPResolver
    let originPolicy: OriginPolicy
    let startedAt = ContinuousClock.now
    /// Wall-clock time in Unix seconds (rate limits); tests inject their own.
    public let now: @Sendable () -> Double
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

    public init(config: ServerConfiguration, store: any DebateStore, bus: any EventBus = LocalEventBus(),
                rateLimits: (any RateLimitStore)? = nil, redis: RedisClient? = nil, factory: AgentFactory, signer: ReceiptSigner,
                metrics: ServiceMetrics = ServiceMetrics(), logger: Logger, now: @escaping @Sendable () -> Double = Timestamp.now) {
        self.now = now
        self.config = config
        self.store = store
        self.bus = bus
        self.redis = redis
        self.rateLimits = rateLimits ?? redis.map { RedisRateLimitStore(client: $0, prefix: config.redisPrefix,
                                                                                            timeout: .milliseconds(config.redisTimeoutMS), logger: logger) } ?? LocalRateLimitStore()
        self.factory = factory
        self.signer = signer
        self.logger = logger
        self.metrics = metrics
        authenticator = config.apiToken.map(TokenAuthenticator.init(secret:))
        clientIP = ClientIPResolver(trusted: config.trustedProxies)
        originPolicy = OriginPolicy(config: config)
        connections = ConnectionLimiter(limit: config.maxConnections, metrics: metrics)
        // Every debate family from the start, at zero: a dashboard or alert on a fresh instance sees 0, not nothing.
        metrics.increment("aragora_debates_created_total", by: 0)
        for status in DebateStatus.allCases where status.isTerminal {
            metrics.increment("aragora_debates_finished_total", by: 0, labels: [("status", status.rawValue)])
        }
        metrics.setGauge("aragora_debates_active", 0)
        metrics.setGauge("aragora_debates_queued", 0)
        metrics.addGauge("aragora_websocket_connections", 0)
        let runner = DebateRunner(store: store, bus: bus, factory: factory, signer: signer, config: config, metrics: metrics, logger: logger)
        self.runner = runner
        bus.onCancelAnnounced { [weak runner] id in _ = await runner?.cancel(id) }
    }

    /// Every route the routers serve, in OpenAPI form (`/api/debates/{id}`).
    public var servedRoutes: [(method: String, path: String)] { routes.served }

    var uptime: Double { (ContinuousClock.now - startedAt).seconds }

    // MARK: - Debates

    /// Starts a debate: admission (queue bound), agents, engine, the stored record and its lease, the runner.
    /// The HTTP API and `aragora ask` both start debates through here.
    public func startDebate(_ input: DebateInput) async throws(StartDebateError) -> DebateRecord {
        if runner.stats.queued >= config.maxQueuedDebates { throw .overloaded(queueLimit: config.maxQueuedDebates) }
        let engine: DebateEngine
        do { engine = try runner.engine(for: input) } catch {
            throw .agentUnavailable(error.description, available: factory.availableProviders)
        }
        // The key is the service's: a client's own `metadata.budget_limit_usd` would be applied after a takeover.
        var metadata = input.metadata
        metadata["budget_limit_usd"] = input.budgetLimitUSD.map { .double($0) }
        let record = engine.newRecord(id: DebateID.make(), question: input.question, context: input.context, metadata: metadata)
        let lease: DebateLease
        let createdAt = ContinuousClock.now
        do { lease = try await store.create(record, owner: config.instanceID, leaseSeconds: config.leaseSeconds) } catch {
            throw .store(error)
        }
        await runner.submit(record, engine: engine, lease: lease, createdAt: createdAt)
        metrics.increment("aragora_debates_created_total")
        return record
    }

    /// Cancels a debate wherever it runs: at once when it runs here, else through the store, where its owner
    /// sees the request at its next lease renewal (a third of `ARAGORA_LEASE_TTL` at most), and, with Redis, an
    /// announcement that reaches the owner at once.
    public func cancelDebate(_ id: String) async throws -> CancelRequest {
        if await runner.cancel(id) { return .requested }
        let request = try await store.requestCancel(id: id)
        if request == .requested { bus.announceCancel(id) }
        return request
    }
}

public enum StartDebateError: Error, CustomStringConvertible {
    case overloaded(queueLimit: Int)
    case agentUnavailable(String, available: [String])
    case store(any Error)

    public var description: String {
        switch self {
        case .overloaded(let limit): return "too many debates waiting (\(limit), ARAGORA_MAX_QUEUED_DEBATES): retry shortly"
        case .agentUnavailable(let why, _): return why
        case .store(let error): return "cannot store the debate: \(error)"
        }
    }
}
