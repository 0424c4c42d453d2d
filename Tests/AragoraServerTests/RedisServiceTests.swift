@testable import AragoraServer
import AragoraTestSupport
import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import XCTest

/// Redis behind the seams: shared rate limits and health, against the redis-server of scripts/test-services.sh.
final class RedisServiceTests: XCTestCase {
    static let env = ProcessInfo.processInfo.environment

    override func setUpWithError() throws {
        _ = try TestServices.require("ARAGORA_TEST_REDIS_URL")
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

    /// A Redis that is alive but does not answer (SIGSTOP) must not slow rate-limited requests: they fall back to
    /// this instance's buckets within `ARAGORA_REDIS_TIMEOUT_MS`, and while the breaker is open do not wait at all.
    func testAHungRedisDoesNotSlowRequests() async throws {
        let port = Loopback.freePort()
        let redis = Process()
        redis.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        redis.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        redis.standardOutput = FileHandle.nullDevice
        try redis.run()
        defer {
            kill(redis.processIdentifier, SIGCONT)
            redis.stopAndWait()
        }
        let env = ["REDIS_URL": "redis://127.0.0.1:\(port)/0", "ARAGORA_DISABLE_ALL_RATE_LIMITS": "0",
                   "ARAGORA_IP_RATE_LIMIT": "1000000", "ARAGORA_BURST_MULTIPLIER": "1000"]
        try await withServer(env) { _, service in
            // Until Redis answers (it was just started).
            for _ in 0..<200 where (try? await service.debates.redis?.ping()) == nil { try await Task.sleep(for: .milliseconds(50)) }
            let url = "http://127.0.0.1:\(service.boundPort ?? 0)/api/agents"
            func load(seconds: Double) async throws -> (count: Int, p99: Double, max: Double) {
                let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
                let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            var l: [Double] = []
                            while ContinuousClock.now < end {
                                let t = ContinuousClock.now
                                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
                                _ = try await response.body.collect(upTo: 1 << 20)
                                XCTAssertEqual(response.status.code, 200)
                                l.append((ContinuousClock.now - t).seconds)
                            }
                            return l
                        }
                    }
                    return try await group.reduce(into: [Double]()) { $0 += $1 }
                }.sorted()
                return (latencies.count, latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))], latencies.last ?? 0)
            }
            let normal = try await load(seconds: 2)
            kill(redis.processIdentifier, SIGSTOP)
            let hung = try await load(seconds: 4)
            kill(redis.processIdentifier, SIGCONT)
            let ratio = Double(hung.count) / 4 / (Double(normal.count) / 2)
            print(String(format: "hung redis: %.0f req/s normal, %.0f req/s while stopped (%.2f); p99 %.1f ms, max %.1f ms while stopped",
                         Double(normal.count) / 2, Double(hung.count) / 4, ratio, hung.p99 * 1000, hung.max * 1000))
            XCTAssertGreaterThanOrEqual(ratio, 0.5, "throughput while Redis hangs")
            XCTAssertLessThan(hung.max, 1.0, "no request waited for Redis's own 2 s timeout")
        }
    }
}
