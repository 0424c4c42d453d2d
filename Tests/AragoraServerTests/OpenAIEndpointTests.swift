import AragoraCore
import AragoraDebates
@testable import AragoraServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import XCTest

/// `/v1/` at the HTTP edge: every error in OpenAI's shape (auth, scope, bad requests, unknown routes), the panels
/// file checked at startup, and the answer's cap and deltas. The official client is in OpenAIClientTests.
final class OpenAIEndpointTests: XCTestCase {
    func testErrorsComeInOpenAIsShapeWithOpenAIsStatuses() async throws {
        let secret = "openai-edge-secret"
        try await withServer(["ARAGORA_API_TOKEN": secret]) { client, _ in
            let auth = TokenAuthenticator(secret: secret)
            let admin = auth.mint(loopID: "admin", ttl: 600)
            func expect(_ r: (status: Int, json: JSONValue, headers: HTTPFields), _ status: Int, code: String, param: JSONValue = .null,
                        line: UInt = #line) {
                XCTAssertEqual(r.status, status, "\(r.json)", line: line)
                XCTAssertEqual(r.json["error"]?["code"]?.stringValue, code, "\(r.json)", line: line)
                XCTAssertNotNil(r.json["error"]?["message"]?.stringValue, line: line)
                XCTAssertNotNil(r.json["error"]?["type"]?.stringValue, line: line)
                XCTAssertEqual(r.json["error"]?["param"], param, line: line)
            }
            let chat = #"{"model":"aragora","messages":[{"role":"user","content":"Ship it?"}]}"#
            expect(try await client.json(.get, "/v1/models"), 401, code: "invalid_api_key")
            expect(try await client.json(.post, "/v1/chat/completions", body: chat, token: "x:1:bad"), 401, code: "invalid_api_key")
            // A debate's token reads its debate on the API; it may not start debates here.
            expect(try await client.json(.post, "/v1/chat/completions", body: chat, token: auth.mint(loopID: "deb_abc", ttl: 600)),
                   403, code: "forbidden")
            expect(try await client.json(.post, "/v1/chat/completions", body: "{nope", token: admin), 400, code: "invalid_json", param: "body")
            expect(try await client.json(.post, "/v1/chat/completions", body: #"{"messages":[]}"#, token: admin), 400, code: "invalid_request",
                   param: "model")
            expect(try await client.json(.post, "/v1/chat/completions", body: #"{"model":"aragora/none","messages":[{"role":"user","content":"x"}]}"#,
                                         token: admin), 404, code: "model_not_found", param: "model")
            expect(try await client.json(.post, "/v1/chat/completions", body: #"{"model":"aragora","messages":[{"role":"assistant","content":"x"}]}"#,
                                         token: admin), 400, code: "invalid_request", param: "messages")
            expect(try await client.json(.post, "/v1/chat/completions", body: #"{"model":"aragora","messages":[{"role":"user","content":"  "}]}"#,
                                         token: admin), 400, code: "invalid_request", param: "messages")
            expect(try await client.json(.post, "/v1/chat/completions", body: #"{"model":"aragora","max_tokens":0,"messages":[{"role":"user","content":"x"}]}"#,
                                         token: admin), 400, code: "invalid_request", param: "max_tokens")
            expect(try await client.json(.get, "/v1/nothing", token: admin), 404, code: "not_found")
            // The API itself keeps its own shape, /api/v1 aliases included.
            let api = try await client.json(.get, "/api/v1/debates")
            XCTAssertEqual(api.json["code"], "auth_required")
            // Unknown fields are ignored, as OpenAI does.
            let ok = try await client.json(.post, "/v1/chat/completions",
                                           body: #"{"model":"aragora","temperature":0.2,"seed":4,"messages":[{"role":"user","content":"Ship it?"}]}"#,
                                           token: admin)
            XCTAssertEqual(ok.status, 200, "\(ok.json)")
            XCTAssertEqual(ok.json["object"], "chat.completion")
        }
    }

    func testThePanelsFileIsCheckedAtStartup() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-panels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func start(_ json: String) -> String? {
            let file = dir.appendingPathComponent("p-\(UUID().uuidString).json")
            try? json.write(to: file, atomically: true, encoding: .utf8)
            do {
                let config = try ServerConfiguration(environment: ["ARAGORA_PANELS_FILE": file.path, "ARAGORA_DATA_DIR": dir.path])
                XCTAssertEqual(config.panels["fast"]?.rounds, 1)
                return nil
            } catch { return "\(error)" }
        }
        XCTAssertNil(start(#"{"fast": {"agents": "demo:skeptic,demo:pragmatist", "rounds": 1, "consensus": "majority", "blind": false, "budget": 0.5}}"#))
        XCTAssertEqual(start(#"{"fast": {"rounds": 0}}"#), "ARAGORA_PANELS_FILE: panel 'fast': rounds must be an integer from 1 to 12")
        XCTAssertEqual(start(#"{"fast": {"round": 1}}"#), "ARAGORA_PANELS_FILE: panel 'fast': unknown field 'round'")
        XCTAssertEqual(start(#"{"a b": {}}"#), "ARAGORA_PANELS_FILE: panel 'a b': names are 1-64 letters, digits, '.', '_' or '-'")
        XCTAssertTrue(start(#"{"fast": {"agents": ["nope"]}}"#)?.contains("panel 'fast': agents:") == true)
        XCTAssertTrue(start("[]")?.contains("is not a JSON object") == true)
    }

    func testTheAnswerIsCappedAndSplitIntoDeltasThatJoinBack() {
        let text = "Ship it on Tuesday,  after the\nreview. Ünïcode too."
        XCTAssertEqual(OpenAIController.pieces(text).joined(), text)
        XCTAssertGreaterThan(OpenAIController.pieces(text).count, 2)
        XCTAssertEqual(OpenAIController.cap(text, tokens: 100).0, text)
        let (cut, truncated) = OpenAIController.cap(text, tokens: 2)
        XCTAssertTrue(truncated)
        XCTAssertEqual(cut, "Ship it ")
        XCTAssertEqual(OpenAIController.cap("ééééé", tokens: 1).0, "éé", "cut on a character boundary")
    }
}
