import AragoraCore
import AragoraDebates
import AragoraServer
import Foundation
import HummingbirdTesting
import XCTest

/// The OpenAPI document describes each event's `data` once (`EventData_<type>`, exact: no other members); every event
/// the service stores for real debates must match its schema, as a client generated from the document expects.
final class EventPayloadSchemaTests: XCTestCase {
    func testEveryStoredEventMatchesItsDocumentedSchema() async throws {
        try await withServer(["ARAGORA_DEMO_LATENCY_MS": "0"]) { client, service in
            let document = try await client.json(.get, "/api/openapi.json").json
            let schemas = try XCTUnwrap(document["components"]?["schemas"])
            var seen: Set<String> = []
            let bodies = [#"{"question":"Judged in two rounds?","rounds":2,"consensus":"judge","early_stop":false}"#,
                          #"{"question":"Synthesised?","rounds":1,"consensus":"none"}"#]
            for body in bodies {
                let done = try await client.runDebate(body, on: service)
                let id = try XCTUnwrap(done["id"]?.stringValue)
                let page = try await client.json(.get, "/api/debates/\(id)/events?limit=5000")
                let events = page.json["events"]?.arrayValue ?? []
                XCTAssertGreaterThan(events.count, 5)
                for event in events {
                    let type = try XCTUnwrap(event["type"]?.stringValue)
                    seen.insert(type)
                    let schema = try XCTUnwrap(schemas["EventData_\(type)"], "no schema for \(type)")
                    let problems = SchemaCheck(schemas: schemas).problems(event["data"] ?? .null, schema, at: type)
                    XCTAssertEqual(problems, [], "\(event.serialized())")
                }
            }
            // Live-only payloads, and a failure, checked as the engine builds them.
            let failure = AgentFailure(agent: "a", round: 1, phase: .critique, error: "timed out", removed: false, kind: "timeout")
            for (type, data) in [("token_delta", TokenDeltaEvent(delta: "Te", phase: "propose").json),
                                 ("debate_resumed", DebateResumedEvent(fromSeq: 3, debateID: "deb_x").json),
                                 ("agent_error", AgentErrorEvent(failure).json)] {
                seen.insert(type)
                XCTAssertEqual(SchemaCheck(schemas: schemas).problems(data, schemas["EventData_\(type)"] ?? .null, at: type), [])
            }
            let documented = Set(DebateEventType.allCases.map(\.rawValue)).subtracting(["heartbeat", "error"])
            XCTAssertEqual(seen, documented)
            // And the check can fail: an extra member, a missing one, a wrong type.
            let bad: JSONValue = ["choice": 3, "reasoning": "x", "debate_usage": ["input_tokens": 1, "output_tokens": 1, "cost_usd": 0], "extra": true]
            XCTAssertEqual(SchemaCheck(schemas: schemas).problems(bad, schemas["EventData_vote"]!, at: "vote").sorted(),
                           ["vote.choice: not string", "vote.confidence: missing", "vote.extra: not allowed"])
        }
    }
}

/// Just enough JSON Schema for the document's schemas: type (one or several), enum, properties, required,
/// additionalProperties (false or a schema), items and local `$ref`.
struct SchemaCheck {
    let schemas: JSONValue

    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        if let ref = schema["$ref"]?.stringValue {
            return problems(value, schemas[String(ref.split(separator: "/").last!)] ?? .null, at: path)
        }
        if let types = schema["type"] {
            let allowed = types.arrayValue?.compactMap(\.stringValue) ?? [types.stringValue ?? ""]
            guard allowed.contains(where: { Self.matches(value, $0) }) else { return ["\(path): not \(allowed.joined(separator: "|"))"] }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) { return ["\(path): \(value.serialized()) not in enum"] }
        var out: [String] = []
        if case .object(let members) = value {
            let properties = schema["properties"]?.objectValue ?? [:]
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                out.append("\(path).\(name): missing")
            }
            for (name, member) in members {
                if let p = properties[name] {
                    out += problems(member, p, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"] {
                    if extra == false { out.append("\(path).\(name): not allowed") } else if extra.objectValue != nil {
                        out += problems(member, extra, at: "\(path).\(name)")
                    }
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() { out += problems(item, itemSchema, at: "\(path)[\(i)]") }
        }
        return out
    }

    static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("integer", .int),
             ("number", .int), ("number", .double): return true
        case ("integer", .double(let d)): return d == d.rounded()
        default: return false
        }
    }
}
