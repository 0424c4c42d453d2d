import AragoraCore
import AragoraRedis
import AragoraStore
import Foundation
import Logging

/// The debate service, with no HTTP in it: the store, the event bus, the runner (queue, leases, resume), the agent
/// factory and the receipt key, and the two things every door does with them, starting and cancelling a debate.
/// `aragora ask`, `aragora serve` (behind its HTTP edge) and the other doors all use this one. What differs between
/// one instance and several sits behind protocols: `DebateStore` and `EventBus`.
public final class DebateService: Sendable {
    public let config: ServerConfiguration
    public let store: any DebateStore
    public let bus: any EventBus
    /// Shared by the instances when `REDIS_URL` is set.
    public let redis: RedisClient?
    public let runner: DebateRunner
    public let factory: AgentFactory
    public let signer: ReceiptSigner
    public let metrics: ServiceMetrics
    public let logger: Logger
    /// Wall-clock time in Unix seconds; tests inject their own.
    public let now: @Sendable () -> Double

    public init(config: ServerConfiguration, store: any DebateStore, bus: any EventBus = LocalEventBus(), redis: RedisClient? = nil,
                factory: AgentFactory, signer: ReceiptSigner, metrics: ServiceMetrics = ServiceMetrics(), logger: Logger,
                now: @escaping @Sendable () -> Double = Timestamp.now) {
        self.config = config
        self.store = store
        self.bus = bus
        self.redis = redis
        self.factory = factory
        self.signer = signer
        self.metrics = metrics
        self.logger = logger
        self.now = now
        // Every debate family from the start, at zero: a dashboard or alert on a fresh instance sees 0, not nothing.
        metrics.increment("aragora_debates_created_total", by: 0)
        for status in DebateStatus.allCases where status.isTerminal {
            metrics.increment("aragora_debates_finished_total", by: 0, labels: [("status", status.rawValue)])
        }
        metrics.setGauge("aragora_debates_active", 0)
        metrics.setGauge("aragora_debates_queued", 0)
        let runner = DebateRunner(store: store, bus: bus, factory: factory, signer: signer, config: config, metrics: metrics, logger: logger)
        self.runner = runner
        bus.onCancelAnnounced { [weak runner] id in _ = await runner?.cancel(id) }
    }

    /// Builds the service from its configuration: the receipt key, the store (`DATABASE_URL`, migrated), the bus.
    /// Pass `store` to use another one (tests inject an in-memory store). `factory` carries the LLM providers the
    /// caller registered (the command line does); without one, demo agents only.
    public static func make(configuration config: ServerConfiguration, store: (any DebateStore)? = nil, factory: AgentFactory? = nil,
                            metrics: ServiceMetrics = ServiceMetrics(), logger: Logger? = nil,
                            now: @escaping @Sendable () -> Double = Timestamp.now) async throws -> DebateService {
        let logger = logger ?? makeLogger(config)
        // First: a key that cannot be used stops the start before anything is opened.
        let signer = try ReceiptSigner.load(environmentKey: config.receiptKey, directory: config.dataDirectory)
        let opened: any DebateStore
        if let store { opened = store } else { opened = try await config.database.open(logger: logger) }
        let applied = try await opened.migrate()
        if !applied.isEmpty { logger.info("database migrated", metadata: ["versions": "\(applied)", "database": "\(config.database)"]) }
        let factory = factory ?? AgentFactory(demoLatency: .milliseconds(config.demoLatencyMS))
        let redis = config.redis.map { RedisClient(url: $0) }
        // Any store another instance may share gets the shared bus; an in-memory store is this process's alone.
        let bus: any EventBus = opened.backend == "memory" ? LocalEventBus()
            : SharedEventBus(store: opened, redis: redis, prefix: config.redisPrefix, logger: logger)
        return DebateService(config: config, store: opened, bus: bus, redis: redis, factory: factory, signer: signer,
                             metrics: metrics, logger: logger, now: now)
    }

    // MARK: - Debates

    /// Starts a debate: admission (queue bound), agents, engine, the stored record and its lease, the runner.
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

    // MARK: - Lifecycle

    /// At start: resumes the unfinished debates this instance may take (its own after a restart, and those of dead
    /// instances), and keeps taking over as leases expire.
    public func resumeUnfinished() async throws {
        let (resumed, failed) = try await runner.resumeUnfinished()
        if resumed + failed > 0 {
            logger.info("unfinished debates after restart", metadata: ["resumed": "\(resumed)", "failed": "\(failed)"])
        }
    }

    /// At shutdown: checkpoints running debates (the next start resumes them), hands on the events the bus holds,
    /// then closes the store and Redis.
    public func shutdown() async {
        await runner.shutdown()
        await bus.shutdown()
        try? await store.close()
        redis?.close()
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
