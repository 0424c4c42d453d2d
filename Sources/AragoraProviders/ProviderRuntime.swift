import AragoraCore
import AsyncHTTPClient
import Logging
import NIOCore
import Synchronization

/// What every provider agent of the process shares: one HTTP client (its connection pools reused across calls
/// and debates), the price table, the retry policy, one circuit breaker per provider, the output-token cap and the
/// OpenRouter fallback.
public final class ProviderRuntime: Sendable {
    public let http: HTTPClient
    public let prices: PriceTable
    public let retry: RetryPolicy
    public let maxOutputTokens: Int
    /// Used when a primary provider is rate limited, out of quota or failing, if `OPENROUTER_API_KEY` is set.
    public let fallback: ProviderSettings?
    /// Told about every finished call (metrics): provider, model, usage, seconds, and the failure's kind.
    public let observer: @Sendable (_ provider: String, _ usage: TokenUsage, _ seconds: Double, _ failure: String?) -> Void
    /// Provider failures and breaker transitions are logged here (warning).
    public let logger: Logger
    /// Structured-output mechanisms: configured, and learnt from servers that refuse one.
    let structured: StructuredModes
    private let breakerCooldown: Duration
    private let breakers = Mutex<[String: CircuitBreaker]>([:])

    public init(http: HTTPClient = ProviderRuntime.sharedHTTP, prices: PriceTable = PriceTable(), retry: RetryPolicy = RetryPolicy(),
                maxOutputTokens: Int = 2048, fallback: ProviderSettings? = nil, structured: [String: StructuredMode] = [:],
                breakerCooldown: Duration = .seconds(30), logger: Logger = Logger(label: "aragora.providers"),
                observer: @escaping @Sendable (String, TokenUsage, Double, String?) -> Void = { _, _, _, _ in }) {
        self.http = http
        self.prices = prices
        self.retry = retry
        self.maxOutputTokens = maxOutputTokens
        self.fallback = fallback
        self.structured = StructuredModes(configured: structured)
        self.breakerCooldown = breakerCooldown
        self.logger = logger
        self.observer = observer
    }

    public func breaker(for provider: String) -> CircuitBreaker {
        breakers.withLock { b in
            if let existing = b[provider] { return existing }
            let logger = logger
            let made = CircuitBreaker(cooldown: breakerCooldown) { state in
                logger.warning("provider circuit \(state)", metadata: ["provider": "\(provider)", "circuit": "\(state)"])
            }
            b[provider] = made
            return made
        }
    }

    /// The process's HTTP client for providers: connect timeout 10 s, connection failures reported at once; no
    /// idle read timeout of its own (a reply may
    /// take minutes to start; each call's deadline bounds it); many connections per host, so thousands of streams
    /// in flight do not queue behind a small pool. Lives as long as the process.
    public static let sharedHTTP: HTTPClient = {
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(10), read: nil)
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 4096)
        // A refused connection fails the call at once: `RetryPolicy` retries it with backoff within the deadline
        // (the client's own retries would hold every call to a stopped server for the whole connect timeout).
        config.connectionPool.retryConnectionEstablishment = false
        config.decompression = .enabled(limit: .ratio(50))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }()
}
