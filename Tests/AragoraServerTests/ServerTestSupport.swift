import AragoraCore
import AragoraDebates
import AragoraServer
import AragoraStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import Logging
import NIOCore
import Synchronization
import XCTest

/// Starts the real service (real SQLite in a temporary directory, real HTTP server on an ephemeral
/// loopback port) and hands a client to the test.
func withServer<T: Sendable>(
    _ env: [String: String] = [:], dataDir: URL? = nil, clock: ManualClock? = nil, store: (any DebateStore)? = nil,
    _ body: @Sendable (any TestClientProtocol, ServerContext) async throws -> T
) async throws -> T {
    let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("aragora-test-\(UUID().uuidString)")
    var environment = ["ARAGORA_DATA_DIR": dir.path, "ARAGORA_PORT": "0", "ARAGORA_DISABLE_ALL_RATE_LIMITS": "1"]
    environment.merge(env) { _, new in new }
    let config = try ServerConfiguration(environment: environment)
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    var now: @Sendable () -> Double = { Timestamp.now() }
    if let clock { now = { clock.now } }
    let service = try await ServerContext.make(configuration: config, store: store, logger: logger, now: now)
    let app = buildApplication(service: service)
    defer { if dataDir == nil { try? FileManager.default.removeItem(at: dir) } }
    return try await app.test(.live) { client in try await body(client, service) }
}

extension TestClientProtocol {
    func json(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, token: String? = nil,
              headers extra: HTTPFields = [:]) async throws -> (status: Int, json: JSONValue, headers: HTTPFields) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        headers.append(contentsOf: extra)
        let response = try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        return (Int(response.status.code), JSONValue.parse(text) ?? .string(text), response.headers)
    }

    /// Creates a debate and waits until it ends.
    func runDebate(_ body: String, token: String? = nil, on service: ServerContext) async throws -> JSONValue {
        let created = try await json(.post, "/api/debates", body: body, token: token)
        XCTAssertEqual(created.status, 200, "\(created.json)")
        let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
        return try await waitForEnd(id, token: token, on: service)
    }

    /// Waits for the runner to finish the debate (its final record saved), then reads it over HTTP.
    func waitForEnd(_ id: String, token: String? = nil, on service: ServerContext) async throws -> JSONValue {
        _ = await service.debates.runner.completion(of: id)
        let r = try await json(.get, "/api/debates/\(id)", token: token)
        let status = r.json["status"]?.stringValue.flatMap(DebateStatus.init(rawValue:))
        XCTAssertEqual(status?.isTerminal, true, "debate \(id) ended: \(r.json["status"] ?? .null)")
        return r.json
    }
}

/// Sends one message over a WebSocket and collects what comes back until a message of type `until`.
func wsCollect(_ client: any TestClientProtocol, _ message: String, until: String) async throws -> [JSONValue] {
    try await wsCollect(client, message) { v in v["type"]?.stringValue == until }
}

/// Sends one message over a WebSocket and collects what comes back until `last` says a message was the last
/// wanted; then the socket closes.
func wsCollect(_ client: any TestClientProtocol, _ message: String,
               last: @escaping @Sendable (JSONValue) -> Bool) async throws -> [JSONValue] {
    let received = Collected()
    try await client.ws("/ws") { inbound, outbound, _ in
        try await outbound.write(.text(message))
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message, let v = JSONValue.parse(text) else { continue }
            received.add(v)
            if last(v) { break }
        }
    }
    return received.items
}

/// Wall-clock time that moves only when a test says so.
final class ManualClock: Sendable {
    private let time = Mutex(1_800_000_000.0)
    var now: Double { time.withLock { $0 } }
    func advance(by seconds: Double) { time.withLock { $0 += seconds } }
}

/// Waits until a debate running in `service` has emitted an event of `type`.
func awaitEvent(_ type: DebateEventType, of id: String, in service: ServerContext) async {
    let subscription = await service.debates.bus.subscribe(id)
    defer { subscription.cancel() }
    if subscription.history?.contains(where: { $0.type == type }) == true { return }
    for await e in subscription.events where e.type == type { return }
}
