/// Where rate-limit buckets live: in this process (`LocalRateLimitStore`) or shared by every instance (Redis).
/// `take` is atomic: refill, check and spend happen as one step.
public protocol RateLimitStore: Sendable {
    /// Takes one token from `key`'s bucket, which refills at `perMinute` and holds at most `capacity`.
    func take(_ key: String, perMinute: Double, capacity: Double, now: Double) async throws -> RateLimitDecision
}

public struct RateLimitDecision: Sendable, Equatable {
    public var allowed: Bool
    /// The configured rate per minute (`X-RateLimit-Limit`).
    public var limit: Int
    public var remaining: Int
    /// Seconds until one token is back: `Retry-After` and `X-RateLimit-Reset` (they agree).
    public var retryAfter: Int

    public init(allowed: Bool, limit: Int, remaining: Int, retryAfter: Int) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.retryAfter = retryAfter
    }

    /// The token-bucket arithmetic every store applies to a bucket it has read: returns the decision and the
    /// bucket's new token count.
    public static func decide(tokens stored: Double?, updated: Double?, perMinute: Double, capacity: Double,
                              now: Double) -> (decision: RateLimitDecision, tokens: Double) {
        let capacity = max(1, capacity)
        let perSecond = perMinute / 60
        var tokens = capacity
        if let stored, let updated { tokens = min(capacity, stored + max(0, now - updated) * perSecond) }
        let allowed = tokens >= 1
        if allowed { tokens -= 1 }
        return (make(allowed: allowed, tokens: tokens, perMinute: perMinute), tokens)
    }

    /// The decision for a bucket left with `tokens` after the check (shared with the Redis script's result).
    public static func make(allowed: Bool, tokens: Double, perMinute: Double) -> RateLimitDecision {
        let perSecond = perMinute / 60
        let wait = allowed && tokens >= 1 ? 0 : max(1, Int(((1 - tokens) / perSecond).rounded(.up)))
        return RateLimitDecision(allowed: allowed, limit: Int(perMinute.rounded()), remaining: max(0, Int(tokens)), retryAfter: wait)
    }
}
