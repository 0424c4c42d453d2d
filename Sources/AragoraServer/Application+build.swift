import AragoraCore
import AragoraStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Builds the whole service: used by `aragora serve` and by the tests (with port 0).
public func buildApplication(
    configuration config: ServerConfiguration, logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> (some ApplicationProtocol, AragoraService) {
    let logger = logger ?? makeLogger(config)
    let store = try await SQLiteDebateStore.open(path: config.sqlitePath, logger: logger)
    let applied = try await store.migrate()
    if !applied.isEmpty { logger.info("database migrated", metadata: ["versions": "\(applied)", "path": "\(config.sqlitePath)"]) }
    let signer = try ReceiptSigner.load(environmentKey: config.receiptKey, directory: config.dataDirectory)
    let factory = AgentFactory(demoLatency: .milliseconds(config.demoLatencyMS))
    let service = AragoraService(config: config, store: store, factory: factory, signer: signer, logger: logger)
    AppRequestContext.uploadLimit.value = config.maxRequestSize

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware(service: service))
    router.add(middleware: AuthMiddleware(service: service))
    router.add(middleware: RateLimitMiddleware(service: service))
    HealthController(service: service).register(on: router)
    DebateController(service: service).register(on: router)
    AgentController(service: service).register(on: router)
    router.get("/metrics") { _, _ in
        JSONResponse.text(service.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    router.api(.get, "/openapi.json") { _, _ in JSONResponse.make(OpenAPIDocument.document) }

    let wsRouter = Router(context: AppRequestContext.self)
    wsRouter.add(middleware: RequestLogMiddleware(service: service))
    LiveStreams(service: service).registerWebSocket(on: wsRouter)
    router.get("/ws") { _, _ -> Response in
        throw APIError.badRequest("/ws is a WebSocket endpoint: connect with an Upgrade: websocket request", code: "websocket_required")
    }
    let routes = router.routes.map { ($0.method, "\($0.path)") }
    service.routesBox.table = RouteTable(routes)
    // /ws is answered by the WebSocket router (upgrade) and by the HTTP router (a JSON hint): one route.
    service.routesBox.served = routes.map { ($0.0.rawValue, $0.1) }

    let app = Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: wsRouter),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "aragora"),
        services: [RunnerService(service: service)],
        onServerRunning: { channel in
            service.ready.value = true
            let port = channel.localAddress?.port ?? config.port
            logger.info("aragora serving", metadata: [
                "address": "\(config.host):\(port)", "database": "sqlite \(config.sqlitePath)",
                "auth": "\(config.authEnabled ? "on" : "off")", "instance_id": "\(config.instanceID)",
            ])
            await onServerRunning(port)
        },
        logger: logger
    )
    return (app, service)
}

/// Resumes unfinished debates at startup; on shutdown marks the service not ready and checkpoints
/// running debates so the next start resumes them.
struct RunnerService: Service {
    let service: AragoraService

    func run() async throws {
        let (resumed, failed) = try await service.runner.resumeUnfinished()
        if resumed + failed > 0 {
            service.logger.info("unfinished debates after restart", metadata: ["resumed": "\(resumed)", "failed": "\(failed)"])
        }
        // Returns when SIGTERM/SIGINT starts the graceful shutdown (or the task is cancelled).
        try? await gracefulShutdown()
        service.ready.value = false
        await service.runner.shutdown()
        // The HTTP server has stopped by now (services stop in reverse order); pending writes are committed first.
        try? await service.store.close()
        service.logger.info("aragora stopped: running debates checkpointed")
    }
}
