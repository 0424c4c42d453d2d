import AragoraCore
import AragoraServer
import AragoraStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

final class StoreTests: XCTestCase {
    func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("aragora-store-\(UUID().uuidString)/a.sqlite").path
    }

    func testMigrationsRunTwice() async throws {
        let store = try await SQLiteDebateStore.open(path: tempPath())
        let awaited1 = try await store.migrate()
        XCTAssertEqual(awaited1, [1, 2, 3])
        let awaited2 = try await store.migrate()
        XCTAssertEqual(awaited2, [])
        let state = try await store.migrationState()
        XCTAssertEqual(state.applied, [1, 2, 3])
        XCTAssertEqual(state.pending, [])
        try await store.close()
    }

    func testSaveListEventsDeleteAndRatings() async throws {
        let store = try await SQLiteDebateStore.open(path: tempPath())
        _ = try await store.migrate()
        let engine = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0) },
                                  config: DebateConfig(rounds: 2, consensus: .majority, seed: 5))
        let record = engine.newRecord(id: "deb_store", question: "Stored?")
        try await store.create(record)
        do {
            try await store.create(record)
            XCTFail("duplicate accepted")
        } catch StoreError.duplicate {}
        let persisted = PersistedDebate(store: store)
        let (final, unsaved) = await persisted.run(engine, from: DebateCheckpoint(record: record, active: record.agents.map(\.name)))
        let changes = try await persisted.finish(final, unsaved: unsaved)
        let awaited3 = try await store.record(id: "deb_store")
        XCTAssertEqual(awaited3, final)
        let events = try await store.events(id: "deb_store", since: 0, limit: 10_000)
        XCTAssertEqual(events.map(\.seq), Array(1...events.count))
        let awaited4 = try await store.list(limit: 10, offset: 0, status: .completed).total
        XCTAssertEqual(awaited4, 1)
        let awaited5 = try await store.list(limit: 10, offset: 0, status: .running).total
        XCTAssertEqual(awaited5, 0)
        let ratings = try await store.ratings(for: final.agents.map(\.name))
        XCTAssertEqual(ratings.count, changes.isEmpty ? 0 : 3)
        try await persisted.finish(final, unsaved: [])  // applying the same debate again changes nothing
        let awaited6 = try await store.ratings(for: final.agents.map(\.name))
        XCTAssertEqual(awaited6, ratings)
        let awaited7 = try await store.delete(id: "deb_store")
        XCTAssertTrue(awaited7)
        let awaited8 = try await store.delete(id: "deb_store")
        XCTAssertFalse(awaited8)
        let awaited9 = try await store.events(id: "deb_store", since: 0, limit: 10).count
        XCTAssertEqual(awaited9, 0)
        try await store.close()
    }
}

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
