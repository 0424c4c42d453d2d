import AragoraCore
import AragoraDebates
import AragoraStore
import Foundation
import Hummingbird
import Synchronization

/// `/api/health` (CONTRACT §3), `/healthz` (liveness), `/readyz` (readiness).
struct HealthController {
    let service: ServerContext
    /// Health calls arriving while a check is running share its result instead of each querying the database
    /// (a result at most one query old: still a live check, not a cached one; see docs/benchmarks.md).
    let databaseChecks = SharedCheck()
    let redisChecks = SharedCheck()

    func register(on router: Router<AppRequestContext>) {
        router.api(.get, "/health") { _, _ in await health() }
        router.get("/healthz") { _, _ in try JSONResponse.encode(ProbeResponse(status: "ok")) }
        router.get("/readyz") { _, _ in try await readiness() }
    }

    func health() async -> Response {
        async let databaseResult = databaseChecks.run { await databaseCheck() }
        async let redisResult = redisChecks.run { await redisCheck() }
        let (database, redis) = await (databaseResult, redisResult)
        let dbHealthy = database["healthy"]?.boolValue == true
        let redisHealthy = redis["healthy"]?.boolValue == true
        let status = !dbHealthy ? "unhealthy" : (redisHealthy ? "healthy" : "degraded")
        let active = service.debates.runner.stats.active
        let queued = service.debates.runner.stats.queued
        let body: JSONValue = [
            "status": .string(status),
            "version": .string(AragoraVersion.current),
            "instance_id": .string(service.config.instanceID),
            "uptime_seconds": .double((service.uptime * 1000).rounded() / 1000),
            "timestamp": .string(Timestamp.iso8601(Timestamp.now())),
            "checks": [
                "database": database,
                "redis": redis,
                "providers": ["healthy": true, "available": JSONValue(service.debates.factory.availableProviders)],
                "debates": ["healthy": true, "active": .int(active), "queued": .int(queued),
                            "max_concurrent": .int(service.config.maxConcurrentDebates)],
                "auth": ["enabled": .bool(service.config.authEnabled)],
            ],
        ]
        return JSONResponse.make(body, status: status == "healthy" ? .ok : .serviceUnavailable)
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

/// Runs a check once for everyone who asks while it runs (single flight): under a flood of health probes the
/// database sees one query at a time, and every caller gets the answer of a query that was running when it asked.
final class SharedCheck: Sendable {
    private let inFlight = Mutex<Task<JSONValue, Never>?>(nil)

    func run(_ check: @escaping @Sendable () async -> JSONValue) async -> JSONValue {
        let task: Task<JSONValue, Never> = inFlight.withLock { current in
            if let running = current { return running }
            let started = Task {
                let result = await check()
                self.inFlight.withLock { $0 = nil }
                return result
            }
            current = started
            return started
        }
        return await task.value
    }
}
