import AragoraTestSupport
import AragoraCore
import AragoraDebates
import AragoraServer
import Foundation
import Hummingbird
import XCTest

final class HealthAndRoutingTests: XCTestCase {
    func testRunbookHealthChecks() async throws {
        try await withServer { client, _ in
            let h = try await client.json(.get, "/api/health")
            XCTAssertEqual(h.status, 200)
            XCTAssertEqual(h.json["status"], "healthy")
            XCTAssertEqual(h.json["checks"]?["database"]?["healthy"], true)
            XCTAssertEqual(h.json["checks"]?["database"]?["backend"], "sqlite")
            XCTAssertNotNil(h.json["checks"]?["database"]?["latency_ms"]?.doubleValue)
            XCTAssertEqual(h.json["checks"]?["redis"]?["configured"], false)
            XCTAssertEqual(h.json["checks"]?["redis"]?["healthy"], true)
            for key in ["version", "instance_id", "uptime_seconds", "timestamp"] { XCTAssertNotNil(h.json[key], key) }
            let v1 = try await client.json(.get, "/api/v1/health")
            XCTAssertEqual(v1.json["status"], "healthy")
            let awaited1 = try await client.json(.get, "/healthz").json
            XCTAssertEqual(awaited1, ["status": "ok"])
            let awaited2 = try await client.json(.get, "/readyz").status
            XCTAssertEqual(awaited2, 200)
        }
    }

    func testAnUnreachableRedisMakesTheServiceDegraded() async throws {
        try await withServer(["REDIS_URL": "rediss://user:secret@cache.example:6379"]) { client, _ in
            let h = try await client.json(.get, "/api/health")
            XCTAssertEqual(h.status, 503)
            XCTAssertEqual(h.json["status"], "degraded")
            XCTAssertEqual(h.json["checks"]?["redis"]?["configured"], true)
            XCTAssertEqual(h.json["checks"]?["redis"]?["healthy"], false)
            XCTAssertFalse(h.json.serialized().contains("secret"), "no credentials in health output")
        }
    }

    func testUnknownRouteAndWrongMethodAreJSON() async throws {
        try await withServer { client, _ in
            let missing = try await client.json(.get, "/api/nope")
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.json["code"], "not_found")
            let wrong = try await client.json(.put, "/api/debates")
            XCTAssertEqual(wrong.status, 405)
            XCTAssertEqual(wrong.json["code"], "method_not_allowed")
            XCTAssertNotNil(wrong.headers[.allow])
        }
    }

    func testRequestBodyLimit() async throws {
        try await withServer(["ARAGORA_MAX_REQUEST_SIZE": "2048"]) { client, service in
            let big = "{\"question\": \"" + String(repeating: "a", count: 5000) + "\"}"
            let r = try await client.json(.post, "/api/debates", body: big)
            XCTAssertEqual(r.status, 413)
            XCTAssertEqual(r.json["code"], "request_too_large")
            let awaited3 = try await service.debates.store.list(limit: 10, offset: 0, status: nil).total
            XCTAssertEqual(awaited3, 0)
        }
    }

    func testOpenAPIDocumentsExactlyTheRoutesServed() async throws {
        try await withServer { client, service in
            let doc = try await client.json(.get, "/api/openapi.json")
            XCTAssertEqual(doc.json["openapi"], "3.1.0")
            var documented = Set<String>()
            for (path, item) in doc.json["paths"]?.objectValue ?? [:] {
                for method in (item.objectValue ?? [:]).keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let served = Set(service.servedRoutes.map { "\($0.method) \($0.path)" })
            XCTAssertEqual(served.subtracting(documented).sorted(), [], "routes served but not documented")
            XCTAssertEqual(documented.subtracting(served).sorted(), [], "routes documented but not served")
            XCTAssertGreaterThan(served.count, 20)
        }
    }

    func testMetricsAreExposedAndProtectedByTheirToken() async throws {
        try await withServer(["ARAGORA_METRICS_TOKEN": "m-secret"]) { client, _ in
            _ = try await client.json(.get, "/api/health")
            _ = try await client.json(.get, "/api/agents")
            let awaited4 = try await client.json(.get, "/metrics").status
            XCTAssertEqual(awaited4, 401)
            let r = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer m-secret"])
            XCTAssertEqual(r.status, .ok)
            let text = String(buffer: r.body)
            XCTAssertTrue(text.contains(#"hb_requests{http_route="/api/agents",http_request_method="GET",http_response_status_code="200"}"#), text)
            XCTAssertFalse(text.contains(#"http_route="/api/health""#), "health probes are not recorded")
            XCTAssertTrue(text.contains("http_server_request_duration_bucket"), "latency histograms per route")
            XCTAssertTrue(text.contains("aragora_build_info{"), "build info")
            XCTAssertTrue(text.contains(#"version="\#(AragoraVersion.current)""#), text)
            XCTAssertTrue(text.contains("aragora_connections_open "), text)
        }
        // Debates by outcome, and the shared pool's and Redis' state.
        let redis = ProcessInfo.processInfo.environment["ARAGORA_TEST_REDIS_URL"]
        guard let admin = ProcessInfo.processInfo.environment["ARAGORA_TEST_POSTGRES_URL"], let redis else { return }
        try await withServer(["DATABASE_URL": try TestServices.freshDatabase(admin), "REDIS_URL": redis,
                              "ARAGORA_REDIS_PREFIX": "m\(UUID().uuidString):"]) { client, service in
            _ = try await client.runDebate(#"{"question":"Counted?","rounds":1}"#, on: service)
            _ = try await client.json(.get, "/api/health")
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            for name in ["aragora_debates_created_total", "aragora_debates_finished_total{status=\"completed\"}", "aragora_db_pool_size 10",
                         "aragora_db_pool_in_flight", "aragora_redis_connected 1", #"database="postgres""#] {
                XCTAssertTrue(text.contains(name), "\(name) in\n\(text.split(separator: "\n").filter { $0.hasPrefix("aragora") }.joined(separator: "\n"))")
            }
        }
    }
}
