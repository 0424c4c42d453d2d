import AragoraCore
import AragoraDebates
import AragoraRedis
import AragoraStore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import HTTPTypes
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the HTTP application around a service: used by `aragora serve` and by the tests (with port 0).
public func buildApplication(
    service: ServerContext, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let config = service.config
    let logger = service.logger
    let router = Router(context: AppRequestContext.self)
    let health = HealthController(service: service)
    router.add(middleware: RequestLogMiddleware(service: service, probes: health.probes))
    // Inside the request log, so it sees errors as thrown: unknown paths count as one `NotFound` route.
    router.add(middleware: RouteMetricsMiddleware())
    router.add(middleware: OriginMiddleware(policy: service.originPolicy))
    router.add(middleware: AuthMiddleware(service: service))
    router.add(middleware: RateLimitMiddleware(service: service))
    health.register(on: router)
    DebateController(service: service).register(on: router)
    ReceiptController(service: service).register(on: router)
    AgentController(service: service).register(on: router)
    MCPController(service: service).register(on: router)
    OpenAIController(service: service).register(on: router)
    WebController().register(on: router)
    router.get("/metrics") { _, _ in
        // State read at scrape time: connections, the database pool, Redis, the build.
        let m = service.metrics
        m.setGauge("aragora_connections_open", Double(service.connections.openCount))
        m.setGauge("aragora_build_info", 1, labels: [("version", AragoraVersion.current), ("instance", config.instanceID),
                                                     ("database", service.debates.store.backend)])
        if let pool = service.debates.store.healthDetails["pool"] {
            m.setGauge("aragora_db_pool_size", pool["size"]?.doubleValue ?? 0)
            m.setGauge("aragora_db_pool_in_flight", pool["in_flight"]?.doubleValue ?? 0)
            m.setGauge("aragora_db_operations_timed_out", pool["timed_out_total"]?.doubleValue ?? 0)
        }
        if let redis = service.debates.redis { m.setGauge("aragora_redis_connected", redis.isConnected ? 1 : 0) }
        // Events the shared bus could not hand on to Redis (its outbox full; followers repair from the store).
        m.setGauge("aragora_events_dropped_total", Double(service.debates.bus.droppedPublishes))
        return JSONResponse.text(service.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    let openAPI = Array(OpenAPIDocument.document(config: config, providers: service.debates.factory.availableProviders).serialized().utf8)
    router.api(.get, "/openapi.json") { _, _ in JSONResponse.bytes(openAPI) }

    let wsRouter = Router(context: AppRequestContext.self)
    wsRouter.add(middleware: RequestLogMiddleware(service: service))
    let live = LiveStreams(service: service)
    live.registerWebSocket(on: wsRouter)
    // /ws is answered by the WebSocket router (upgrade) and by the HTTP router (why not): one route.
    router.get("/ws") { request, _ -> Response in throw live.refusedUpgrade(request.headers, authority: request.head.authority) }
    // GET and DELETE /mcp exist only to refuse (405), as MCP requires of a server without a standalone stream or
    // sessions: they are not operations of the API, so neither the route list nor the OpenAPI document names them.
    service.routes.set(router.routes.filter { !("\($0.path)" == "/mcp" && $0.method != .post) }.map { ($0.method, "\($0.path)") })

    return Application(
        router: router,
        server: httpServer(webSocketRouter: wsRouter, idleTimeout: .milliseconds(Int64(config.idleTimeout * 1000)),
                           limiter: service.connections, refusal: { live.refusedUpgrade($0) }),
        // A deep accept queue (the kernel caps it at net.core.somaxconn): under a connection flood a shallow one
        // overflows, and a probe's SYN dropped there waits a second for its retry.
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "aragora", backlog: 4096),
        services: [RunnerService(service: service)],
        onServerRunning: { channel in
            service.ready.withLock { $0 = true }
            let port = channel.localAddress?.port ?? config.port
            service.boundPort = port
            // The configuration summary an operator reads first in `journalctl -u aragora`: no secret in it (the
            // database and Redis are shown without their passwords).
            logger.info("aragora serving", metadata: [
                "address": "\(config.host):\(port)", "database": "\(config.database)",
                "auth": "\(config.authEnabled ? "on" : "off")", "instance_id": "\(config.instanceID)",
                "environment": "\(config.environment)", "version": "\(AragoraVersion.current)",
                "redis": "\(config.redis.map { "\($0)" } ?? "none")",
                "providers": "\(service.debates.factory.listings.filter(\.configured).map(\.provider).joined(separator: ",").nilIfEmpty ?? "demo only")",
                "max_concurrent_debates": "\(config.maxConcurrentDebates)", "max_connections": "\(config.maxConnections)",
                "rate_limits": "\(config.rateLimitsDisabled ? "off" : "ip \(Int(config.ipRateLimit))/min, token \(Int(config.tokenRateLimit))/min")",
                "drain_seconds": "\(config.drainSeconds)",
            ])
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// HTTP/1 with the WebSocket upgrade, guarded: at most `limiter.limit` connections; a connection is closed when
/// its first request head, a request body or the next request head does not arrive within `idleTimeout`
/// (`ConnectionGuard`, `HTTPExchangeGuard`); refused upgrades answer the JSON error `refusal` gives.
func httpServer(webSocketRouter: Router<AppRequestContext>, idleTimeout: TimeAmount, limiter: ConnectionLimiter,
                refusal: @escaping @Sendable (HTTPFields) -> APIError) -> HTTPServerBuilder {
    let webSocketResponder = webSocketRouter.buildResponder()
    // Hummingbird's own idle timeout only backs the guards up: at the same instant it would race them and close
    // a stalled request silently instead of with the guard's 408.
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [HTTPExchangeGuard(bodyTimeout: idleTimeout, idleTimeout: idleTimeout, refusal: refusal)],
        idleTimeout: idleTimeout * 2)
    return HTTPServerBuilder { responder in
        GuardedChildChannel(
            inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder,
                                                configuration: .init(http1: http1)),
            headTimeout: idleTimeout, limiter: limiter)
    }
}

/// Resumes unfinished debates at startup (and keeps taking over those of dead instances); on shutdown marks
/// the service not ready and checkpoints running debates so the next start resumes them.
struct RunnerService: Service {
    let service: ServerContext

    func run() async throws {
        try await service.debates.resumeUnfinished()
        // Returns when SIGTERM/SIGINT starts the graceful shutdown (or the task is cancelled).
        try? await gracefulShutdown()
        service.ready.withLock { $0 = false }
        // The HTTP server has stopped by now (services stop in reverse order); pending writes are committed first.
        await service.debates.shutdown()
        service.logger.info("aragora stopped: running debates checkpointed")
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
