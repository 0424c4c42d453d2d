import AragoraTestSupport
import AragoraCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// A client of instance B follows a debate that instance A runs: every event once, in order, to the end.
final class CrossInstanceEventsTests: XCTestCase {
    func post(_ port: Int, _ path: String, _ body: String) async throws -> JSONValue {
        var req = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        req.httpMethod = "POST"
        req.httpBody = Data(body.utf8)
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
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
        stream.send("GET /api/debates/\(id)/stream HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
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

    /// kill -9 of the instance running 10 debates over PgBouncer: the other resumes all 10 from their checkpoints
    /// once the leases expire, completes each once (one contiguous event log, one `debate_end`).
    func testTheOtherInstanceCompletesEveryDebateOfAKilledOne() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-failover-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try TestServices.production().merging(["ARAGORA_LEASE_TTL": "3", "ARAGORA_DEMO_LATENCY_MS": "300"]) { $1 }
        let (a, portA) = try ServerProcess.start(bin, dataDir: dir + "/a", extra: env.merging(["ARAGORA_INSTANCE_ID": "a"]) { $1 })
        let (b, portB) = try ServerProcess.start(bin, dataDir: dir + "/b", extra: env.merging(["ARAGORA_INSTANCE_ID": "b"]) { $1 })
        defer { b.terminate(); b.waitUntilExit() }
        var ids: [String] = []
        for i in 0..<10 {
            let created = try await post(portA, "/api/debates", #"{"question":"Outlive \#(i)?","rounds":3,"seed":\#(i)}"#)
            ids.append(try XCTUnwrap(created["debate_id"]?.stringValue))
        }
        try await Task.sleep(for: .seconds(1))
        // Two rounds or more at 300 ms a call take well over a second: every debate is mid-way when A dies.
        var runningAtKill: Set<String> = []
        for id in ids where try await get(portB, "/api/debates/\(id)")["status"] != "completed" { runningAtKill.insert(id) }
        XCTAssertEqual(runningAtKill.count, ids.count, "all ten were running when A was killed")
        kill(a.processIdentifier, SIGKILL)
        a.waitUntilExit()
        let killed = ContinuousClock.now
        var finished: [String: JSONValue] = [:]
        while finished.count < ids.count, ContinuousClock.now - killed < .seconds(60) {
            for id in ids where finished[id] == nil {
                let r = try await get(portB, "/api/debates/\(id)")
                if let s = r["status"]?.stringValue, s != "running", s != "created" { finished[id] = r }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        XCTAssertEqual(finished.count, 10, "every debate ended")
        for id in ids {
            XCTAssertEqual(finished[id]?["status"], "completed", id)
            if runningAtKill.contains(id) { XCTAssertEqual(finished[id]?["instance_id"], "b", "\(id): taken over") }
            let events = try await get(portB, "/api/debates/\(id)/events?limit=5000")["events"]?.arrayValue ?? []
            XCTAssertEqual(events.compactMap { $0["seq"]?.intValue }, Array(1...max(1, events.count)), "\(id): one contiguous log")
            XCTAssertEqual(events.filter { $0["type"] == "debate_end" }.count, 1, "\(id) ended once")
        }
    }

    /// Without Redis: B follows by polling the shared store.
    func testFollowingBySharedSQLiteStore() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-follow-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await followAcrossInstances(dataDir: dir, extra: [:])
    }

    /// The runbook's topology: PostgreSQL through PgBouncer (transaction mode) and Redis over TLS.
    func testFollowingOverPgBouncerAndTLSRedis() async throws {
        let env = try TestServices.production()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-follow-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await followAcrossInstances(dataDir: dir, extra: env)
    }
}
