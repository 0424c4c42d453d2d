import AragoraDebates
import AragoraCore
import AragoraServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

final class TokenAuthenticatorTests: XCTestCase {
    // Vectors computed with Python's hmac module, as the original Aragora does:
    // hmac.new(b"test-secret", f"{loop_id}:{expires}".encode(), hashlib.sha256).hexdigest()
    let auth = TokenAuthenticator(secret: "test-secret")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func testKnownVectorsFromTheOriginalImplementation() {
        XCTAssertEqual(auth.validate("admin:4102444800:1e78a91164faa59b394d44c55c9274c7f206961260093ae5f32f5ff7e141794b", now: now),
                       .success("admin"))
        XCTAssertEqual(auth.validate("deb:with:colons:4102444800:ae99b5678cd5345ad99db09e83aac04cdb339279f76b3ba7f6118fbda434f50e", now: now),
                       .success("deb:with:colons"))
        XCTAssertEqual(auth.validate("admin:1700000000:cfd8234ac49baf713bd818208b06f80bd572e3d2b6a47dd7b1f00dba1d6f05d2", now: now),
                       .failure(.expired))
    }

    func testRejections() {
        XCTAssertEqual(auth.validate("admin:4102444800:1E78A91164FAA59B394D44C55C9274C7F206961260093AE5F32F5FF7E141794B", now: now).failureCode,
                       "invalid_token", "uppercase hex is not the original's format")
        XCTAssertEqual(auth.validate("admin:4102444800:00", now: now).failureCode, "invalid_token")
        XCTAssertEqual(auth.validate("garbage", now: now).failureCode, "invalid_token")
        XCTAssertEqual(auth.validate("admin:soon:abc", now: now).failureCode, "invalid_token")
        XCTAssertEqual(TokenAuthenticator(secret: "other").validate(
            "admin:4102444800:1e78a91164faa59b394d44c55c9274c7f206961260093ae5f32f5ff7e141794b", now: now).failureCode, "invalid_token")
    }

    func testMintRoundTripsAndExpiresAtTheSecond() {
        let token = auth.mint(loopID: "admin", ttl: 60, now: now)
        XCTAssertTrue(token.hasPrefix("admin:1800000060:"))
        XCTAssertEqual(auth.validate(token, now: now.addingTimeInterval(60)), .success("admin"), "valid while now <= expires")
        XCTAssertEqual(auth.validate(token, now: now.addingTimeInterval(61)), .failure(.expired))
    }
}

extension Result where Failure == TokenAuthenticator.Failure {
    var failureCode: String? { if case .failure(let f) = self { return f.code }; return nil }
}

final class AuthMatrixTests: XCTestCase {
    func testAuthMatrixOverHTTP() async throws {
        try await withServer(["ARAGORA_API_TOKEN": "test-secret"]) { client, _ in
            let valid = TokenAuthenticator(secret: "test-secret").mint(loopID: "admin", ttl: 600)
            let colons = TokenAuthenticator(secret: "test-secret").mint(loopID: "team:a:b", ttl: 600)
            let expired = "admin:1700000000:cfd8234ac49baf713bd818208b06f80bd572e3d2b6a47dd7b1f00dba1d6f05d2"
            let parts = valid.split(separator: ":")
            let upper = "\(parts[0]):\(parts[1]):\(parts[2].uppercased())"
            let cases: [(String?, Int, String?)] = [
                (nil, 401, "auth_required"), ("malformed", 401, "invalid_token"),
                ("admin:4102444800:deadbeef", 401, "invalid_token"), (expired, 401, "token_expired"),
                (upper, 401, "invalid_token"), (colons, 403, "forbidden"), (valid, 200, nil),
            ]
            for (token, status, code) in cases {
                let r = try await client.json(.get, "/api/debates", token: token)
                XCTAssertEqual(r.status, status, token ?? "none")
                XCTAssertEqual(r.json["code"]?.stringValue, code, token ?? "none")
            }
            // Query-string credentials are never accepted.
            let awaited1 = try await client.json(.get, "/api/debates?token=\(valid)").status
            XCTAssertEqual(awaited1, 401)
            // Public routes stay public.
            for path in ["/api/health", "/healthz", "/readyz", "/api/agents", "/api/leaderboard", "/metrics"] {
                let awaited2 = try await client.json(.get, path).status
                XCTAssertEqual(awaited2, 200, path)
            }
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Test question","config":{"rounds":1}}"#, token: valid)
            XCTAssertEqual(created.status, 200)
        }
    }

    func testProductionRefusesToStartWithoutASecret() {
        XCTAssertThrowsError(try ServerConfiguration(environment: ["ARAGORA_ENV": "production"])) {
            XCTAssertTrue("\($0)".contains("ARAGORA_API_TOKEN"))
        }
        XCTAssertNoThrow(try ServerConfiguration(environment: ["ARAGORA_ENV": "production", "ARAGORA_API_TOKEN": "s"]))
        XCTAssertThrowsError(try ServerConfiguration(environment: ["ARAGORA_PORT": "http"]))
    }
}

final class RateLimitTests: XCTestCase {
    func testBucketArithmetic() {
        let limiter = LocalRateLimitStore()
        let t0 = 1000.0
        for _ in 0..<4 { XCTAssertTrue(limiter.take("k", perMinute: 2, capacity: 4, now: t0).allowed) }
        let denied = limiter.take("k", perMinute: 2, capacity: 4, now: t0)
        XCTAssertFalse(denied.allowed)
        XCTAssertEqual(denied.retryAfter, 30)
        XCTAssertEqual(denied.limit, 2, "X-RateLimit-Limit is the configured rate")
        XCTAssertTrue(limiter.take("k", perMinute: 2, capacity: 4, now: t0 + 30).allowed, "one token back after 30 s")
        XCTAssertFalse(limiter.take("k", perMinute: 2, capacity: 4, now: t0 + 30).allowed, "and only one")
        XCTAssertTrue(limiter.take("other", perMinute: 2, capacity: 4, now: t0).allowed, "buckets are per key")
    }

    func test429WithHeadersAndRecovery() async throws {
        // 60/min with a burst of one request: the second request within a second is refused.
        let clock = ManualClock()
        try await withServer(["ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "60",
                              "ARAGORA_BURST_MULTIPLIER": "0.0167"], clock: clock) { client, _ in
            let first = try await client.json(.get, "/api/debates")
            XCTAssertEqual(first.status, 200)
            XCTAssertEqual(first.headers[HTTPField.Name("X-RateLimit-Limit")!], "60")
            XCTAssertNotNil(first.headers[HTTPField.Name("X-RateLimit-Remaining")!])
            XCTAssertNotNil(first.headers[HTTPField.Name("X-RateLimit-Reset")!])
            let second = try await client.json(.get, "/api/debates")
            XCTAssertEqual(second.status, 429)
            XCTAssertEqual(second.json["code"], "rate_limit_exceeded")
            XCTAssertEqual(second.json["retry_after"], 1)
            XCTAssertEqual(second.headers[HTTPField.Name("Retry-After")!], "1")
            let awaited3 = try await client.json(.get, "/api/health").status
            XCTAssertEqual(awaited3, 200, "probes are exempt")
            clock.advance(by: 0.5)
            let early = try await client.json(.get, "/api/debates").status
            XCTAssertEqual(early, 429, "not yet: one token per second")
            clock.advance(by: 0.6)
            let awaited4 = try await client.json(.get, "/api/debates").status
            XCTAssertEqual(awaited4, 200, "recovered")
        }
    }

    func testForwardedClientIPTrustedOnlyFromProxies() async throws {
        try await withServer(["ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "60",
                              "ARAGORA_BURST_MULTIPLIER": "0.0167"]) { client, _ in
            // The test client connects from loopback, a trusted proxy: each forwarded client has its own bucket.
            for ip in ["203.0.113.1", "203.0.113.2"] {
                let r = try await client.json(.get, "/api/debates", headers: [HTTPField.Name("X-Forwarded-For")!: ip])
                XCTAssertEqual(r.status, 200, ip)
            }
            let again = try await client.json(.get, "/api/debates", headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.1"])
            XCTAssertEqual(again.status, 429)
        }
        try await withServer(["ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "60",
                              "ARAGORA_BURST_MULTIPLIER": "0.0167", "ARAGORA_TRUSTED_PROXIES": "10.9.9.9"]) { client, _ in
            // Loopback is not trusted here: the header is ignored and both requests share one bucket.
            _ = try await client.json(.get, "/api/debates", headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.1"])
            let r = try await client.json(.get, "/api/debates", headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.2"])
            XCTAssertEqual(r.status, 429)
        }
    }
}

final class ClientIPTests: XCTestCase {
    func testForwardingRules() {
        let resolver = ClientIPResolver(trusted: ["127.0.0.1", "10.0.*"])
        let headers: [String: String] = ["X-Forwarded-For": "198.51.100.7, 10.0.0.5", "X-Real-IP": "192.0.2.1"]
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { headers[$0] }, "198.51.100.7", "right-most untrusted hop")
        XCTAssertEqual(resolver.resolve(peer: "203.0.113.9") { headers[$0] }, "203.0.113.9", "untrusted peer: headers ignored")
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { ["X-Real-IP": "192.0.2.1"][$0] }, "192.0.2.1")
        let cf = ["CF-Connecting-IP": "192.0.2.50", "CF-Ray": "abc", "X-Forwarded-For": "10.0.0.1"]
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { cf[$0] }, "192.0.2.50")
        let cfNoRay = ["CF-Connecting-IP": "192.0.2.50"]
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { cfNoRay[$0] }, "127.0.0.1", "CF-Connecting-IP needs CF-Ray")
    }

    func testIPv6IsGroupedPerSlash64() {
        let resolver = ClientIPResolver(trusted: [])
        XCTAssertEqual(resolver.resolve(peer: "2001:db8:1:2:aaaa::1") { _ in nil }, "2001:db8:1:2::/64")
        XCTAssertEqual(resolver.resolve(peer: "2001:db8:1:2:bbbb:cccc:dddd:eeee") { _ in nil }, "2001:db8:1:2::/64")
        XCTAssertEqual(resolver.resolve(peer: "::1") { _ in nil }, "0:0:0:0::/64")
        XCTAssertEqual(resolver.resolve(peer: "::ffff:192.0.2.3") { _ in nil }, "192.0.2.3")
    }
}
