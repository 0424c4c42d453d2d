import AragoraCore
import AragoraDebates
import AragoraServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import XCTest

/// Every documented JSON response is what the route sends: each path and method of `/api/openapi.json` is called on a
/// live service and its 200 body checked against the documented schema, exact where the document says so (response
/// types may not grow members the document does not list).
final class ResponseSchemaTests: XCTestCase {
    func testEveryDocumentedResponseMatchesItsSchema() async throws {
        try await withServer(["ARAGORA_DEMO_LATENCY_MS": "0"]) { client, service in
            let document = try await client.json(.get, "/api/openapi.json").json
            let schemas = try XCTUnwrap(document["components"]?["schemas"])
            let check = SchemaCheck(schemas: schemas)
            let done = try await client.runDebate(#"{"question":"Checked against the document?","rounds":1}"#, on: service)
            let finished = try XCTUnwrap(done["id"]?.stringValue)
            var checked: [String] = []
            for (path, operations) in (document["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                for (method, operation) in operations.objectValue ?? [:] {
                    guard let schema = operation["responses"]?["200"]?["content"]?["application/json"]?["schema"] else { continue }
                    var uri = path.replacingOccurrences(of: "{format}", with: "json")
                    var body: String?
                    switch (method, path.replacingOccurrences(of: "/api/v1/", with: "/api/")) {
                    case ("post", "/api/debates"): body = #"{"question":"Created for the check?","rounds":1}"#
                    case ("post", "/mcp"): body = #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#
                    case ("post", "/v1/chat/completions"): body = #"{"model":"aragora","messages":[{"role":"user","content":"Checked?"}]}"#
                    case ("post", "/api/debates/{id}/cancel"), ("delete", "/api/debates/{id}"):
                        // A debate of its own, still running, so the call succeeds.
                        let created = try await client.json(.post, "/api/debates", body: #"{"question":"Changed for the check?","rounds":5}"#)
                        uri = uri.replacingOccurrences(of: "{id}", with: created.json["debate_id"]?.stringValue ?? "")
                    default: break
                    }
                    uri = uri.replacingOccurrences(of: "{id}", with: finished)
                    let response = try await client.json(HTTPRequest.Method(rawValue: method.uppercased())!, uri, body: body)
                    XCTAssertEqual(response.status, 200, "\(method) \(uri): \(response.json)")
                    XCTAssertEqual(check.problems(response.json, schema, at: "\(method) \(path)"), [])
                    checked.append("\(method) \(path.replacingOccurrences(of: "/api/v1/", with: "/api/"))")
                }
            }
            for expected in ["get /api/debates", "post /api/debates", "get /api/debates/{id}/messages", "get /api/debates/{id}/events",
                             "post /api/debates/{id}/cancel", "delete /api/debates/{id}", "get /api/agents", "get /api/leaderboard",
                             "get /api/receipt-key", "get /api/debates/{id}/receipt", "get /api/debates/active", "post /mcp",
                             "get /v1/models", "post /v1/chat/completions"] {
                XCTAssertTrue(checked.contains(expected), "\(expected) not checked: \(checked)")
            }
            print("response schemas checked: \(checked.count) operations")
        }
    }
}
