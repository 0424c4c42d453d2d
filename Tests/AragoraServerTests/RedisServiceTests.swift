@testable import AragoraServer
import Foundation
import HummingbirdTesting
import XCTest

/// Redis behind the seams: shared rate limits and health, against the redis-server of scripts/test-services.sh.
final class RedisServiceTests: XCTestCase {
    static let env = ProcessInfo.processInfo.environment

    override func setUpWithError() throws {
        if Self.env["ARAGORA_TEST_REDIS_URL"] == nil {
            if Self.env["ARAGORA_REQUIRE_SERVICES"] == "1" { XCTFail("ARAGORA_TEST_REDIS_URL is not set"); return }
            throw XCTSkip("Redis not started: run eval \"$(scripts/test-services.sh)\"")
        }
    }

    func redisEnv(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ["REDIS_URL": Self.env["ARAGORA_TEST_REDIS_URL"] ?? "", "ARAGORA_REDIS_PREFIX": "t\(UUID().uuidString):"]
        env.merge(extra) { $1 }
        return env
    }

    /// Two instances over one Redis allow N requests together, not 2N.
    func testRateLimitsHoldAcrossInstances() async throws {
        let env = redisEnv(["ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "4", "ARAGORA_BURST_MULTIPLIER": "1"])
        let clock = ManualClock()
        try await withServer(env, clock: clock) { a, _ in
            try await withServer(env, clock: clock) { b, _ in
                var statuses: [Int] = []
                for i in 0..<8 { statuses.append(try await (i % 2 == 0 ? a : b).json(.get, "/api/debates").status) }
                XCTAssertEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429], "4 allowed across both instances")
            }
        }
    }

    func testHealthShowsRedisAndDegradesWithoutIt() async throws {
        try await withServer(redisEnv()) { client, _ in
            let h = try await client.json(.get, "/api/health")
            XCTAssertEqual(h.status, 200)
            XCTAssertEqual(h.json["checks"]?["redis"]?["healthy"], true)
            XCTAssertNotNil(h.json["checks"]?["redis"]?["latency_ms"]?.doubleValue)
            XCTAssertFalse(h.json.serialized().contains("aragora-test-password"))
        }
        var wrong = redisEnv(["ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "2", "ARAGORA_BURST_MULTIPLIER": "1"])
        wrong["REDIS_URL"] = wrong["REDIS_URL"]!.replacingOccurrences(of: "aragora-test-password", with: "wrong")
        try await withServer(wrong, clock: ManualClock()) { client, _ in
            let h = try await client.json(.get, "/api/health")
            XCTAssertEqual(h.json["status"], "degraded")
            XCTAssertTrue(h.json["checks"]?["redis"]?["error"]?.stringValue?.contains("WRONGPASS") == true, "\(h.json)")
            // The service keeps serving, with this instance's own buckets.
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await client.json(.get, "/api/debates").status) }
            XCTAssertEqual(statuses, [200, 200, 429])
        }
    }
}
