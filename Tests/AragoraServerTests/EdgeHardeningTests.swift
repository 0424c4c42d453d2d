import AragoraDebates
import AragoraCore
@testable import AragoraServer
@testable import AragoraStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import XCTest

/// The hostile-client findings of the hardening issue, each with the case that used to pass.
final class EdgeHardeningTests: XCTestCase {
    let secret = ["ARAGORA_API_TOKEN": "edge-secret"]
    static func token(_ loop: String) -> String { TokenAuthenticator(secret: "edge-secret").mint(loopID: loop, ttl: 600) }

    func testTokensAreScopedByTheirLoopID() async throws {
        try await withServer(secret) { client, service in
            let admin = Self.token("admin")
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Scoped?","rounds":1}"#, token: admin)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            let other = try await client.json(.post, "/api/debates", body: #"{"question":"Another?","rounds":1}"#, token: admin)
            let otherID = try XCTUnwrap(other.json["debate_id"]?.stringValue)
            _ = try await client.waitForEnd(id, token: admin, on: service)
            let own = Self.token(id)
            let allowed: [(HTTPRequest.Method, String)] = [
                (.get, "/api/debates/\(id)"), (.get, "/api/v1/debates/\(id)/messages"), (.get, "/api/debates/\(id)/events"),
                (.get, "/api/debates/\(id)/export/json"), (.get, "/api/debates/\(id)/receipt"),
            ]
            for (method, path) in allowed {
                let status = try await client.json(method, path, token: own).status
                XCTAssertEqual(status, 200, "\(method) \(path)")
            }
            let cancel = try await client.json(.post, "/api/debates/\(id)/cancel", token: own)
            XCTAssertEqual(cancel.status, 409, "its own debate may be cancelled (this one already ended)")
            let refused: [(HTTPRequest.Method, String)] = [
                (.get, "/api/debates/\(otherID)"), (.get, "/api/debates"), (.get, "/api/debates/active"),
                (.post, "/api/debates"), (.delete, "/api/debates/\(id)"), (.post, "/api/debates/\(otherID)/cancel"),
            ]
            for (method, path) in refused {
                let r = try await client.json(method, path, body: "{}", token: own)
                XCTAssertEqual(r.status, 403, "\(method) \(path)")
                XCTAssertEqual(r.json["code"], "forbidden")
            }
            for loop in ["", "ADMIN", "admin ", "someone"] {
                let r = try await client.json(.get, "/api/debates", token: Self.token(loop))
                XCTAssertEqual(r.status, 403, "loop_id '\(loop)'")
                let publicRoute = try await client.json(.get, "/api/agents", token: Self.token(loop)).status
                XCTAssertEqual(publicRoute, 200, "public routes stay public")
            }
        }
    }

    func testGuessingTokensSpendsTheIPBudget() async throws {
        var env = secret
        env.merge(["ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "3", "ARAGORA_BURST_MULTIPLIER": "1"]) { $1 }
        try await withServer(env, clock: ManualClock()) { client, _ in
            var statuses: [Int] = []
            for i in 0..<5 { statuses.append(try await client.json(.get, "/api/debates", token: "admin:4102444800:\(i)").status) }
            XCTAssertEqual(statuses, [401, 401, 401, 429, 429], "three guesses, then the IP's budget is spent")
        }
    }

    func testExportsNeutraliseFormulasAndRawHTML() {
        var r = DebateRecord(id: "deb_x", task: "Is <b>this</b> safe?", agents: [AgentIdentity(name: "a", provider: "demo", model: "m")],
                             rounds: 1, consensusMethod: .majority, seed: 1, createdAt: 1)
        r.messages = [
            DebateMessage(role: "proposal", agent: "a", content: "=HYPERLINK(\"http://evil\",\"x\")", round: 1, timestamp: 1),
            DebateMessage(role: "proposal", agent: "a", content: "@SUM(1+1)", round: 1, timestamp: 1),
            DebateMessage(role: "proposal", agent: "a", content: "<img src=x onerror=alert(1)>", round: 1, timestamp: 1),
            DebateMessage(role: "proposal", agent: "a", content: "-2+3", round: 1, timestamp: 1),
            DebateMessage(role: "proposal", agent: "a", content: "\tcmd", round: 1, timestamp: 1),
        ]
        let csv = DebateExporter.csv(r)
        for cell in ["\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"", "'@SUM(1+1)", "'-2+3", "'\tcmd"] {
            XCTAssertTrue(csv.contains(cell), "\(cell) in \(csv)")
        }
        XCTAssertFalse(csv.contains(",=HYPERLINK"), "no cell starts a formula")
        let md = DebateExporter.markdown(r)
        XCTAssertFalse(md.contains("<img"), "raw HTML escaped")
        XCTAssertTrue(md.contains("&lt;img src=x onerror=alert(1)&gt;"))
        XCTAssertTrue(md.contains("# Is &lt;b&gt;this&lt;/b&gt; safe?"))
    }

    func testSecurityHeaders() async throws {
        try await withServer { client, service in
            let done = try await client.runDebate(#"{"question":"Headers?","rounds":1}"#, on: service)
            let id = try XCTUnwrap(done["id"]?.stringValue)
            for path in ["/api/health", "/nope", "/api/debates/\(id)"] {
                let r = try await client.json(.get, path)
                XCTAssertEqual(r.headers[HTTPField.Name("X-Content-Type-Options")!], "nosniff", path)
            }
            let html = try await client.execute(uri: "/api/debates/\(id)/export/html", method: .get)
            XCTAssertEqual(html.headers[HTTPField.Name("X-Frame-Options")!], "DENY")
            XCTAssertTrue(html.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
        }
    }

    func testWebSocketURLComesFromConfigurationOrATrustedProxy() async throws {
        let body = #"{"question":"Where?","rounds":1}"#
        try await withServer(["ARAGORA_PUBLIC_URL": "https://api.example.com"]) { client, _ in
            let r = try await client.json(.post, "/api/debates", body: body)
            XCTAssertEqual(r.json["websocket_url"], "wss://api.example.com/ws")
        }
        try await withServer { client, _ in
            // The test client is on loopback, a trusted proxy by default.
            let r = try await client.json(.post, "/api/debates", body: body, headers: [
                HTTPField.Name("X-Forwarded-Proto")!: "https", HTTPField.Name("X-Forwarded-Host")!: "aragora.example.org",
            ])
            XCTAssertEqual(r.json["websocket_url"], "wss://aragora.example.org/ws")
        }
        try await withServer(["ARAGORA_TRUSTED_PROXIES": "10.9.9.9", "ARAGORA_HOST": "127.0.0.1"]) { client, service in
            // Loopback is not a trusted proxy here: its Host and forwarded headers are ignored.
            let r = try await client.json(.post, "/api/debates", body: body, headers: [HTTPField.Name("X-Forwarded-Host")!: "evil.example"])
            XCTAssertEqual(r.json["websocket_url"]?.stringValue, "ws://127.0.0.1:\(service.boundPort ?? -1)/ws")
        }
        XCTAssertThrowsError(try ServerConfiguration(environment: ["ARAGORA_PUBLIC_URL": "ftp://x"]))
    }

    func testForwardedValuesMustBeIPAddresses() {
        let resolver = ClientIPResolver(trusted: ["127.0.0.1"])
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { ["X-Forwarded-For": "garbage, unknown"][$0] }, "127.0.0.1")
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { ["X-Real-IP": "not-an-ip"][$0] }, "127.0.0.1")
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { ["X-Forwarded-For": "203.0.113.5, junk"][$0] }, "203.0.113.5")
        XCTAssertEqual(resolver.resolve(peer: "127.0.0.1") { ["CF-Connecting-IP": "x", "CF-Ray": "1"][$0] }, "127.0.0.1")
    }

    func testEachDebateReplaysOncePerSocketAndSubscriptionsAreBounded() async throws {
        try await withServer { client, service in
            let engine = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0) },
                                      config: DebateConfig(rounds: 1))
            var ids: [String] = []
            for i in 0...LiveStreams.maxSubscriptions {
                let record = engine.newRecord(id: "deb_sub\(i)", question: "Follow me \(i)?")
                _ = try await service.debates.store.create(record, owner: "elsewhere", leaseSeconds: 60)
                ids.append(record.id)
            }
            let got = Collected()
            let others = ids.dropFirst()
            try await client.ws("/ws") { inbound, outbound, _ in
                try await outbound.write(.text(#"{"type":"subscribe","debate_id":"deb_sub0","replay_from_seq":0}"#))
                try await outbound.write(.text(#"{"type":"subscribe","debate_id":"deb_sub0","replay_from_seq":0}"#))
                for id in others { try await outbound.write(.text(#"{"type":"subscribe","debate_id":"\#(id)"}"#)) }
                try await outbound.write(.text(#"{"type":"ping"}"#))
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let v = JSONValue.parse(text) else { continue }
                    got.add(v)
                    if v["type"] == "pong" { break }
                }
            }
            let types = got.items.compactMap { $0["type"]?.stringValue }
            XCTAssertEqual(types.filter { $0 == "replay_start" }.count, 1, "deb_sub0 replayed once")
            XCTAssertTrue(got.items.contains { $0["type"] == "subscribed" && $0["data"]?["already"] == true })
            let refused = got.items.filter { $0["data"]?["code"] == "too_many_subscriptions" }
            XCTAssertEqual(refused.map { $0["data"]?["debate_id"]?.stringValue }, ["deb_sub\(LiveStreams.maxSubscriptions)"])
        }
    }

    func testWebSocketScopesAndNeverEchoesTheToken() async throws {
        try await withServer(secret) { client, service in
            let admin = Self.token("admin")
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Watch?","rounds":1}"#, token: admin)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            _ = try await client.waitForEnd(id, token: admin, on: service)
            // Without a token: a plain GET is a JSON 401 (a refused upgrade gets hummingbird-websocket's empty 400).
            let noToken = try await client.json(.get, "/ws")
            XCTAssertEqual(noToken.status, 401)
            XCTAssertEqual(noToken.json["code"], "auth_required")
            // A debate's token may watch that debate only; the handshake echoes the plain subprotocol, not the token.
            let scoped = Self.token(id)
            let headers: HTTPFields = [.secWebSocketProtocol: "aragora, access_token.\(scoped)"]
            let echoed = Collected()
            try await client.ws("/ws", configuration: .init(additionalHeaders: headers)) { inbound, outbound, context in
                try await outbound.write(.text(#"{"type":"subscribe","debate_id":"deb_someoneelse"}"#))
                try await outbound.write(.text(#"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":0}"#))
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let v = JSONValue.parse(text) else { continue }
                    echoed.add(v)
                    if v["type"] == "replay_end" { break }
                }
            }
            let types = echoed.items.compactMap { $0["type"]?.stringValue }
            XCTAssertTrue(echoed.items.contains { $0["type"] == "error" && $0["data"]?["code"] == "forbidden" }, "\(types)")
            XCTAssertTrue(types.contains("replay_start"), "\(types)")
        }
    }
}

/// A plain TCP client for what HTTP clients will not send: nothing, half a request head.
struct RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) { send(bytes: Array(text.utf8)) }
    func send(bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }

    /// Everything the server sends until it closes (or `within` passes), and whether it closed.
    func readAll(within seconds: Double) -> (text: String, closed: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (String(decoding: out, as: UTF8.self), true) }
            out += buffer[0..<n]
        }
        return (String(decoding: out, as: UTF8.self), false)
    }

    /// Reads until the server closes the connection or `within` passes; true when it closed.
    func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return true }
        }
        return false
    }

    func close() { _ = Glibc.close(fd) }
}

final class ConnectionTimeoutTests: XCTestCase {
    /// Requests the HTTP parser rejects get a JSON 400 (431 for oversized heads) and the connection closes, at once.
    func testMalformedRequestsAreAnsweredAndClosed() async throws {
        try await withServer { _, service in
            let port = try XCTUnwrap(service.boundPort)
            let big = String(repeating: "a", count: 100_000)
            let cases: [(String, [UInt8], String)] = [
                ("bad request line", Array("GARBAGE\r\n\r\n".utf8), "400"),
                ("NUL in a header", Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-A: a".utf8) + [0] + Array("b\r\n\r\n".utf8), "400"),
                ("bare LF", Array("GET /healthz HTTP/1.1\nHost: localhost\n\n".utf8), "400"),
                ("100 KB header", Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: \(big)\r\n\r\n".utf8), "431"),
                ("100 KB URI", Array("GET /\(big) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8), "431"),
                ("Content-Length: -1", Array("POST /api/debates HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n".utf8), "400"),
                ("TE and CL", Array("POST /api/debates HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8), "400"),
                ("malformed chunk", Array("POST /api/debates HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n".utf8), "400"),
            ]
            for (name, bytes, status) in cases {
                let c = try RawConnection(port: port)
                defer { c.close() }
                c.send(bytes: bytes)
                let (text, closed) = c.readAll(within: 5)
                XCTAssertTrue(text.hasPrefix("HTTP/1.1 \(status)"), "\(name): \(text.prefix(80))")
                XCTAssertTrue(text.contains("\"code\":"), "\(name): a JSON error body")
                XCTAssertTrue(closed, "\(name): the connection is closed")
            }
        }
    }

    /// HTTP/1.0 closes after the response unless the client asked for keep-alive; HTTP/1.1 stays open.
    func testHTTP10ClosesUnlessItAskedForKeepAlive() async throws {
        try await withServer { _, service in
            let port = try XCTUnwrap(service.boundPort)
            let cases: [(String, Bool)] = [
                ("GET /healthz HTTP/1.0\r\n\r\n", true),
                ("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false),
                ("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", false),
            ]
            for (request, closes) in cases {
                let c = try RawConnection(port: port)
                defer { c.close() }
                c.send(request)
                let (text, closed) = c.readAll(within: closes ? 5 : 0.5)
                XCTAssertTrue(text.hasPrefix("HTTP/1.1 200"), "\(request): \(text.prefix(40))")
                XCTAssertEqual(closed, closes, request)
            }
        }
    }

    /// Idle keep-alive connections and request heads that never arrive are closed after ARAGORA_IDLE_TIMEOUT.
    func testIdleAndHalfSentConnectionsAreClosed() async throws {
        try await withServer(["ARAGORA_IDLE_TIMEOUT": "0.5"]) { _, service in
            let port = try XCTUnwrap(service.boundPort)
            let silent = try RawConnection(port: port)
            let halfHead = try RawConnection(port: port)
            halfHead.send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n")
            let keepAlive = try RawConnection(port: port)
            keepAlive.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            defer { [silent, halfHead, keepAlive].forEach { $0.close() } }
            XCTAssertTrue(silent.closedByServer(within: 5), "a connection that never sends is closed")
            XCTAssertTrue(halfHead.closedByServer(within: 5), "a request head that never completes is closed")
            XCTAssertTrue(keepAlive.closedByServer(within: 5), "an idle keep-alive connection is closed after its response")
        }
    }
}

extension ConnectionTimeoutTests {
    /// A request body that stalls gets a 408 and the connection closes; so does a next request head trickled in
    /// a byte at a time, which a read-idle timer would never catch.
    func testStalledBodiesAndTrickledHeadsAreClosed() async throws {
        try await withServer(["ARAGORA_IDLE_TIMEOUT": "0.5"]) { _, service in
            let port = try XCTUnwrap(service.boundPort)
            for (name, start) in [
                ("content-length", "POST /api/debates HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"q"),
                ("chunked", "POST /api/debates HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"q\":\r\n"),
            ] {
                let c = try RawConnection(port: port)
                defer { c.close() }
                c.send(start)
                let (text, closed) = c.readAll(within: 5)
                XCTAssertTrue(text.hasPrefix("HTTP/1.1 408"), "\(name): \(text.prefix(60))")
                XCTAssertTrue(text.contains("\"code\":\"request_timeout\""), name)
                XCTAssertTrue(closed, name)
            }
            let trickle = try RawConnection(port: port)
            defer { trickle.close() }
            trickle.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            XCTAssertFalse(trickle.closedByServer(within: 0.2), "answered and kept alive")
            trickle.send("GET /healthz HTTP/1.1\r\n")
            var closed = false
            for _ in 0..<20 where !closed {
                trickle.send("X")
                closed = trickle.closedByServer(within: 0.2)
            }
            XCTAssertTrue(closed, "a head trickled in byte by byte is closed at the idle timeout")
        }
    }

    /// A WebSocket upgrade without a valid token is a JSON 401 saying why, not an empty 400.
    func testARefusedUpgradeSaysWhyInJSON() async throws {
        try await withServer(["ARAGORA_API_TOKEN": "edge-secret"]) { _, service in
            let port = try XCTUnwrap(service.boundPort)
            let c = try RawConnection(port: port)
            defer { c.close() }
            c.send("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            let (text, closed) = c.readAll(within: 5)
            XCTAssertTrue(text.hasPrefix("HTTP/1.1 401"), String(text.prefix(80)))
            XCTAssertTrue(text.contains("\"code\":\"auth_required\""), text)
            XCTAssertTrue(text.lowercased().contains("x-content-type-options: nosniff"), text)
            XCTAssertTrue(closed)
        }
    }

    /// At ARAGORA_MAX_CONNECTIONS, silent connections make room for new ones (so a probe gets through a flood);
    /// connections with a request in progress are kept; when all are busy, a new one gets a 503 at once.
    func testAtTheConnectionLimitSilentConnectionsMakeRoom() async throws {
        try await withServer(["ARAGORA_MAX_CONNECTIONS": "20"]) { _, service in
            let port = try XCTUnwrap(service.boundPort)
            let busy = try RawConnection(port: port)
            busy.send("POST /api/debates HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{")
            XCTAssertFalse(busy.closedByServer(within: 0.2), "its head is read before the flood")
            var flood: [RawConnection] = []
            defer { (flood + [busy]).forEach { $0.close() } }
            for _ in 0..<200 { flood.append(try RawConnection(port: port)) }
            let probe = try RawConnection(port: port)
            flood.append(probe)
            probe.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let (text, _) = probe.readAll(within: 5)
            XCTAssertTrue(text.hasPrefix("HTTP/1.1 200"), "the probe got through: \(text.prefix(60))")
            XCTAssertLessThanOrEqual(service.connections.openCount, 20)
            XCTAssertTrue(flood[0].closedByServer(within: 20), "the oldest silent connection made room")
            XCTAssertFalse(busy.closedByServer(within: 0.1), "a connection with a request in progress is kept")
            XCTAssertGreaterThanOrEqual(service.connections.counts.evicted, 180)

            // Fill every place with a request in progress: the next connection is refused outright.
            var busyOnes: [RawConnection] = []
            defer { busyOnes.forEach { $0.close() } }
            for _ in 0..<20 {
                let c = try RawConnection(port: port)
                c.send("POST /api/debates HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{")
                busyOnes.append(c)
                _ = c.closedByServer(within: 0.02)
            }
            let refused = try RawConnection(port: port)
            defer { refused.close() }
            let (answer, closed) = refused.readAll(within: 5)
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 503"), String(answer.prefix(60)))
            XCTAssertTrue(answer.contains("too_many_connections"))
            XCTAssertTrue(closed)
        }
    }
}

/// A store that refuses writes is reported as such, and recovers by itself.
final class StorageHealthTests: XCTestCase {
    /// Changing the cap is a write too: on a full database it may share a failing transaction, so retry (bounded).
    static func setCap(_ store: SQLiteDebateStore, _ on: Bool) async {
        for _ in 0..<50 {
            if (try? await store.capSizeForTesting(on)) != nil { return }
        }
        XCTFail("could not \(on ? "cap" : "uncap") the database")
    }

    func testAFullDatabaseIsUnhealthyAndCreatesAnswer507() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-full-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await SQLiteDebateStore.open(path: dir.appendingPathComponent("a.sqlite").path)
        try await withServer(dataDir: dir, store: store) { client, _ in
            let body = #"{"question":"Where do I go when the disk is full?","rounds":1,"context":"\#(String(repeating: "padding ", count: 2000))"}"#
            let first = try await client.json(.post, "/api/debates", body: body)
            XCTAssertEqual(first.status, 200)
            await Self.setCap(store, true)
            var refused: (status: Int, json: JSONValue, headers: HTTPFields)?
            for _ in 0..<20 {  // the next writes that need a page fail as on a full disk
                let r = try await client.json(.post, "/api/debates", body: body)
                if r.status != 200 { refused = r; break }
            }
            XCTAssertEqual(refused?.status, 507, "\(refused?.json ?? .null)")
            XCTAssertEqual(refused?.json["code"], "insufficient_storage")
            let ready = try await client.json(.get, "/readyz")
            XCTAssertEqual(ready.status, 503)
            XCTAssertTrue(ready.json["reason"]?.stringValue?.contains("no space") == true, "\(ready.json)")
            let health = try await client.json(.get, "/api/health")
            XCTAssertEqual(health.json["status"], "unhealthy")
            XCTAssertEqual(health.json["checks"]?["database"]?["healthy"], false)
            // Space comes back: the next write succeeds and health recovers by itself.
            await Self.setCap(store, false)
            let again = try await client.json(.post, "/api/debates", body: body)
            XCTAssertEqual(again.status, 200)
            let readyAgain = try await client.json(.get, "/readyz").status
            XCTAssertEqual(readyAgain, 200)
        }
    }

    /// A debate whose final save meets a full disk is saved once space is back, never left `running`.
    func testTheFinalSaveIsRetriedUntilTheDiskHasRoom() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-retry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await SQLiteDebateStore.open(path: dir.appendingPathComponent("a.sqlite").path)
        try await withServer(["ARAGORA_DEMO_LATENCY_MS": "50"], dataDir: dir, store: store) { client, service in
            let created = try await client.json(.post, "/api/debates", body: #"{"question":"Saved at last?","rounds":1}"#)
            let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
            await Self.setCap(store, true)
            await awaitEvent(.debateEnd, of: id, in: service)
            // Wait (bounded) until a write has failed for want of space: the final save met the full disk.
            var failed = false
            for _ in 0..<200 where !failed {
                do { try await store.ping(); try await Task.sleep(for: .milliseconds(10)) } catch { failed = true }
            }
            XCTAssertTrue(failed, "the full disk was seen")
            await Self.setCap(store, false)
            let done = try await client.waitForEnd(id, on: service)
            XCTAssertEqual(done["status"], "completed")
        }
    }
}

/// Findings of schemathesis against the OpenAPI document, each pinned here; CI also runs schemathesis itself
/// (`scripts/schemathesis.sh`).
final class OpenAPIExactnessTests: XCTestCase {
    func testAllowNamesTheMethodsOfTheMostSpecificRoute() async throws {
        try await withServer { client, _ in
            for path in ["/api/debates/active", "/api/v1/debates/active"] {
                let r = try await client.json(.options, path)
                XCTAssertEqual(r.status, 405, path)
                XCTAssertEqual(r.headers[.allow], "GET", "a literal route is not the {id} route: \(path)")
                let delete = try await client.json(.delete, path).status
                XCTAssertEqual(delete, 405)
            }
            let r = try await client.json(.put, "/api/debates/deb_x")
            XCTAssertEqual(Set(r.headers[.allow]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []),
                           ["GET", "DELETE"])
        }
    }

    func testRequestValuesAreCheckedAsDeclared() async throws {
        try await withServer { client, _ in
            func create(_ body: String) async throws -> (Int, String?) {
                let r = try await client.json(.post, "/api/debates", body: body)
                return (r.status, r.json["code"]?.stringValue ?? r.json["details"]?["field"]?.stringValue)
            }
            // Null means absent; integral doubles are integers; a question wins over a task.
            var (status, _) = try await create(#"{"question":"Null agents?","agents":null,"rounds":1.0,"seed":9007199254740993.0}"#)
            XCTAssertEqual(status, 200)
            (status, _) = try await create(#"{"question":null,"task":"Task instead?","rounds":1}"#)
            XCTAssertEqual(status, 200)
            // Values in config are held to the same rules even when the top level overrides them.
            (status, _) = try await create(#"{"question":"q?","rounds":1,"config":{"rounds":0}}"#)
            XCTAssertEqual(status, 422)
            (status, _) = try await create(#"{"question":"q?","agents":"demo,demo","config":{"agents":["demo"]}}"#)
            XCTAssertEqual(status, 400)
            (status, _) = try await create(#"{"question":"q?","task":5}"#)
            XCTAssertEqual(status, 400)
            // The agent grammar is the published one: exact provider names, no empty entries, ASCII fields.
            for agents in [#""DEMO,demo""#, #""demo,,demo""#, #"["demo:é", "demo"]"#, #"[{"provider":"demo","model":5},"demo"]"#] {
                (status, _) = try await create(#"{"question":"q?","agents":\#(agents)}"#)
                XCTAssertEqual(status, 400, agents)
            }
            (status, _) = try await create(#"{"question":"q?","agents":" demo , demo|m1||critic ","consensus":"majority","rounds":1}"#)
            XCTAssertEqual(status, 200)
            (status, _) = try await create(#"{"question":"q?","consensus":"MAJORITY"}"#)
            XCTAssertEqual(status, 400)
            // Lengths count code points before trimming, as maxLength does; blank means JSON Schema's blank.
            let long = String(repeating: "Y\u{1F3FB}", count: 5001)
            (status, _) = try await create(#"{"question":"\#(long)"}"#)
            XCTAssertEqual(status, 422, "10,002 code points, 5,001 graphemes")
            (status, _) = try await create(#"{"question":"\u001c\u00a0 "}"#)
            XCTAssertEqual(status, 400)
        }
    }

    func testQueryParametersAreIntegersOrRefused() async throws {
        try await withServer { client, service in
            let done = try await client.runDebate(#"{"question":"Params?","rounds":1}"#, on: service)
            let id = try XCTUnwrap(done["id"]?.stringValue)
            let emptyLimit = try await client.json(.get, "/api/leaderboard?limit=").status
            XCTAssertEqual(emptyLimit, 400)
            let emptyStatus = try await client.json(.get, "/api/debates?status=").status
            XCTAssertEqual(emptyStatus, 400, "an empty status is not one of the declared values")
            let booleanSince = try await client.json(.get, "/api/debates/\(id)/stream?since=true").status
            XCTAssertEqual(booleanSince, 400)
            let plain = try await client.json(.get, "/ws")
            XCTAssertEqual(plain.status, 426, "a plain GET of the WebSocket endpoint says to upgrade")
            XCTAssertEqual(plain.headers[.upgrade], "websocket")
        }
    }

    func testTheDocumentPublishesTheConfiguredLimits() async throws {
        try await withServer(["ARAGORA_MAX_ROUNDS": "5", "ARAGORA_DEFAULT_ROUNDS": "2"]) { client, _ in
            let doc = try await client.json(.get, "/api/openapi.json").json
            let request = doc["components"]?["schemas"]?["DebateRequest"]
            XCTAssertEqual(request?["properties"]?["rounds"]?["maximum"], .int(5))
            let forms = request?["properties"]?["agents"]?["oneOf"]?.arrayValue
            let entry = forms?[2]["items"]?["oneOf"]?.arrayValue
            XCTAssertEqual(entry?[1]["properties"]?["provider"]?["enum"], ["demo"], "only the providers available here")
        }
    }
}
