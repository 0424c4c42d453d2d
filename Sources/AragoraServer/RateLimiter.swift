import Foundation

/// In-process token buckets: `rate` tokens per minute, holding up to `rate x burst`.
public final class RateLimiter: @unchecked Sendable {
    // Safe: `buckets` is guarded by `lock`.
    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]
    private var lastSweep = Date().timeIntervalSince1970

    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    public struct Decision: Sendable {
        public var allowed: Bool
        public var limit: Int
        public var remaining: Int
        /// Seconds until the bucket is full again (`X-RateLimit-Reset`) and until one token is back (`Retry-After`).
        public var resetSeconds: Int
        public var retryAfter: Int
    }

    public init() {}

    public func take(_ key: String, perMinute rate: Double, burst: Double, now: Double = Date().timeIntervalSince1970) -> Decision {
        let capacity = max(1, rate * burst)
        let perSecond = rate / 60
        return lock.withLock {
            sweep(now)
            var b = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            b.tokens = min(capacity, b.tokens + (now - b.updated) * perSecond)
            b.updated = now
            let allowed = b.tokens >= 1
            if allowed { b.tokens -= 1 }
            buckets[key] = b
            let reset = Int(((capacity - b.tokens) / perSecond).rounded(.up))
            let retry = allowed ? 0 : max(1, Int(((1 - b.tokens) / perSecond).rounded(.up)))
            return Decision(allowed: allowed, limit: Int(capacity), remaining: max(0, Int(b.tokens)), resetSeconds: reset, retryAfter: retry)
        }
    }

    /// Drops buckets idle for ten minutes (they would be full again anyway).
    private func sweep(_ now: Double) {
        guard now - lastSweep > 60 else { return }
        lastSweep = now
        buckets = buckets.filter { now - $0.value.updated < 600 }
    }
}

/// Works out the client's address: forwarded headers count only when the peer is a trusted proxy.
struct ClientIP {
    let trusted: [String]

    func resolve(peer: String, headers: (String) -> String?) -> String {
        guard isTrusted(peer) else { return group(peer) }
        if let cf = headers("CF-Connecting-IP"), headers("CF-Ray") != nil, !cf.isEmpty {
            return group(cf.trimmingCharacters(in: .whitespaces))
        }
        if let xff = headers("X-Forwarded-For") {
            // The right-most address not added by a trusted proxy is the client.
            let hops = xff.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let client = hops.reversed().first(where: { !isTrusted($0) }) ?? hops.first { return group(client) }
        }
        if let real = headers("X-Real-IP"), !real.isEmpty { return group(real.trimmingCharacters(in: .whitespaces)) }
        return group(peer)
    }

    func isTrusted(_ ip: String) -> Bool {
        trusted.contains { entry in
            if entry == ip { return true }
            if entry.hasSuffix("*") { return ip.hasPrefix(String(entry.dropLast())) }
            return false
        }
    }

    /// IPv6 clients are grouped per /64 (one subscriber usually owns the whole prefix).
    func group(_ ip: String) -> String {
        guard ip.contains(":") else { return ip }
        var parts = ip.components(separatedBy: ":")
        if let empty = parts.firstIndex(of: ""), parts.count < 8 {
            let fill = Array(repeating: "0", count: 8 - parts.count + 1)
            parts.replaceSubrange(empty...empty, with: fill)
        }
        let head = parts.prefix(4).map { $0.isEmpty ? "0" : $0.lowercased() }
        return head.joined(separator: ":") + "::/64"
    }
}
