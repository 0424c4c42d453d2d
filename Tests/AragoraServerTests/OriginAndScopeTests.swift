import AragoraDebates
import AragoraCore
@testable import AragoraProviders
@testable import AragoraServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import XCTest

/// The second hardening pass's web-facing findings: what a page the user visits can make the server do, and the
/// small leaks (route words as scopes, stored budgets, key echoes, Markdown links, missing metrics).
final class OriginAndScopeTests: XCTestCase {
    static let secret = "origin-secret"
    static func token(_ loop: String, ttl: Int = 600) -> String {
        TokenAuthenticator(secret: secret).mint(loopID: loop, ttl: ttl)
    }

    /// One raw HTTP/1.1 request; the status code and body.
    static func raw(_ port: Int, _ head: String, body: String = "") throws -> (status: Int, body: String) {
        let c = try RawConnection(port: port)
        defer { c.close() }
        var request = head + "\r\nConnection: close\r\n"
        if !body.isEmpty { request += "Content-Length: \(body.utf8.count)\r\n" }
        c.send(request + "\r\n" + body)
        let (text, _) = c.readAll(within: 30)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, String(text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")))
    }

    func testForeignPagesCannotDriveTheServer() async throws {
        for auth in [false, true] {
            let env = auth ? ["ARAGORA_API_TOKEN": Self.secret, "ARAGORA_ALLOWED_HOSTS": "aragora.internal"]
                           : ["ARAGORA_ALLOWED_HOSTS": "aragora.internal"]
            try await withServer(env) { client, service in
                let port = try XCTUnwrap(service.boundPort)
                let bearer = auth ? "\r\nAuthorization: Bearer \(Self.token("admin"))" : ""
                let create = #"{"question":"Spend my keys?","rounds":1}"#
                // DNS rebinding: a name the server does not answer to.
                let rebound = try Self.raw(port, "GET /api/agents HTTP/1.1\r\nHost: attacker.example:\(port)" + bearer)
                XCTAssertEqual(rebound.status, 421, rebound.body)
                XCTAssertTrue(rebound.body.contains("host_not_allowed"))
                for host in ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)", "aragora.internal", "10.1.2.3:8080"] {
                    XCTAssertEqual(try Self.raw(port, "GET /api/agents HTTP/1.1\r\nHost: \(host)" + bearer).status, 200, host)
                }
                XCTAssertEqual(try Self.raw(port, "GET /healthz HTTP/1.1\r\nHost: attacker.example").status, 200, "probes answer any Host")
                // A form or no-cors fetch: text/plain, no preflight.
                let plain = try Self.raw(port, "POST /api/debates HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: text/plain" + bearer,
                                    body: create)
                XCTAssertEqual(plain.status, 415, plain.body)
                // A cross-origin JSON request (it would need a preflight, but refuse it anyway) and a cancel.
                let foreign = try Self.raw(port, "POST /api/debates HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://evil.example"
                                      + "\r\nContent-Type: application/json" + bearer, body: create)
                XCTAssertEqual(foreign.status, 403, foreign.body)
                XCTAssertTrue(foreign.body.contains("cross_origin"))
                let nullOrigin = try Self.raw(port, "POST /api/debates HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: null"
                                         + "\r\nContent-Type: application/json" + bearer, body: create)
                XCTAssertEqual(nullOrigin.status, 403)
                let listed = try await client.json(.get, "/api/debates", token: auth ? Self.token("admin") : nil)
                XCTAssertEqual(listed.json["total"], 0, "nothing refused was created")
                // The page itself (same origin) may.
                let own = try Self.raw(port, "POST /api/debates HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://127.0.0.1:\(port)"
                                  + "\r\nContent-Type: application/json" + bearer, body: create)
                XCTAssertEqual(own.status, 200, own.body)
                let id = try XCTUnwrap(JSONValue.parse(own.body)?["debate_id"]?.stringValue)
                let cancel = try Self.raw(port, "POST /api/debates/\(id)/cancel HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://evil.example" + bearer)
                XCTAssertEqual(cancel.status, 403, cancel.body)
                // WebSocket upgrades from a foreign page, or through a foreign name, are refused; the page's own is not.
                let protocols = auth ? ["Sec-WebSocket-Protocol": "aragora, access_token.\(Self.token("admin"))"] : [:]
                XCTAssertThrowsError(try WebSocketRaw(port: port, headers: protocols.merging(["Origin": "http://evil.example"]) { $1 }))
                XCTAssertThrowsError(try WebSocketRaw(port: port, headers: protocols.merging(["Origin": "null"]) { $1 }))
                let socket = try WebSocketRaw(port: port, headers: protocols.merging(["Origin": "http://127.0.0.1:\(port)"]) { $1 })
                socket.close()
                _ = await service.debates.runner.completion(of: id)
            }
        }
    }

    /// A token whose loop id is a route word (`active`) is not an id: it reads nothing under that word.
    func testScopesCompareDebateIDsNotRouteWords() async throws {
        try await withServer(["ARAGORA_API_TOKEN": Self.secret]) { client, _ in
            let r = try await client.json(.get, "/api/debates/active", token: Self.token("active"))
            XCTAssertEqual(r.status, 403, "\(r.json)")
            let v1 = try await client.json(.get, "/api/v1/debates/active", token: Self.token("active"))
            XCTAssertEqual(v1.status, 403)
            let own = try await client.json(.get, "/api/debates/deb_missing", token: Self.token("deb_missing"))
            XCTAssertEqual(own.status, 404, "a debate id is still in scope")
        }
    }

    /// An open socket stops working when its token expires: closed with 4401.
    func testAWebSocketIsClosedWhenItsTokenExpires() async throws {
        try await withServer(["ARAGORA_API_TOKEN": Self.secret]) { _, service in
            let port = try XCTUnwrap(service.boundPort)
            let socket = try WebSocketRaw(port: port, headers: ["Authorization": "Bearer \(Self.token("admin", ttl: 2))"])
            defer { socket.close() }
            socket.sendText(#"{"type":"ping"}"#)
            XCTAssertEqual(socket.readCloseCode(), 4401)
        }
    }

    /// A budget is checked wherever it is read: a client's `metadata.budget_limit_usd` is not the service's budget,
    /// and a stored one that is not a finite, non-negative number is ignored after a takeover.
    func testBudgetsAreValidatedWhereverTheyAreRead() async throws {
        try await withServer { client, service in
            let created = try await client.json(.post, "/api/debates",
                                                body: #"{"question":"Negative?","rounds":1,"metadata":{"budget_limit_usd":-5,"team":"x"}}"#)
            XCTAssertEqual(created.status, 200)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            let done = try await client.waitForEnd(id, on: service)
            XCTAssertEqual(done["status"], "completed")
            XCTAssertEqual(done["metadata"]?["team"], "x")
            XCTAssertNil(done["metadata"]?["budget_limit_usd"], "the client's key is dropped: \(done["metadata"] ?? .null)")
            let stored = try await service.debates.store.record(id: id)
            for bad in [-5, Double.nan, .infinity] {
                var record = try XCTUnwrap(stored)
                record.metadata["budget_limit_usd"] = .double(bad)
                XCTAssertNil(service.debates.runner.storedBudget(record), "\(bad)")
            }
            var record = try XCTUnwrap(stored)
            record.metadata["budget_limit_usd"] = .double(0.25)
            XCTAssertEqual(service.debates.runner.storedBudget(record), 0.25)
            let negative = try await client.json(.post, "/api/debates", body: #"{"question":"Negative?","budget_limit_usd":-0.01}"#)
            XCTAssertEqual(negative.status, 422, "\(negative.json)")
        }
    }

    /// Every debate metric family is exported from the start, at zero.
    func testAFreshServerExportsEveryDebateMetricAtZero() async throws {
        try await withServer { client, _ in
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            // Values are process-wide in the tests (one metrics registry), so presence is what is checked here.
            let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            for series in ["aragora_debates_created_total ", "aragora_debates_active ", "aragora_debates_queued ",
                           #"aragora_debates_finished_total{status="completed"} "#, #"aragora_debates_finished_total{status="cancelled"} "#,
                           #"aragora_debates_finished_total{status="timeout"} "#, "aragora_websocket_connections "] {
                XCTAssertTrue(lines.contains { $0.hasPrefix(series) }, "\(series) in:\n\(text)")
            }
        }
    }

    func testMarkdownExportsFormNoLinksOrImages() {
        var r = DebateRecord(id: "deb_md", task: "Links?", agents: [AgentIdentity(name: "a", provider: "demo", model: "m")],
                             rounds: 1, consensusMethod: .majority, seed: 1, createdAt: 1)
        r.messages = [DebateMessage(role: "proposal", agent: "a",
                                    content: "[click](javascript:alert(1)) ![pixel](https://evil.example/t.png) [ref][1]\n\n[1]: javascript:x \\\\",
                                    round: 1, timestamp: 1)]
        let md = DebateExporter.markdown(r)
        XCTAssertFalse(md.contains("[click]("), md)
        XCTAssertTrue(md.contains(#"\[click\](javascript:alert(1))"#), md)
        XCTAssertTrue(md.contains(#"!\[pixel\](https://evil.example/t.png)"#), md)
        XCTAssertTrue(md.contains(#"\[1\]: javascript:x \\\\"#), md)
    }

    func testKeysAreRedactedInEveryEchoedForm() {
        let key = "sk-proj-ABCdef1234567890xyz"
        let r = KeyRedactor(key: key)
        let b64 = Data(key.utf8).base64EncodedString()
        for echoed in [key, key.uppercased(), key.lowercased(), b64, "sk-proj-ABCd", "sk-proj-ABCdef12****", "SK-PROJ-ABCDEF1"] {
            let out = r.redact("error: invalid key '\(echoed)' given")
            XCTAssertFalse(out.contains(String(key.prefix(12))), out)
            XCTAssertFalse(out.lowercased().contains("sk-proj-abcd"), out)
            XCTAssertFalse(out.contains(b64), out)
        }
        XCTAssertEqual(r.redact("no key here"), "no key here")
        XCTAssertEqual(KeyRedactor(key: "shortkey").redact("x shortkey SHORTKEY short"), "x [redacted] [redacted] short")
    }

    func testModelNamesNeverLeaveTheirPathSegment() {
        for model in ["../../v1/files", "..", "a/b", "x?key=1#y", "gemini-2.5-flash"] {
            let segment = GeminiWire.pathSegment(model)
            XCTAssertFalse(segment.contains("/") || segment.contains("..") || segment.contains("?") || segment.contains("#"), segment)
            XCTAssertEqual(segment.removingPercentEncoding, model)
        }
        XCTAssertEqual(GeminiWire.pathSegment("gemini-2.5-flash"), "gemini-2.5-flash")
    }
}
