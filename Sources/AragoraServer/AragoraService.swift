import AragoraCore
import AragoraStore
import Foundation
import Logging

/// Everything a request handler needs, built once at startup and passed down explicitly.
public final class AragoraService: Sendable {
    public let config: ServerConfiguration
    public let store: any DebateStore
    public let runner: DebateRunner
    public let hub: EventHub
    public let factory: AgentFactory
    public let signer: ReceiptSigner
    public let metrics: ServiceMetrics
    public let limiter = RateLimiter()
    public let logger: Logger
    let authenticator: TokenAuthenticator?
    let clientIP: ClientIPResolver
    let startedAt = Date()
    /// Readiness: true once storage is ready, false again when shutdown begins.
    let ready = Locked(false)
    let routesBox = RoutesBox()

    var routes: RouteTable { routesBox.table }

    /// Every route the routers serve, in OpenAPI form (`/api/debates/{id}`).
    public var servedRoutes: [(method: String, path: String)] {
        routesBox.served.map { route in
            let path = route.1.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return (route.0, "/" + path.joined(separator: "/"))
        }
    }

    init(config: ServerConfiguration, store: any DebateStore, factory: AgentFactory, signer: ReceiptSigner, logger: Logger) {
        self.config = config
        self.store = store
        self.factory = factory
        self.signer = signer
        self.logger = logger
        let hub = EventHub()
        let metrics = ServiceMetrics()
        self.hub = hub
        self.metrics = metrics
        authenticator = config.apiToken.map(TokenAuthenticator.init(secret:))
        clientIP = ClientIPResolver(trusted: config.trustedProxies)
        runner = DebateRunner(store: store, hub: hub, factory: factory, signer: signer, config: config, metrics: metrics, logger: logger)
    }

    var uptime: Double { Date().timeIntervalSince(startedAt) }
}

/// The route table, filled in once the router is built.
final class RoutesBox: @unchecked Sendable {
    // Safe: written once during application setup, before the server accepts requests.
    var table = RouteTable([])
    var served: [(String, String)] = []
}
