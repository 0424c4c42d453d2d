import AragoraTestSupport
import AragoraCore
import Foundation
import XCTest

/// Live events across a takeover (issue 18, item 3): the owner of running debates stalls (SIGSTOP) past its lease,
/// the other instance takes them over from their checkpoints. Followers on both instances, over WebSocket, must
/// end with exactly the stored event log: nothing from the stalled owner after it lost the lease, no `debate_end`
/// from it, and a `debate_resumed` wherever what they were shown was replaced.
final class TakeoverEventsTests: XCTestCase {
    func testFollowersOnBothInstancesEndWithTheStoredLog() async throws {
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-takeover-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = try TestServices.production().merging(["ARAGORA_LEASE_TTL": "3", "ARAGORA_DEMO_LATENCY_MS": "200"]) { $1 }
        let (a, portA) = try ServerProcess.start(bin, dataDir: dir + "/a", extra: env.merging(["ARAGORA_INSTANCE_ID": "a"]) { $1 })
        defer {
            kill(a.processIdentifier, SIGCONT)
            a.stopAndWait()
        }
        let (b, portB) = try ServerProcess.start(bin, dataDir: dir + "/b", extra: env.merging(["ARAGORA_INSTANCE_ID": "b"]) { $1 })
        defer { b.stopAndWait() }
        var ids: [String] = []
        for i in 0..<3 {
            ids.append(try await HTTP.createDebate(port: portA, body: #"{"question":"Survive a stall \#(i)?","rounds":3,"seed":\#(i)}"#))
        }
        // A follower of every debate on each instance, from the first event.
        let followers = try Self.watch(ids, on: [("a", portA), ("b", portB)])
        defer { followers.forEach { $0.2.close() } }
        try await Task.sleep(for: .seconds(1))
        kill(a.processIdentifier, SIGSTOP)  // longer than the 3 s lease: B takes the debates over
        try await Task.sleep(for: .seconds(7))
        kill(a.processIdentifier, SIGCONT)
        for id in ids { try await HTTP.waitUntilFinished(port: portB, id: id) }

        let results = await withTaskGroup(of: (String, String, [JSONValue], Int).self) { group in
            for (id, name, socket) in followers {
                group.addTask { let (log, resumed) = Self.follow(socket); return (id, name, log, resumed) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var resumedNotices = 0
        for (id, name, log, resumed) in results {
            resumedNotices += resumed
            let (_, stored) = try await HTTP.request(port: portB, "GET", "/api/debates/\(id)/events?limit=5000")
            let events = stored["events"]?.arrayValue ?? []
            let (_, record) = try await HTTP.request(port: portB, "GET", "/api/debates/\(id)")
            XCTAssertEqual(record["status"], "completed", "\(id)")
            XCTAssertEqual(record["instance_id"], "b", "\(id) was taken over")
            XCTAssertEqual(log.count, events.count, "\(id) on \(name): as many events as stored")
            XCTAssertEqual(log, events, "\(id) on \(name): what the follower ends with is the stored log")
            XCTAssertEqual(log.filter { $0["type"] == "debate_end" }.count, 1, "\(id) on \(name): one debate_end")
            XCTAssertEqual(log.last?["data"]?["status"], "completed", "\(id) on \(name)")
        }
        print("takeover: \(results.count) followers, \(resumedNotices) debate_resumed notices")
    }

    /// PostgreSQL stops for 5 s under two instances with a 3 s lease while their debates run, then returns: whoever
    /// owns each debate afterwards, the followers on both instances, over WebSocket and SSE, end with the stored log.
    func testAPostgreSQLRestartShowsFollowersOnlyWhatIsStored() async throws {
        let v = try TestServices.require("ARAGORA_TEST_FAULT_POSTGRES_URL", "ARAGORA_TEST_FAULT_PG_CTL", "ARAGORA_TEST_REDIS_URL")
        let database = try TestServices.freshDatabase(v[0])
        let bin = try ServerProcess.binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-pgrestart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["DATABASE_URL": database, "REDIS_URL": v[2], "ARAGORA_REDIS_PREFIX": "r\(UUID().uuidString):",
                   "ARAGORA_DB_TIMEOUT": "2", "ARAGORA_LEASE_TTL": "3", "ARAGORA_DEMO_LATENCY_MS": "200"]
        let (a, portA) = try ServerProcess.start(bin, dataDir: dir + "/a", extra: env.merging(["ARAGORA_INSTANCE_ID": "a"]) { $1 })
        defer { a.stopAndWait() }
        let (b, portB) = try ServerProcess.start(bin, dataDir: dir + "/b", extra: env.merging(["ARAGORA_INSTANCE_ID": "b"]) { $1 })
        defer { b.stopAndWait() }
        var ids: [String] = []
        for i in 0..<3 {
            ids.append(try await HTTP.createDebate(port: i % 2 == 0 ? portA : portB,
                                                   body: #"{"question":"Outlast a restart \#(i)?","rounds":3,"seed":\#(i)}"#))
        }
        let sockets = try Self.watch(ids, on: [("a", portA), ("b", portB)])
        var streams: [(String, String, RawConnection)] = []
        for id in ids {
            for (name, port) in [("a", portA), ("b", portB)] {
                let sse = try RawConnection(port: port)
                sse.send("GET /api/debates/\(id)/stream HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                streams.append((id, name, sse))
            }
        }
        defer {
            sockets.forEach { $0.2.close() }
            streams.forEach { $0.2.close() }
        }
        try await Task.sleep(for: .seconds(1))
        try TestServices.run(v[1], ["stop"])
        var restarted = false
        defer { if !restarted { try? TestServices.run(v[1], ["start"]) } }
        try await Task.sleep(for: .seconds(5))
        try TestServices.run(v[1], ["start"])
        restarted = true
        for id in ids { try await HTTP.waitUntilFinished(port: portB, id: id) }

        let results = await withTaskGroup(of: (String, String, [JSONValue]).self) { group in
            for (id, name, socket) in sockets { group.addTask { ("ws " + name, id, Self.follow(socket).0) } }
            for (id, name, sse) in streams { group.addTask { ("sse " + name, id, Self.follow(sse: sse)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (who, id, log) in results {
            let (_, stored) = try await HTTP.request(port: portA, "GET", "/api/debates/\(id)/events?limit=5000")
            let events = stored["events"]?.arrayValue ?? []
            XCTAssertFalse(events.isEmpty, id)
            XCTAssertEqual(log, events, "\(id), \(who): what the follower ends with is the stored log")
        }
    }

    /// A WebSocket follower of every debate on every instance, subscribed from the first event.
    static func watch(_ ids: [String], on instances: [(String, Int)]) throws -> [(String, String, WebSocketRaw)] {
        var followers: [(String, String, WebSocketRaw)] = []
        for id in ids {
            for (name, port) in instances {
                let socket = try WebSocketRaw(port: port)
                socket.sendText(#"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":0}"#)
                followers.append((id, name, socket))
            }
        }
        return followers
    }

    /// Applies one received event as a client must: in seq order, once; `debate_resumed` drops every event after its
    /// seq. True for a `debate_resumed`.
    @discardableResult
    static func apply(_ v: JSONValue, to log: inout [JSONValue]) -> Bool {
        guard let seq = v["seq"]?.intValue else { return false }
        if v["type"] == "debate_resumed" {
            log.removeAll { ($0["seq"]?.intValue ?? 0) > seq }
            return true
        }
        if seq > (log.last?["seq"]?.intValue ?? 0) { log.append(v) }
        return false
    }

    /// An SSE stream read to its end, applied as a client must (`debate_resumed` drops what followed its id).
    static func follow(sse: RawConnection) -> [JSONValue] {
        let (text, _) = sse.readAll(within: 120)
        var log: [JSONValue] = []
        for frame in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") {
            guard let line = frame.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
                  let v = JSONValue.parse(String(line.dropFirst(6))) else { continue }
            apply(v, to: &log)
        }
        return log
    }

    /// Applies what a socket receives as a client must: events in seq order; `debate_resumed` drops every event
    /// after its seq. Ends at `debate_end`. Returns the log and how many resumes were announced.
    static func follow(_ socket: WebSocketRaw) -> ([JSONValue], Int) {
        var log: [JSONValue] = []
        var resumed = 0
        while let (opcode, payload) = socket.readFrame(), opcode != 0x8 {
            guard opcode == 0x1, let v = JSONValue.parse(String(decoding: payload, as: UTF8.self)) else { continue }
            if apply(v, to: &log) { resumed += 1 }
            if log.last?["type"] == "debate_end" { break }
        }
        return (log, resumed)
    }
}
