import AragoraCore
@testable import AragoraServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import XCTest

/// `/mcp` at the HTTP edge, raw: what a broken or hostile client gets (clear JSON-RPC errors, no state), the token
/// rules, the event stream of a tools/call and the JSON answer of one without it. The real client is in MCPClientTests.
private let call = #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"debate","arguments":{"question":"Ship on Friday?","rounds":1},"_meta":{"progressToken":"t"}}}"#

final class MCPEndpointTests: XCTestCase {

    func testMalformedMessagesGetJSONRPCErrorsAndNotificationsAreAccepted() async throws {
        try await withServer { client, _ in
            let notJSON = try await client.json(.post, "/mcp", body: "{nope")
            XCTAssertEqual(notJSON.status, 400)
            XCTAssertEqual(notJSON.json["error"]?["code"], -32700)
            let batch = try await client.json(.post, "/mcp", body: #"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
            XCTAssertEqual(batch.status, 400)
            XCTAssertEqual(batch.json["error"]?["code"], -32600)
            let note = try await client.json(.post, "/mcp", body: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            XCTAssertEqual(note.status, 202)
            let unknown = try await client.json(.post, "/mcp", body: #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nope"}}"#)
            XCTAssertEqual(unknown.json["error"]?["code"], -32602, "\(unknown.json)")
            let badArgument = try await client.json(.post, "/mcp", body: #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_debate","arguments":{"debate_id":"deb_x","round":0}}}"#)
            XCTAssertEqual(badArgument.json["error"]?["code"], -32602)
            XCTAssertTrue(badArgument.json["error"]?["message"]?.stringValue?.contains("round must be between 1") == true, "\(badArgument.json)")
            let typo = try await client.json(.post, "/mcp", body: #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search_debates","arguments":{"txt":"a"}}}"#)
            XCTAssertTrue(typo.json["error"]?["message"]?.stringValue?.contains("unknown argument 'txt'") == true, "\(typo.json)")
            for method: HTTPRequest.Method in [.get, .delete] {
                let r = try await client.json(method, "/mcp")
                XCTAssertEqual(r.status, 405)
                XCTAssertEqual(r.headers[.allow], "POST")
            }
        }
    }

    func testToolsCallStreamsProgressThenTheResultOrAnswersJSON() async throws {
        try await withServer { client, _ in
            let streamed = try await client.execute(uri: "/mcp", method: .post,
                                                    headers: [.contentType: "application/json", .accept: "application/json, text/event-stream"],
                                                    body: ByteBuffer(string: call))
            XCTAssertEqual(streamed.headers[.contentType], "text/event-stream")
            let messages = String(buffer: streamed.body).components(separatedBy: "\n\n").compactMap { frame in
                frame.split(separator: "\n").first { $0.hasPrefix("data: ") }.flatMap { JSONValue.parse(String($0.dropFirst(6))) }
            }
            let progress = messages.dropLast().compactMap { $0["params"]?["progress"]?.doubleValue }
            XCTAssertGreaterThanOrEqual(progress.count, 5)
            XCTAssertEqual(progress, progress.sorted(), "progress only grows")
            XCTAssertEqual(messages.last?["id"], 3)
            XCTAssertEqual(messages.last?["result"]?["structuredContent"]?["status"], "completed", "\(messages.last ?? .null)")

            let plain = try await client.json(.post, "/mcp", body: call, headers: [.accept: "application/json"])
            XCTAssertEqual(plain.status, 200)
            XCTAssertEqual(plain.json["result"]?["structuredContent"]?["status"], "completed", "one JSON answer, no progress")
        }
    }

    func testTokensAndScopesAreTheAPIs() async throws {
        let secret = "mcp-scope-secret"
        try await withServer(["ARAGORA_API_TOKEN": secret]) { client, _ in
            let auth = TokenAuthenticator(secret: secret)
            let admin = auth.mint(loopID: "admin", ttl: 600)
            let anonymous = try await client.json(.post, "/mcp", body: call)
            XCTAssertEqual(anonymous.status, 401)
            // A loop id that is neither admin nor a debate id: refused at the door, as on the API.
            let other = try await client.json(.post, "/mcp", body: call, token: auth.mint(loopID: "admin ", ttl: 600))
            XCTAssertEqual(other.status, 403)
            let created = try await client.json(.post, "/mcp", body: call, token: admin, headers: [.accept: "application/json"])
            let id = try XCTUnwrap(created.json["result"]?["structuredContent"]?["debate_id"]?.stringValue)
            let scoped = auth.mint(loopID: id, ttl: 600)
            let own = try await client.json(.post, "/mcp", body: #"{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"aragora://debates/\#(id)/receipt"}}"#, token: scoped)
            XCTAssertNotNil(own.json["result"]?["contents"], "\(own.json)")
            let start = try await client.json(.post, "/mcp", body: call, token: scoped, headers: [.accept: "application/json"])
            XCTAssertEqual(start.json["result"]?["isError"], true)
            let list = try await client.json(.post, "/mcp", body: #"{"jsonrpc":"2.0","id":8,"method":"resources/list"}"#, token: scoped)
            XCTAssertEqual(list.json["result"]?["resources"]?.arrayValue?.compactMap { $0["uri"]?.stringValue }, ["aragora://debates/\(id)"],
                           "a debate's token lists its debate only")
        }
    }

    func testDebatesStartedOverMCPSpendTheCreationBudget() async throws {
        let env = ["ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_CREATE_RATE_LIMIT": "1", "ARAGORA_BURST_MULTIPLIER": "1"]
        try await withServer(env) { client, _ in
            let first = try await client.json(.post, "/mcp", body: call, headers: [.accept: "application/json"])
            XCTAssertEqual(first.status, 200)
            let second = try await client.json(.post, "/mcp", body: call, headers: [.accept: "application/json"])
            XCTAssertEqual(second.status, 429, "one debate a minute, as on POST /api/debates")
            XCTAssertEqual(second.json["code"], "rate_limit_exceeded")
            let read = try await client.json(.post, "/mcp", body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
            XCTAssertEqual(read.status, 200, "other calls are not creations")
        }
    }
}
