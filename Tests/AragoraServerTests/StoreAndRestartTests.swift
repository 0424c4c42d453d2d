import AragoraCore
import AragoraServer
import AragoraStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Kills the real `aragora serve` process mid-debate and starts it again: the debate must complete
/// (or end as error), never stay `running`.
final class CrashRecoveryTests: XCTestCase {
    func http(_ method: String, _ url: String, body: String? = nil) async throws -> JSONValue {
        var req = URLRequest(url: URL(string: url)!)
        req.httpMethod = method
        req.httpBody = body.map { Data($0.utf8) }
        if body != nil { req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, _) = try await URLSession.shared.data(for: req)
        return JSONValue.parse(data) ?? .null
    }

    /// Polls until the debate leaves `created`/`running` (10 s at most); returns its last record.
    func waitForEnd(port: Int, id: String) async throws -> JSONValue {
        var record: JSONValue = .null
        for _ in 0..<200 {
            record = try await http("GET", "http://127.0.0.1:\(port)/api/debates/\(id)")
            if let s = record["status"]?.stringValue, s != "running", s != "created" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return record
    }

    /// Polls until the debate has `messages` answers (10 s at most); returns its record.
    func waitForProgress(port: Int, id: String, messages: Int) async throws -> JSONValue {
        var record: JSONValue = .null
        for _ in 0..<200 {
            record = try await http("GET", "http://127.0.0.1:\(port)/api/debates/\(id)")
            if (record["messages"]?.arrayValue?.count ?? 0) >= messages { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return record
    }

    /// Two instances over one database: when the one running a debate dies, the other takes the debate over
    /// once its lease expires, and a cancel sent to one instance reaches a debate running on the other.
    func testAnotherInstanceTakesOverAndCancelsAcrossInstances() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-pair-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lease = ["ARAGORA_LEASE_TTL": "2", "ARAGORA_DEMO_LATENCY_MS": "300"]
        let (a, portA) = try ServerProcess.start(bin, dataDir: dir, extra: lease.merging(["ARAGORA_INSTANCE_ID": "a"]) { $1 })
        let (b, portB) = try ServerProcess.start(bin, dataDir: dir, extra: lease.merging(["ARAGORA_INSTANCE_ID": "b"]) { $1 })
        defer { b.terminate(); b.waitUntilExit() }
        let body = #"{"question":"Who runs me?","rounds":3,"seed":1}"#
        let first = try await http("POST", "http://127.0.0.1:\(portA)/api/debates", body: body)
        let second = try await http("POST", "http://127.0.0.1:\(portA)/api/debates", body: body)
        let taken = try XCTUnwrap(first["debate_id"]?.stringValue)
        let cancelled = try XCTUnwrap(second["debate_id"]?.stringValue)
        _ = try await waitForProgress(port: portB, id: cancelled, messages: 1)
        // Cancel through B a debate A runs: B answers at once, A stops it at its next renewal.
        let answer = try await http("POST", "http://127.0.0.1:\(portB)/api/debates/\(cancelled)/cancel")
        XCTAssertEqual(answer["status"], "cancelling")
        let stopped = try await waitForEnd(port: portB, id: cancelled)
        XCTAssertEqual(stopped["status"], "cancelled")
        // A dies mid-debate; B resumes the other debate when A's lease runs out.
        _ = try await waitForProgress(port: portB, id: taken, messages: 3)
        kill(a.processIdentifier, SIGKILL)
        a.waitUntilExit()
        let final = try await waitForEnd(port: portB, id: taken)
        XCTAssertEqual(final["status"], "completed", "\(final["error"] ?? .null)")
        XCTAssertEqual(final["instance_id"], "b", "the record names the instance that took it over")
        let events = try await http("GET", "http://127.0.0.1:\(portB)/api/debates/\(taken)/events?limit=5000")
        let seqs = events["events"]?.arrayValue?.compactMap { $0["seq"]?.intValue } ?? []
        XCTAssertEqual(seqs, Array(1...max(1, seqs.count)), "no gaps across the takeover")
    }

    func testKillMidDebateThenRestartCompletesIt() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The same instance restarted (a stable ARAGORA_INSTANCE_ID, as under systemd) takes its debate back at once.
        let same = ["ARAGORA_INSTANCE_ID": "api-1"]
        let (first, port1) = try ServerProcess.start(bin, dataDir: dir, extra: same)
        let created = try await http("POST", "http://127.0.0.1:\(port1)/api/debates", body: #"{"question":"Survive a crash?","rounds":3,"seed":1}"#)
        let id = try XCTUnwrap(created["debate_id"]?.stringValue)
        // Let it get into round 2, then kill -9: no chance to checkpoint anything more.
        let before = try await waitForProgress(port: port1, id: id, messages: 3)
        XCTAssertEqual(before["status"], "running")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        let (second, port2) = try ServerProcess.start(bin, dataDir: dir, extra: same)
        defer { second.terminate(); second.waitUntilExit() }
        let final = try await waitForEnd(port: port2, id: id)
        XCTAssertEqual(final["status"], "completed", "\(final["error"] ?? .null)")
        XCTAssertEqual(final["instance_id"], "api-1", "the record names the instance that ran it")
        XCTAssertEqual(final["rounds_used"], 3)
        let events = try await http("GET", "http://127.0.0.1:\(port2)/api/debates/\(id)/events?limit=5000")
        let seqs = events["events"]?.arrayValue?.compactMap { $0["seq"]?.intValue } ?? []
        XCTAssertEqual(seqs, Array(1...max(1, seqs.count)), "no gaps across the restart")
    }

    /// SIGTERM while a backlog drains: debates whose final record is being written when it arrives are waited for.
    /// They were not: the store closed under their final saves ("saving the finished debate failed"), they stayed
    /// `running`, and the next start ran their last phase again after followers had seen them end.
    func testGracefulShutdownWaitsForFinishingDebates() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-finishing-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = ServerProcess.Log()
        let fast = ["ARAGORA_DEMO_LATENCY_MS": "0", "ARAGORA_MAX_CONCURRENT_DEBATES": "64"]
        let (first, port1) = try ServerProcess.start(bin, dataDir: dir, extra: fast, log: log)
        let base1 = "http://127.0.0.1:\(port1)/api/debates"
        let total = 600
        for i in 0..<total {
            let created = try await http("POST", base1, body: #"{"question":"Finish before stopping? \#(i)","rounds":2}"#)
            XCTAssertNotNil(created["debate_id"]?.stringValue)
        }
        // SIGTERM while the backlog drains: some debates done, the rest queued or running (a deadline against a hang).
        var done = 0
        for _ in 0..<600 where done < 50 {
            done = try await http("GET", base1 + "?status=completed&limit=1")["total"]?.intValue ?? 0
            if done < 50 { try await Task.sleep(for: .milliseconds(20)) }
        }
        first.terminate()
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        let failed = log.contents.split(separator: "\n").filter { $0.contains("saving the finished debate failed") }
        XCTAssertEqual(failed, [], "final records the store closed under")
        let (second, port2) = try ServerProcess.start(bin, dataDir: dir, extra: fast)
        defer { second.terminate(); second.waitUntilExit() }
        var completed = 0
        for _ in 0..<1200 where completed < total {
            completed = try await http("GET", "http://127.0.0.1:\(port2)/api/debates?status=completed&limit=1")["total"]?.intValue ?? 0
            if completed < total { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertEqual(completed, total, "every debate completes once, across the restart")
    }

    func testGracefulShutdownExitsZeroAndResumes() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-term-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (first, port1) = try ServerProcess.start(bin, dataDir: dir)
        let created = try await http("POST", "http://127.0.0.1:\(port1)/api/debates", body: #"{"question":"Stop politely?","rounds":3,"seed":1}"#)
        let id = try XCTUnwrap(created["debate_id"]?.stringValue)
        let before = try await waitForProgress(port: port1, id: id, messages: 3)
        XCTAssertEqual(before["status"], "running", "SIGTERM arrives mid-debate")
        first.terminate()  // SIGTERM
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        let (second, port2) = try ServerProcess.start(bin, dataDir: dir)
        defer { second.terminate(); second.waitUntilExit() }
        let final = try await waitForEnd(port: port2, id: id)
        XCTAssertEqual(final["status"], "completed")
        XCTAssertEqual(final["rounds_used"], 3)
        XCTAssertGreaterThanOrEqual(final["messages"]?.arrayValue?.count ?? 0, 9, "the answers given before SIGTERM were kept")
    }
}
