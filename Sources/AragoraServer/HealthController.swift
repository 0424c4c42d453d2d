import AragoraCore
import AragoraDebates
import AragoraStore
import Foundation
import Hummingbird
import Synchronization

/// `/api/health` (CONTRACT §3), `/healthz` (liveness), `/readyz` (readiness).
struct HealthController {
    let service: ServerContext
    /// Health calls arriving while a check is running share its result instead of each querying the database and
    /// Redis (a result at most one query old: still a live check, not a cached one; see docs/benchmarks.md). One
    /// shared check runs both, so a call awaits one task rather than starting two child tasks of its own.
    let checks = SharedCheck<Checked>()
    /// The parts of `/api/health` fixed at start (the providers configured, whether auth is on): written once.
    let providers: [UInt8], auth: [UInt8]
    /// `/healthz`'s body never changes: encoded once.
    static let alive = (try? JSONByteEncoder().encode(ProbeResponse(status: "ok"))) ?? []

    init(service: ServerContext) {
        self.service = service
        providers = JSONValue.object(["healthy": true, "available": JSONValue(service.debates.factory.availableProviders)]).bytes()
        auth = JSONValue.object(["enabled": .bool(service.config.authEnabled)]).bytes()
    }

    func register(on router: Router<AppRequestContext>) {
        router.api(.get, "/health") { _, _ in await health() }
        router.get("/healthz") { _, _ in JSONResponse.bytes(Self.alive) }
        router.get("/readyz") { _, _ in try await readiness() }
    }

    /// The same handlers by exact path, for `RequestLogMiddleware` to answer GETs before the router.
    var probes: [String: @Sendable () async throws -> Response] {
        [
            "/api/health": health, "/api/v1/health": health,
            "/healthz": { JSONResponse.bytes(Self.alive) }, "/readyz": readiness,
        ]
    }

    func health() async -> Response {
        let checked = await checks.run {
            // Without Redis there is one check to run: no child tasks for it.
            guard service.debates.redis != nil else { return Checked(database: await databaseCheck(), redis: await redisCheck()) }
            async let database = databaseCheck()
            async let redis = redisCheck()
            return Checked(database: await database, redis: await redis)
        }
        let status = !checked.databaseHealthy ? "unhealthy" : (checked.redisHealthy ? "healthy" : "degraded")
        let stats = service.debates.runner.stats
        var body = JSONObjectWriter(capacity: 640)
        body.add("status", string: status)
        body.add("version", string: AragoraVersion.current)
        body.add("instance_id", string: service.config.instanceID)
        body.add("uptime_seconds", double: (service.uptime * 1000).rounded() / 1000)
        body.add("timestamp", string: Timestamp.iso8601(Timestamp.now()))
        body.add("checks") { checks in
            checks.add("database", json: checked.database)
            checks.add("redis", json: checked.redis)
            checks.add("providers", json: providers)
            checks.add("debates") { d in
                d.add("healthy", bool: true)
                d.add("active", int: stats.active)
                d.add("queued", int: stats.queued)
                d.add("max_concurrent", int: service.config.maxConcurrentDebates)
            }
            checks.add("auth", json: auth)
        }
        return JSONResponse.bytes(body.finished(), status: status == "healthy" ? .ok : .serviceUnavailable)
    }

    /// Ready when serving and the store can be read and written; else 503 with the reason.
    func readiness() async throws -> Response {
        guard service.ready.withLock({ $0 }) else {
            return try JSONResponse.encode(ProbeResponse(status: "not_ready", reason: "starting or shutting down"), status: .serviceUnavailable)
        }
        do { try await service.debates.store.ping() } catch {
            return try JSONResponse.encode(ProbeResponse(status: "not_ready", reason: Self.describe(error)), status: .serviceUnavailable)
        }
        return try JSONResponse.encode(ProbeResponse(status: "ready"))
    }

    /// What failed, without internals: store errors say what is wrong with the storage; anything else only its kind.
    static func describe(_ error: any Error) -> String {
        if let e = error as? StoreError { return e.description }
        return "database unreachable: \(type(of: error))"
    }

    func databaseCheck() async -> JSONValue {
        let start = ContinuousClock.now
        do {
            try await service.debates.store.ping()
            let check: [String: JSONValue] = ["healthy": true, "backend": .string(service.debates.store.backend), "latency_ms": .double(Self.ms(since: start))]
            return .object(check.merging(service.debates.store.healthDetails) { a, _ in a })
        } catch {
            let check: [String: JSONValue] = ["healthy": false, "backend": .string(service.debates.store.backend),
                                              "latency_ms": .double(Self.ms(since: start)), "error": .string(Self.describe(error))]
            return .object(check.merging(service.debates.store.healthDetails) { a, _ in a })
        }
    }

    /// A PING with its latency; Redis down or refusing the password makes the service `degraded`, not down.
    func redisCheck() async -> JSONValue {
        guard let redis = service.debates.redis else {
            return ["healthy": true, "configured": false, "latency_ms": .null]
        }
        let start = ContinuousClock.now
        do {
            _ = try await redis.ping()
            return ["healthy": true, "configured": true, "url": .string(redis.url.description), "latency_ms": .double(Self.ms(since: start))]
        } catch {
            return ["healthy": false, "configured": true, "url": .string(redis.url.description), "latency_ms": .double(Self.ms(since: start)),
                    "error": .string("\(error)")]
        }
    }

    static func ms(since start: ContinuousClock.Instant) -> Double {
        ((ContinuousClock.now - start).seconds * 1_000_000).rounded() / 1000
    }
}

/// One flight's checks of the database and Redis, written once for every caller that shares them.
struct Checked: Sendable {
    var databaseHealthy: Bool, redisHealthy: Bool
    var database: [UInt8], redis: [UInt8]

    init(database: JSONValue, redis: JSONValue) {
        databaseHealthy = database["healthy"] == true
        redisHealthy = redis["healthy"] == true
        self.database = database.bytes()
        self.redis = redis.bytes()
    }
}

/// Runs a check once for everyone who asks while it runs (single flight): under a flood of health probes the
/// database sees one query at a time, and every caller gets the answer of a query that was running when it asked.
/// The check runs in a task of its own, so callers keep joining it while it starts. (The first caller running it
/// in its own task instead made flights smaller: more queries for the same calls, no less CPU a call; see
/// docs/benchmarks.md.)
final class SharedCheck<Value: Sendable>: Sendable {
    private let inFlight = Mutex<(task: Task<Value, Never>?, callers: Int)>((nil, 0))

    /// Callers waiting for the running check's answer, the one who started it included.
    var waiting: Int { inFlight.withLock { $0.callers } }

    func run(_ check: @escaping @Sendable () async -> Value) async -> Value {
        let task: Task<Value, Never> = inFlight.withLock { current in
            current.callers += 1
            if let running = current.task { return running }
            let started = Task {
                let result = await check()
                self.inFlight.withLock { $0 = (nil, 0) }
                return result
            }
            current.task = started
            return started
        }
        return await task.value
    }
}
