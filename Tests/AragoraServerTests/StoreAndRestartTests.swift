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

    func testKillMidDebateThenRestartCompletesIt() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (first, port1) = try ServerProcess.start(bin, dataDir: dir)
        let created = try await http("POST", "http://127.0.0.1:\(port1)/api/debates", body: #"{"question":"Survive a crash?","rounds":3}"#)
        let id = try XCTUnwrap(created["debate_id"]?.stringValue)
        // Let it get into round 2, then kill -9: no chance to checkpoint anything more.
        var status = ""
        for _ in 0..<100 {
            let r = try await http("GET", "http://127.0.0.1:\(port1)/api/debates/\(id)")
            status = r["status"]?.stringValue ?? ""
            if (r["messages"]?.arrayValue?.count ?? 0) >= 3 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(status, "running")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        let (second, port2) = try ServerProcess.start(bin, dataDir: dir)
        defer { second.terminate(); second.waitUntilExit() }
        let final = try await waitForEnd(port: port2, id: id)
        XCTAssertEqual(final["status"], "completed", "\(final["error"] ?? .null)")
        XCTAssertEqual(final["rounds_used"], 3)
        let events = try await http("GET", "http://127.0.0.1:\(port2)/api/debates/\(id)/events?limit=5000")
        let seqs = events["events"]?.arrayValue?.compactMap { $0["seq"]?.intValue } ?? []
        XCTAssertEqual(seqs, Array(1...max(1, seqs.count)), "no gaps across the restart")
    }

    func testGracefulShutdownExitsZeroAndResumes() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-term-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (first, port1) = try ServerProcess.start(bin, dataDir: dir)
        let created = try await http("POST", "http://127.0.0.1:\(port1)/api/debates", body: #"{"question":"Stop politely?","rounds":3}"#)
        let id = try XCTUnwrap(created["debate_id"]?.stringValue)
        try await Task.sleep(for: .milliseconds(400))
        first.terminate()  // SIGTERM
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        let (second, port2) = try ServerProcess.start(bin, dataDir: dir)
        defer { second.terminate(); second.waitUntilExit() }
        let final = try await waitForEnd(port: port2, id: id)
        XCTAssertEqual(final["status"], "completed")
    }
}
