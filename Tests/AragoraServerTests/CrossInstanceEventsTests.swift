import AragoraCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// A client of instance B follows a debate that instance A runs: every event once, in order, to the end.
final class CrossInstanceEventsTests: XCTestCase {
    static let env = ProcessInfo.processInfo.environment

    func post(_ port: Int, _ path: String, _ body: String) async throws -> JSONValue {
        var req = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        req.httpMethod = "POST"
        req.httpBody = Data(body.utf8)
        return JSONValue.parse(try await URLSession.shared.data(for: req).0) ?? .null
    }

    func get(_ port: Int, _ path: String) async throws -> JSONValue {
        JSONValue.parse(try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!).0) ?? .null
    }

    /// Starts A and B with `extra`, creates a debate on A, follows it over SSE on B, checks what B delivered.
    func followAcrossInstances(dataDir: String, extra: [String: String]) async throws {
        let bin = try ServerProcess.binary()
        let env = extra.merging(["ARAGORA_DEMO_LATENCY_MS": "100"]) { $1 }
        let (a, portA) = try ServerProcess.start(bin, dataDir: dataDir, extra: env.merging(["ARAGORA_INSTANCE_ID": "a"]) { $1 })
        defer { a.terminate(); a.waitUntilExit() }
        let (b, portB) = try ServerProcess.start(bin, dataDir: dataDir, extra: env.merging(["ARAGORA_INSTANCE_ID": "b"]) { $1 })
        defer { b.terminate(); b.waitUntilExit() }
        let created = try await post(portA, "/api/debates", #"{"question":"Seen from afar?","rounds":2,"seed":3}"#)
        let id = try XCTUnwrap(created["debate_id"]?.stringValue)
        let stream = try RawConnection(port: portB)
        defer { stream.close() }
        stream.send("GET /api/debates/\(id)/stream HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
        let (text, closed) = stream.readAll(within: 30)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200"), String(text.prefix(100)))
        XCTAssertTrue(closed, "the stream ends with the debate")
        // "\r\n" is one Character: split the chunked body's lines on scalars.
        let seqs = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").compactMap { $0.hasPrefix("id: ") ? Int($0.dropFirst(4)) : nil }
        let stored = try await get(portA, "/api/debates/\(id)/events?limit=5000")["events"]?.arrayValue?.compactMap { $0["seq"]?.intValue } ?? []
        XCTAssertFalse(seqs.isEmpty, String(text.prefix(300)))
        XCTAssertEqual(seqs, stored, "every event once, in order, as stored")
        XCTAssertTrue(text.contains("event: debate_end"))
        let onB = try await get(portB, "/api/debates/\(id)")
        XCTAssertEqual(onB["status"], "completed", "read on B")
    }

    /// Without Redis: B follows by polling the shared store.
    func testFollowingBySharedSQLiteStore() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-follow-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await followAcrossInstances(dataDir: dir, extra: [:])
    }

    /// The runbook's topology: PostgreSQL through PgBouncer (transaction mode) and Redis over TLS.
    func testFollowingOverPgBouncerAndTLSRedis() async throws {
        guard let bouncer = Self.env["ARAGORA_TEST_PGBOUNCER_URL"], let admin = Self.env["ARAGORA_TEST_POSTGRES_URL"],
              let redis = Self.env["ARAGORA_TEST_REDIS_TLS_URL"], let ca = Self.env["ARAGORA_TEST_REDIS_CA_FILE"] else {
            if Self.env["ARAGORA_REQUIRE_SERVICES"] == "1" { return XCTFail("services not started") }
            throw XCTSkip("PostgreSQL, PgBouncer and Redis not started: run eval \"$(scripts/test-services.sh)\"")
        }
        let database = "aragora_x_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        psql.arguments = [admin.replacingOccurrences(of: "?sslmode=disable", with: ""), "-qc", "CREATE DATABASE \(database)"]
        try psql.run()
        psql.waitUntilExit()
        XCTAssertEqual(psql.terminationStatus, 0)
        let url = bouncer.replacingOccurrences(of: "/postgres?", with: "/\(database)?")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-follow-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Polling every second: when events arrive sooner, they came over Redis.
        try await followAcrossInstances(dataDir: dir, extra: [
            "DATABASE_URL": url, "REDIS_URL": redis, "ARAGORA_REDIS_CA_FILE": ca, "ARAGORA_REDIS_PREFIX": "x\(UUID().uuidString):",
        ])
    }
}
