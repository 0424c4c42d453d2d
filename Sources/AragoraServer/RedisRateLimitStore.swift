import AragoraRedis
import Logging
import Synchronization

/// Token buckets in Redis, shared by every instance: one script per check refills, checks and spends
/// atomically, so N instances allow what one would. When Redis fails, the check falls back to this instance's
/// own buckets (`LocalRateLimitStore`): limits loosen to per-instance for a while rather than refusing or
/// letting everything through; health says `degraded` meanwhile.
public final class RedisRateLimitStore: RateLimitStore {
    /// The same arithmetic as `RateLimitDecision.decide`, in Lua: returns allowed (1/0) and the tokens left.
    static let script = RedisScript("""
        local rate = tonumber(ARGV[1]) / 60
        local capacity = math.max(1, tonumber(ARGV[2]))
        local now = tonumber(ARGV[3])
        local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
        local tokens = capacity
        if b[1] and b[2] then
            tokens = math.min(capacity, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * rate)
        end
        local allowed = 0
        if tokens >= 1 then
            allowed = 1
            tokens = tokens - 1
        end
        redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'updated', string.format('%.17g', now))
        redis.call('EXPIRE', KEYS[1], 600)
        return {allowed, string.format('%.17g', tokens)}
        """)

    private let client: RedisClient
    /// Keys are `<prefix>rl:<key>` (`ARAGORA_REDIS_PREFIX`, default `aragora:`), so deployments may share a Redis.
    private let prefix: String
    private let fallback = LocalRateLimitStore()
    private let logger: Logger
    /// When the last fallback was logged: one line per minute of outage, not one per request.
    private let lastWarning = Mutex(0.0)

    /// A hung Redis must not slow requests: each check gets `ARAGORA_REDIS_TIMEOUT_MS`, and after a failure the
    /// local buckets serve while the breaker is open.
    let breaker: RedisBreaker

    public init(client: RedisClient, prefix: String = "aragora:", timeout: Duration = .milliseconds(100), logger: Logger) {
        self.client = client
        self.prefix = prefix
        self.logger = logger
        breaker = RedisBreaker(bound: timeout)
    }

    public func take(_ key: String, perMinute: Double, capacity: Double, now: Double) async throws -> RateLimitDecision {
        guard breaker.mayTry() else { return fallback.take(key, perMinute: perMinute, capacity: capacity, now: now) }
        do {
            let (client, script, key) = (client, Self.script, prefix + "rl:" + key)
            let reply = try await breaker.run {
                try await client.eval(script, keys: [key], arguments: [String(perMinute), String(capacity), String(now)]).check()
            }
            guard let items = reply.array, items.count == 2, let allowed = items[0].int,
                  let tokens = items[1].string.flatMap(Double.init) else {
                throw RedisError("unexpected rate-limit script reply \(reply)")
            }
            if breaker.current != .closed { logger.info("rate limits are shared through redis again") }
            breaker.succeeded()
            return RateLimitDecision.make(allowed: allowed == 1, tokens: tokens, perMinute: perMinute)
        } catch {
            breaker.failed()
            let warn = lastWarning.withLock { last -> Bool in
                guard now - last >= 60 else { return false }
                last = now
                return true
            }
            if warn { logger.warning("rate limits fall back to this instance's buckets: redis failed", metadata: ["error": "\(error)"]) }
            return fallback.take(key, perMinute: perMinute, capacity: capacity, now: now)
        }
    }
}
