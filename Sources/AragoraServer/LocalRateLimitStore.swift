import Synchronization

/// Token buckets in this process's memory: the single-instance default, and the fallback when a shared
/// store fails.
public final class LocalRateLimitStore: RateLimitStore {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var lastSweep = 0.0
    }

    private let state = Mutex(State())

    public init() {}

    public func take(_ key: String, perMinute: Double, capacity: Double, now: Double) -> RateLimitDecision {
        state.withLock { s in
            // Buckets idle for ten minutes would be full again anyway: forget them.
            if now - s.lastSweep > 60 {
                s.lastSweep = now
                s.buckets = s.buckets.filter { now - $0.value.updated < 600 }
            }
            let b = s.buckets[key]
            let (decision, tokens) = RateLimitDecision.decide(tokens: b?.tokens, updated: b?.updated, perMinute: perMinute,
                                                              capacity: capacity, now: now)
            s.buckets[key] = Bucket(tokens: tokens, updated: now)
            return decision
        }
    }
}
