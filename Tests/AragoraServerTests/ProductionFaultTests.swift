@testable import AragoraServer
import AragoraCore
import AragoraTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import XCTest

/// Several instances over PostgreSQL (through PgBouncer) and Redis, as the runbook runs them, and what happens
/// when Redis or PostgreSQL goes away.
final class ProductionFaultTests: XCTestCase {
    /// A client of B follows over B's WebSocket a debate that A runs, drops the connection midway and comes
    /// back with `replay_from_seq`: every event once, in order. A cancel sent to B stops a debate running on A
    /// at once (the Redis announcement; without it the request waits for A's next lease renewal, 10 s here).
    func testWebSocketOnBFollowsADebateOnAAcrossAReconnectAndCancelReachesA() async throws {
        let env = try TestServices.production().merging(["ARAGORA_DEMO_LATENCY_MS": "40"]) { $1 }
        try await withServer(env.merging(["ARAGORA_INSTANCE_ID": "a"]) { $1 }) { a, serviceA in
            try await withServer(env.merging(["ARAGORA_INSTANCE_ID": "b"]) { $1 }) { b, _ in
                let created = try await a.json(.post, "/api/debates", body: #"{"question":"Follow me from B?","rounds":2,"seed":4}"#)
                let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
                let subscribe = { (from: Int) in #"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":\#(from)}"# }
                let firstPart = try await wsCollect(b, subscribe(0)) { ($0["seq"]?.intValue ?? 0) >= 6 }
                let seen = firstPart.compactMap { $0["seq"]?.intValue }
                XCTAssertEqual(seen, Array(1...6), "the first connection, replay and live")
                let rest = try await wsCollect(b, subscribe(seen.last ?? 0), until: "debate_end")
                let all = seen + rest.compactMap { $0["seq"]?.intValue }
                let stored = try await a.json(.get, "/api/debates/\(id)/events?limit=5000").json["events"]?.arrayValue?
                    .compactMap { $0["seq"]?.intValue } ?? []
                XCTAssertGreaterThan(stored.count, 10)
                XCTAssertEqual(all, stored, "every event once, in order, across the reconnect")
                let onB = try await b.json(.get, "/api/debates/\(id)").json
                XCTAssertEqual(onB["instance_id"], "a", "B reads the record A wrote")

                let long = try await a.json(.post, "/api/debates", body: #"{"question":"Stop me from B?","rounds":5,"seed":5}"#)
                let longID = try XCTUnwrap(long.json["debate_id"]?.stringValue)
                await awaitEvent(.agentMessage, of: longID, in: serviceA)
                let asked = ContinuousClock.now
                let answer = try await b.json(.post, "/api/debates/\(longID)/cancel")
                XCTAssertEqual(answer.json["status"], "cancelling")
                _ = await serviceA.debates.runner.completion(of: longID)
                let waited = ContinuousClock.now - asked
                XCTAssertLessThan(waited, .seconds(5), "announced through Redis, not left to the lease renewal")
                let stopped = try await b.json(.get, "/api/debates/\(longID)").json
                XCTAssertEqual(stopped["status"], "cancelled")
            }
        }
    }

    /// Redis stops for 10 s while two instances serve a steady load: every request still gets a contract answer
    /// (200, rate limits falling back to each instance's buckets; health 503 `degraded`), health names the reason while
    /// Redis is away and `healthy` once it is back, a WebSocket client of B still follows a debate on A (from the
    /// store), and every debate created during the outage completes.
    func testRedisStoppedUnderLoadDegradesThenRecovers() async throws {
        let pg = try TestServices.require("ARAGORA_TEST_PGBOUNCER_URL", "ARAGORA_TEST_POSTGRES_URL")
        let database = try TestServices.freshDatabase(pg[1])
        let name = String(database.split(separator: "/").last!.prefix { $0 != "?" })
        let redis = try RedisServer()
        defer { redis.stop() }
        let outage = Double(TestServices.env["ARAGORA_TEST_REDIS_OUTAGE_SECONDS"] ?? "") ?? 10
        let env = ["DATABASE_URL": pg[0].replacingOccurrences(of: "/postgres?", with: "/\(name)?"), "REDIS_URL": redis.url,
                   "ARAGORA_DEMO_LATENCY_MS": "20", "ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "1000000",
                   "ARAGORA_CREATE_RATE_LIMIT": "1000000"]
        try await withServer(env.merging(["ARAGORA_INSTANCE_ID": "a"]) { $1 }) { a, _ in
            try await withServer(env.merging(["ARAGORA_INSTANCE_ID": "b"]) { $1 }) { b, _ in
                let before = try await a.json(.get, "/api/health").json
                XCTAssertEqual(before["status"], "healthy")
                let load = Load()
                let workers = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for worker in 0..<4 {
                            group.addTask { await load.run(worker: worker, instances: [a, b]) }
                        }
                    }
                }
                try await Task.sleep(for: .seconds(1))
                redis.pause()
                let down = ContinuousClock.now
                var degradedReason: String?
                var followed: [Int] = []
                var stored: [Int] = []
                while ContinuousClock.now - down < .seconds(outage) {
                    let h = try await b.json(.get, "/api/health").json
                    if h["status"] == "degraded" { degradedReason = h["checks"]?["redis"]?["error"]?.stringValue ?? degradedReason }
                    if followed.isEmpty, ContinuousClock.now - down > .seconds(1) {
                        // Follow on B, with Redis away, a debate that A runs.
                        let c = try await a.json(.post, "/api/debates", body: #"{"question":"Followed without Redis?","rounds":2}"#)
                        let id = try XCTUnwrap(c.json["debate_id"]?.stringValue, "\(c.status) \(c.json)")
                        let got = try await wsCollect(b, #"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":0}"#, until: "debate_end")
                        followed = got.compactMap { $0["seq"]?.intValue }
                        stored = try await a.json(.get, "/api/debates/\(id)/events?limit=5000").json["events"]?.arrayValue?
                            .compactMap { $0["seq"]?.intValue } ?? []
                    }
                    try await Task.sleep(for: .milliseconds(250))
                }
                try redis.resume()
                var healthy = false
                let back = ContinuousClock.now
                while !healthy, ContinuousClock.now - back < .seconds(15) {
                    let onA = try await a.json(.get, "/api/health").json["status"]
                    let onB = try await b.json(.get, "/api/health").json["status"]
                    healthy = onA == "healthy" && onB == "healthy"
                    if !healthy { try await Task.sleep(for: .milliseconds(200)) }
                }
                try await Task.sleep(for: .seconds(1))
                load.stop()
                await workers.value

                XCTAssertNotNil(degradedReason, "health said degraded, with the reason, while Redis was away")
                XCTAssertTrue(healthy, "healthy again once Redis was back")
                XCTAssertFalse(followed.isEmpty)
                XCTAssertEqual(followed, stored, "followed from the store while Redis was away")
                let summary = load.summary
                XCTAssertGreaterThan(summary.requests, 100, "a load, not a trickle")
                XCTAssertEqual(summary.failures, [], "every request answered as the contract allows")
                XCTAssertGreaterThan(summary.degraded, 0, "the load saw the outage")
                for id in summary.created {
                    var status = ""
                    for _ in 0..<100 {
                        status = try await b.json(.get, "/api/debates/\(id)").json["status"]?.stringValue ?? ""
                        if status != "running", status != "created" { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    XCTAssertEqual(status, "completed", id)
                }
                print("redis outage: \(summary.requests) requests (\(summary.degraded) health 503 degraded), \(summary.created.count) debates created, reason: \(degradedReason ?? "-")")
            }
        }
    }

    /// PostgreSQL stops: health 503 `unhealthy` naming the database (no secret), writes and reads 503
    /// `storage_unavailable`, no crash; when it returns the service recovers by itself and the debate accepted
    /// before the outage completes.
    func testPostgresStoppedAnswers503ThenRecovers() async throws {
        let v = try TestServices.require("ARAGORA_TEST_FAULT_POSTGRES_URL", "ARAGORA_TEST_FAULT_PG_CTL")
        let database = try TestServices.freshDatabase(v[0])
        let env = ["DATABASE_URL": database, "ARAGORA_DB_TIMEOUT": "2", "ARAGORA_DEMO_LATENCY_MS": "100"]
        try await withServer(env) { client, service in
            let accepted = try await client.json(.post, "/api/debates", body: #"{"question":"Outlast the database?","rounds":2,"seed":9}"#)
            let id = try XCTUnwrap(accepted.json["debate_id"]?.stringValue)
            await awaitEvent(.agentMessage, of: id, in: service)
            try TestServices.run(v[1], ["stop"])
            var restarted = false
            defer { if !restarted { try? TestServices.run(v[1], ["start"]) } }

            let health = try await client.json(.get, "/api/health")
            XCTAssertEqual(health.status, 503)
            XCTAssertEqual(health.json["status"], "unhealthy")
            XCTAssertEqual(health.json["checks"]?["database"]?["healthy"], false)
            XCTAssertEqual(health.json["checks"]?["database"]?["backend"], "postgres")
            XCTAssertEqual(health.json["checks"]?["database"]?["pool"]?["size"], 10, "the pool's state")
            XCTAssertFalse(health.json.serialized().contains("aragora-test-password"), "no secret in health")
            let write = try await client.json(.post, "/api/debates", body: #"{"question":"Stored where?"}"#)
            XCTAssertEqual(write.status, 503)
            XCTAssertEqual(write.json["code"], "storage_unavailable", "\(write.json)")
            XCTAssertFalse(write.json.serialized().contains("aragora-test-password"), "no secret in errors")
            let read = try await client.json(.get, "/api/debates")
            XCTAssertEqual(read.status, 503)
            XCTAssertEqual(read.json["code"], "storage_unavailable")

            try TestServices.run(v[1], ["start"])
            restarted = true
            var status = 0
            for _ in 0..<100 where status != 200 {
                status = try await client.json(.get, "/api/health").status
                if status != 200 { try await Task.sleep(for: .milliseconds(200)) }
            }
            XCTAssertEqual(status, 200, "healthy again by itself")
            let final = try await client.waitForEnd(id, on: service)
            XCTAssertEqual(final["status"], "completed", "the debate accepted before the outage: \(final["error"] ?? .null)")
            let events = try await client.json(.get, "/api/debates/\(id)/events?limit=5000").json["events"]?.arrayValue ?? []
            XCTAssertEqual(events.compactMap { $0["seq"]?.intValue }, Array(1...max(1, events.count)), "one contiguous log")
            let after = try await client.json(.post, "/api/debates", body: #"{"question":"Back to work?"}"#)
            XCTAssertEqual(after.status, 200, "\(after.json)")
        }
    }
}

/// A steady load on a group of instances: health, lists, reads and debate creation, every answer counted.
private final class Load: Sendable {
    private struct State {
        var stopped = false
        var requests = 0
        var failures: [String] = []
        var created: [String] = []
        var degraded = 0
    }
    private let state = Mutex(State())

    func stop() { state.withLock { $0.stopped = true } }
    var summary: (requests: Int, failures: [String], created: [String], degraded: Int) {
        state.withLock { ($0.requests, $0.failures, $0.created, $0.degraded) }
    }

    func run(worker: Int, instances: [any TestClientProtocol]) async {
        var n = worker
        while !state.withLock({ $0.stopped }) {
            n += 1
            let client = instances[n % instances.count]
            let (method, path, body): (HTTPRequest.Method, String, String?) = switch n % 4 {
            case 0: (.post, "/api/debates", #"{"question":"Under load \#(n)?","rounds":1}"#)
            case 1: (.get, "/api/health", nil)
            case 2: (.get, "/api/debates?limit=5", nil)
            default: (.get, "/api/leaderboard", nil)
            }
            do {
                let r = try await client.json(method, path, body: body)
                state.withLock { s in
                    s.requests += 1
                    // CONTRACT §1: health answers 503 `degraded` while Redis is away; everything else must succeed.
                    let allowed = r.status == 200 || (path == "/api/health" && r.status == 503 && r.json["status"] == "degraded")
                    if !allowed { s.failures.append("\(method) \(path): \(r.status) \(r.json)") }
                    if r.status == 503 { s.degraded += 1 }
                    if let id = r.json["debate_id"]?.stringValue { s.created.append(id) }
                }
            } catch {
                state.withLock { $0.failures.append("\(method) \(path): \(error)") }
            }
            if n % 4 == 0 { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }
}

/// A redis-server of the test's own (password, loopback, a free port) that it can stop and bring back.
private final class RedisServer: Sendable {
    let port = Loopback.freePort()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-redis-\(UUID().uuidString)").path
    private let process = Mutex<Process?>(nil)
    var url: String { "redis://:fault-password@127.0.0.1:\(port)/0" }

    init() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try resume()
    }

    func resume() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        p.arguments = ["--bind", "127.0.0.1", "--port", "\(port)", "--requirepass", "fault-password", "--save", "",
                       "--appendonly", "no", "--dir", dir]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        process.withLock { $0 = p }
        for _ in 0..<100 {
            if (try? RawConnection(port: port)).map({ $0.close(); return true }) == true { return }
            usleep(50_000)
        }
        XCTFail("redis-server did not start on \(port)")
    }

    /// Stops the server (SIGKILL: connections drop at once, as when the host goes away).
    func pause() {
        guard let p = process.withLock({ $0 }) else { return }
        kill(p.processIdentifier, SIGKILL)
        while p.isRunning { usleep(10_000) }
    }

    func stop() {
        pause()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
