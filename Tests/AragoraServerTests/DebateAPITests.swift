import AragoraCore
import AragoraDebates
import AragoraServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import NIOCore
import Synchronization
import XCTest

final class DebateAPITests: XCTestCase {
    func testRunbookDebateCompletesWithExactlyOneRound() async throws {
        try await withServer { client, service in
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Test question","config":{"rounds":1}}"#)
            XCTAssertEqual(created.status, 200)
            XCTAssertEqual(created.json["success"], true)
            XCTAssertEqual(created.json["status"], "created")
            XCTAssertEqual(created.json["task"], "Test question")
            XCTAssertTrue(created.json["websocket_url"]?.stringValue?.hasSuffix("/ws") == true)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            let done = try await client.waitForEnd(id, on: service)
            XCTAssertEqual(done["status"], "completed")
            XCTAssertEqual(done["rounds_used"], 1)
            XCTAssertEqual(done["rounds"], 1)
            XCTAssertEqual(done["id"]?.stringValue, id)
            XCTAssertEqual(done["debate_id"]?.stringValue, id)
            for key in ["consensus_reached", "confidence", "final_answer", "consensus", "messages", "critiques", "votes",
                        "usage", "created_at", "duration_seconds", "receipt", "agents"] {
                XCTAssertNotNil(done[key], key)
            }
            XCTAssertEqual(done["messages"]?.arrayValue?.count, 4, "3 proposals and the judge's answer")
        }
    }

    /// Blind review is on unless the request says `"blind": false`; a quorum given is kept in the record, applied,
    /// and reported with the valid votes.
    func testBlindAndQuorumAreTheRequestsAndRecorded() async throws {
        try await withServer { client, service in
            let blind = try await client.runDebate(#"{"question":"Tabs or spaces?","rounds":1,"seed":4,"consensus":"majority"}"#, on: service)
            XCTAssertEqual(blind["blind"], true)
            XCTAssertEqual(blind["review_labels"]?.arrayValue?.isEmpty, false)
            XCTAssertEqual(blind["consensus"]?["quorum"], 2, "more than half of three")
            XCTAssertEqual(blind["round_summaries"]?.arrayValue?.first?["votes"]?["valid"], 3)
            let named = try await client.runDebate(#"{"question":"Tabs or spaces?","rounds":1,"seed":4,"consensus":"majority","blind":false,"config":{"quorum":3}}"#,
                                                   on: service)
            XCTAssertEqual(named["blind"], false)
            XCTAssertEqual(named["review_labels"]?.arrayValue?.count, 0)
            XCTAssertEqual(named["quorum"], 3)
            XCTAssertEqual(named["consensus"]?["valid_votes"], 3)
            func choices(_ r: JSONValue) -> [String] {
                (r["votes"]?.arrayValue ?? []).map { "\($0["agent"] ?? .null)>\($0["choice"] ?? .null) \($0["confidence"] ?? .null)" }
            }
            XCTAssertEqual(choices(named), choices(blind), "the same votes, blind or not: demo agents judge answers, not names")
        }
    }

    func testListActiveMessagesEventsAndLeaderboard() async throws {
        try await withServer { client, service in
            let done = try await client.runDebate(#"{"task":"Tabs or spaces?","rounds":2,"consensus":"majority","agents":"demo:skeptic,demo:analyst,demo:optimist"}"#, on: service)
            let id = try XCTUnwrap(done["id"]?.stringValue)
            XCTAssertEqual(done["agents"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                           ["demo-skeptic", "demo-analyst", "demo-optimist"])
            let list = try await client.json(.get, "/api/debates?limit=5&status=completed")
            XCTAssertEqual(list.json["total"], 1)
            XCTAssertEqual(list.json["debates"]?.arrayValue?.first?["id"]?.stringValue, id)
            let awaited1 = try await client.json(.get, "/api/debates/active").json["count"]
            XCTAssertEqual(awaited1, 0)
            let page = try await client.json(.get, "/api/debates/\(id)/messages?limit=2&offset=1")
            XCTAssertEqual(page.json["messages"]?.arrayValue?.count, 2)
            XCTAssertEqual(page.json["offset"], 1)
            XCTAssertEqual(page.json["has_more"], true)
            let events = try await client.json(.get, "/api/debates/\(id)/events?since=0&limit=5000")
            let seqs = events.json["events"]?.arrayValue?.compactMap { $0["seq"]?.intValue } ?? []
            XCTAssertEqual(seqs, Array(1...seqs.count))
            XCTAssertEqual(events.json["events"]?.arrayValue?.last?["type"], "debate_end")
            let later = try await client.json(.get, "/api/debates/\(id)/events?since=\(seqs.count - 2)")
            XCTAssertEqual(later.json["events"]?.arrayValue?.count, 2)
            let board = try await client.json(.get, "/api/leaderboard")
            XCTAssertEqual(board.json["leaderboard"]?.arrayValue?.count, 3)
            let agents = try await client.json(.get, "/api/agents")
            XCTAssertEqual(agents.json["total"]?.intValue, DemoAgent.personaNames.count)
        }
    }

    /// A zero budget (the request's, or the server-wide cap) stops a debate before its first paid phase, cleanly,
    /// with the reason and the spend recorded; a budget the debate does not reach changes nothing.
    func testBudgetsStopDebatesCleanly() async throws {
        try await withServer(["ARAGORA_MAX_DEBATE_COST_USD": "0"]) { client, service in
            let record = try await client.runDebate(#"{"question":"Within budget?","rounds":1}"#, on: service)
            XCTAssertEqual(record["status"], "cancelled")
            XCTAssertEqual(record["metadata"]?["stop_reason"], "budget")
            XCTAssertEqual(record["error"]?.stringValue?.hasPrefix("budget reached: spent $0.0000 of $0.0000"), true, "\(record["error"] ?? .null)")
        }
        try await withServer { client, service in
            let stopped = try await client.runDebate(#"{"question":"Within budget?","rounds":1,"budget_limit_usd":0}"#, on: service)
            XCTAssertEqual(stopped["metadata"]?["stop_reason"], "budget")
            let free = try await client.runDebate(#"{"question":"Within budget?","rounds":1,"budget_limit_usd":5}"#, on: service)
            XCTAssertEqual(free["status"], "completed", "demo agents cost nothing")
            XCTAssertEqual(free["metadata"]?["budget_limit_usd"], 5)
        }
    }

    func testValidationErrorsChangeNothing() async throws {
        try await withServer { client, service in
            let cases: [(String, Int, String)] = [
                ("not json", 400, "invalid_json"),
                ("[1,2]", 400, "invalid_request"),
                ("{}", 400, "missing_field"),
                (#"{"question":"   "}"#, 400, "invalid_request"),
                (#"{"question":42}"#, 400, "invalid_request"),
                (#"{"question":"q","rounds":0}"#, 422, "out_of_range"),
                (#"{"question":"q","config":{"rounds":13}}"#, 422, "out_of_range"),
                (#"{"question":"q","rounds":"three"}"#, 400, "invalid_request"),
                (#"{"question":"q","quorum":0}"#, 422, "out_of_range"),
                (#"{"question":"q","quorum":1,"config":{"quorum":0}}"#, 422, "out_of_range"),
                (#"{"question":"q","quorum":11}"#, 422, "out_of_range"),
                (#"{"question":"q","blind":"yes"}"#, 400, "invalid_request"),
                (#"{"question":"q","consensus":"dictator"}"#, 400, "invalid_request"),
                (#"{"question":"q","agents":"demo"}"#, 400, "invalid_request"),
                (#"{"question":"q","agents":["demo","nope"]}"#, 400, "invalid_request"),
                (#"{"question":"q","agents":"demo,anthropic-api"}"#, 400, "agent_unavailable"),
                (#"{"question":"q","metadata":"x"}"#, 400, "invalid_request"),
                (#"{"question":"q","budget_limit_usd":-1}"#, 422, "out_of_range"),
                ("{\"question\":\"" + String(repeating: "x", count: 10_001) + "\"}", 422, "out_of_range"),
            ]
            for (body, status, code) in cases {
                let r = try await client.json(.post, "/api/debates", body: body)
                XCTAssertEqual(r.status, status, body.prefix(60) + " -> \(r.json)")
                XCTAssertEqual(r.json["code"]?.stringValue, code, String(body.prefix(60)))
                XCTAssertNotNil(r.json["error"]?.stringValue)
            }
            let awaited2 = try await service.debates.store.list(limit: 10, offset: 0, status: nil).total
            XCTAssertEqual(awaited2, 0, "nothing stored")
            let awaited3 = try await client.json(.get, "/api/debates/bad%20id").json["code"]
            XCTAssertEqual(awaited3, "invalid_id")
            let awaited4 = try await client.json(.get, "/api/debates/deb_missing").status
            XCTAssertEqual(awaited4, 404)
            let awaited5 = try await client.json(.get, "/api/debates?limit=500").status
            XCTAssertEqual(awaited5, 422)
            let awaited6 = try await client.json(.get, "/api/debates?status=weird").status
            XCTAssertEqual(awaited6, 400)
        }
    }

    func testCancellationMidDebate() async throws {
        try await withServer(["ARAGORA_DEMO_LATENCY_MS": "150"]) { client, service in
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Cancel me?","rounds":5}"#)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            await awaitEvent(.agentMessage, of: id, in: service)  // mid-debate, not before it started
            let cancel = try await client.json(.post, "/api/debates/\(id)/cancel")
            XCTAssertEqual(cancel.status, 200, "\(cancel.json)")
            let done = try await client.waitForEnd(id, on: service)
            XCTAssertEqual(done["status"], "cancelled")
            let again = try await client.json(.post, "/api/debates/\(id)/cancel")
            XCTAssertEqual(again.status, 409)
            let awaited7 = try await client.json(.delete, "/api/debates/\(id)").status
            XCTAssertEqual(awaited7, 200)
            let awaited8 = try await client.json(.get, "/api/debates/\(id)").status
            XCTAssertEqual(awaited8, 404)
        }
    }

    func testQueueIsBoundedWith503() async throws {
        try await withServer(["ARAGORA_MAX_CONCURRENT_DEBATES": "1", "ARAGORA_MAX_QUEUED_DEBATES": "1",
                              "ARAGORA_DEMO_LATENCY_MS": "200"]) { client, service in
            let body = #"{"question":"Queue me","rounds":1}"#
            let first = try await client.json(.post, "/api/debates", body: body)
            let second = try await client.json(.post, "/api/debates", body: body)
            XCTAssertEqual([first.status, second.status], [200, 200])
            let refusedAt = ContinuousClock.now
            let third = try await client.json(.post, "/api/debates", body: body)
            XCTAssertGreaterThanOrEqual(ContinuousClock.now - refusedAt, .milliseconds(190),
                                        "a refusal waits ARAGORA_OVERLOAD_DELAY_MS (200) so a retry loop slows down")
            XCTAssertEqual(third.status, 503)
            XCTAssertEqual(third.json["code"], "overloaded")
            XCTAssertEqual(third.headers[.retryAfter], "1")
            let stored = try await service.debates.store.list(limit: 10, offset: 0, status: nil).total
            XCTAssertEqual(stored, 2, "a refused debate is not stored")
            let health = try await client.json(.get, "/api/health")
            XCTAssertEqual(health.json["checks"]?["debates"]?["queued"], 1)
        }
    }

    func testEveryExportFormatAndTheReceipt() async throws {
        try await withServer { client, service in
            let done = try await client.runDebate(#"{"question":"Is <b>HTML</b> escaped, \"quotes\", too?","rounds":1}"#, on: service)
            let id = try XCTUnwrap(done["id"]?.stringValue)
            let expected = ["json": "application/json", "md": "text/markdown", "html": "text/html", "csv": "text/csv", "txt": "text/plain"]
            for (format, type) in expected {
                let r = try await client.execute(uri: "/api/debates/\(id)/export/\(format)", method: .get)
                XCTAssertEqual(r.status, .ok, format)
                XCTAssertTrue(r.headers[.contentType]?.hasPrefix(type) == true, format)
                let text = String(buffer: r.body)
                XCTAssertTrue(text.contains(id) || format == "csv", format)
                switch format {
                case "json": XCTAssertEqual(JSONValue.parse(text)?["id"]?.stringValue, id)
                case "html": XCTAssertTrue(text.contains("&lt;b&gt;HTML&lt;/b&gt;")); XCTAssertFalse(text.contains("<b>HTML"))
                case "csv": XCTAssertTrue(text.hasPrefix("kind,round,agent,target,content,score\r\n"))
                case "md": XCTAssertTrue(text.hasPrefix("# Is &lt;b&gt;HTML&lt;/b&gt;"), "raw HTML is escaped"); XCTAssertFalse(text.contains("<b>"))
                default: XCTAssertTrue(text.contains("FINAL ANSWER"))
                }
            }
            let awaited9 = try await client.json(.get, "/api/debates/\(id)/export/pdf").status
            XCTAssertEqual(awaited9, 400)
            let receipt = try await client.json(.get, "/api/debates/\(id)/receipt")
            XCTAssertEqual(receipt.status, 200)
            let decoded = try JSONDecoder().decode(Receipt.self, from: Data(receipt.json.serialized().utf8))
            XCTAssertNil(ReceiptVerifier.problem(with: decoded))
        }
    }

    func testLiveEventsOverWebSocketAndSSEHaveNoGaps() async throws {
        try await withServer(["ARAGORA_DEMO_LATENCY_MS": "30"]) { client, service in
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Watch me live","rounds":2}"#)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            let all = try await wsCollect(client, #"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":0}"#, until: "debate_end")
            XCTAssertEqual(all.first?["type"], "connection_info")
            XCTAssertTrue(all.contains { $0["type"] == "replay_start" })
            XCTAssertTrue(all.contains { $0["type"] == "replay_end" })
            let seqs = all.compactMap { $0["seq"]?.intValue }
            XCTAssertEqual(seqs, Array(1...seqs.count), "every event once, in order")
            XCTAssertTrue(all.allSatisfy { $0["seq"] == nil || $0["loop_id"]?.stringValue == id })

            // SSE after the end: the whole stream replayed, then closed.
            let sse = try await client.execute(uri: "/api/debates/\(id)/stream", method: .get)
            XCTAssertEqual(sse.headers[.contentType], "text/event-stream")
            let frames = String(buffer: sse.body).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            let sseSeqs = frames.compactMap { f in f.split(separator: "\n").first { $0.hasPrefix("id: ") }.flatMap { Int($0.dropFirst(4)) } }
            XCTAssertEqual(sseSeqs, seqs)
            XCTAssertTrue(frames.last?.contains("event: debate_end") == true)

            // Replay from a sequence number.
            let tail = try await wsCollect(client, #"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":\#(seqs.count - 3)}"#,
                                           until: "replay_end")
            XCTAssertEqual(tail.compactMap { $0["seq"]?.intValue }, Array((seqs.count - 2)...seqs.count))
        }
    }

    func testWebSocketPingAndErrors() async throws {
        try await withServer { client, service in
            let got = Collected()
            try await client.ws("/ws") { inbound, outbound, _ in
                try await outbound.write(.text(#"{"type":"ping"}"#))
                try await outbound.write(.text("nonsense"))
                try await outbound.write(.text(#"{"type":"subscribe","debate_id":"deb_nope"}"#))
                var n = 0
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let v = JSONValue.parse(text) else { continue }
                    got.add(v)
                    n += 1
                    if n == 4 { break }
                }
            }
            XCTAssertEqual(got.items.map { $0["type"]?.stringValue ?? "" }, ["connection_info", "pong", "error", "error"])
        }
    }
}

final class Collected: Sendable {
    private let values = Mutex<[JSONValue]>([])
    func add(_ v: JSONValue) { values.withLock { $0.append(v) } }
    var items: [JSONValue] { values.withLock { $0 } }
}

final class DeleteAndMetricsTests: XCTestCase {
    /// Deleting a running debate stops it; its final save cannot bring it (or its events) back.
    func testDeletingARunningDebateKeepsItDeleted() async throws {
        try await withServer(["ARAGORA_DEMO_LATENCY_MS": "100"]) { client, service in
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Delete me mid-flight?","rounds":3}"#)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            await awaitEvent(.agentMessage, of: id, in: service)
            let deleted = try await client.json(.delete, "/api/debates/\(id)")
            XCTAssertEqual(deleted.status, 200)
            _ = await service.debates.runner.completion(of: id)  // the runner has stopped it and given up its writes
            let awaitedActive = await service.debates.runner.isActive(id)
            XCTAssertFalse(awaitedActive)
            let after = try await client.json(.get, "/api/debates/\(id)")
            XCTAssertEqual(after.status, 404)
            let events = try await service.debates.store.events(id: id, since: 0, limit: 100)
            XCTAssertEqual(events.count, 0)
        }
    }

    /// A scanner requesting random paths must not grow /metrics: unknown routes share one label.
    func testMetricLabelsStayBounded() async throws {
        try await withServer { client, _ in
            for i in 0..<5 { _ = try await client.json(.get, "/random-\(i)") }
            _ = try await client.json(.get, "/api/debates/deb_unknown_1")
            _ = try await client.json(.get, "/api/debates/deb_unknown_2")
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            XCTAssertFalse(text.contains("random-"), "unknown paths are not labels")
            XCTAssertFalse(text.contains("deb_unknown"), "ids are not labels")
            XCTAssertTrue(text.contains(#"http_route="NotFound""#), "unknown paths share one label: \(text)")
            XCTAssertTrue(text.contains(#"http_route="/api/debates/{id}""#) || text.contains(#"http_route="/api/debates/:id""#),
                          "routes are labelled by their pattern: \(text)")
        }
    }
}
