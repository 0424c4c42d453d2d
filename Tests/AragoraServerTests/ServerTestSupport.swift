import AragoraCore
import AragoraServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import Logging
import NIOCore
import XCTest

/// Starts the real service (real SQLite in a temporary directory, real HTTP server on an ephemeral
/// loopback port) and hands a client to the test.
func withServer<T: Sendable>(
    _ env: [String: String] = [:], dataDir: URL? = nil,
    _ body: @Sendable (any TestClientProtocol, AragoraService) async throws -> T
) async throws -> T {
    let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("aragora-test-\(UUID().uuidString)")
    var environment = ["ARAGORA_DATA_DIR": dir.path, "ARAGORA_PORT": "0", "ARAGORA_DISABLE_ALL_RATE_LIMITS": "1"]
    environment.merge(env) { _, new in new }
    let config = try ServerConfiguration(environment: environment)
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    let service = try await AragoraService.make(configuration: config, logger: logger)
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
    func runDebate(_ body: String, token: String? = nil) async throws -> JSONValue {
        let created = try await json(.post, "/api/debates", body: body, token: token)
        XCTAssertEqual(created.status, 200, "\(created.json)")
        let id = try XCTUnwrap(created.json["debate_id"]?.stringValue)
        return try await waitForEnd(id, token: token)
    }

    func waitForEnd(_ id: String, token: String? = nil, timeout: Duration = .seconds(20)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let r = try await json(.get, "/api/debates/\(id)", token: token)
            if let s = r.json["status"]?.stringValue, DebateStatus(rawValue: s)?.isTerminal == true { return r.json }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("debate \(id) did not finish")
        return .null
    }
}

/// Sends one message over a WebSocket and collects what comes back until a message of type `until`.
func wsCollect(_ client: any TestClientProtocol, _ message: String, until: String) async throws -> [JSONValue] {
    let received = Collected()
    try await client.ws("/ws") { inbound, outbound, _ in
        try await outbound.write(.text(message))
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message, let v = JSONValue.parse(text) else { continue }
            received.add(v)
            if v["type"]?.stringValue == until { break }
        }
    }
    return received.items
}
