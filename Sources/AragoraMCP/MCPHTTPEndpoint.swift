import AragoraCore
import AragoraDebates
import Foundation
import Logging
import MCP

/// MCP's streamable HTTP transport, stateless: every POST is answered by a server of its own, so any instance behind
/// the load balancer can answer any call and no session has to be shared.
///
/// Why not the SDK's HTTP transports: its stateful one sends notifications only on the standalone GET stream (a
/// client calling over POST never sees progress, and the session lives on one instance); its stateless one drops
/// notifications. Here a `tools/call` whose client accepts `text/event-stream` is answered with an event stream
/// carrying that call's progress notifications and then its result; other requests get one JSON response.
/// There is no standalone GET stream (405), so nothing reaches a client outside a call of its own.
public struct MCPHTTPEndpoint: Sendable {
    public enum Reply: Sendable {
        /// 202, no body: a notification or a response from the client (nothing to answer statelessly).
        case accepted
        /// One JSON-RPC message.
        case json(status: Int, Data)
        /// Server-Sent Events, one `message` event per JSON-RPC message; the last is the response.
        case events(AsyncStream<Data>)
    }

    let service: DebateService

    public init(service: DebateService) {
        self.service = service
    }

    public func handle(body: [UInt8], acceptsEventStream: Bool, access: MCPAccess) async -> Reply {
        guard let message = JSONValue.parse(bytes: body) else {
            return Self.error(status: 400, id: .null, code: -32700, "the body is not JSON")
        }
        guard case .object(let o) = message else {
            return Self.error(status: 400, id: .null, code: -32600, "send one JSON-RPC message per POST (batches are not supported)")
        }
        guard let method = o["method"]?.stringValue else { return .accepted }  // a client's response to us: we ask nothing
        guard let id = o["id"], id != .null else { return .accepted }  // a notification: no state to change
        let exchange = RequestExchange(body: Data(body))
        let server = await AragoraMCPServer.make(service: service, access: access, transport: exchange)
        do { try await server.start(transport: exchange) } catch {
            return Self.error(status: 500, id: id, code: -32603, "the MCP server did not start: \(error)")
        }
        let outgoing = exchange.outgoing
        if acceptsEventStream && method == CallTool.name {
            let (frames, continuation) = AsyncStream<Data>.makeStream()
            // Forwards until the response; a client that went away stops reading, not the call (nor its debate).
            Task {
                for await message in outgoing {
                    continuation.yield(Data("event: message\ndata: ".utf8) + message + Data("\n\n".utf8))
                }
                continuation.finish()
                await server.stop()
            }
            return .events(frames)
        }
        for await message in outgoing where Self.isResponse(message) {
            await server.stop()
            return .json(status: 200, message)
        }
        await server.stop()
        return Self.error(status: 500, id: id, code: -32603, "no response was produced")
    }

    static func isResponse(_ data: Data) -> Bool {
        guard let o = JSONValue.parse(data)?.objectValue else { return false }
        return o["method"] == nil && (o["result"] != nil || o["error"] != nil)
    }

    static func error(status: Int, id: JSONValue, code: Int, _ message: String) -> Reply {
        let body: JSONValue = ["jsonrpc": "2.0", "id": id, "error": ["code": .int(code), "message": .string(message)]]
        return .json(status: status, Data(body.serialized().utf8))
    }
}

/// The transport of one POST: the request in, whatever the server sends out (notifications, then the response),
/// which ends the exchange.
actor RequestExchange: Transport {
    nonisolated let logger = Logger(label: "aragora.mcp.http", factory: { _ in SwiftLogNoOpLogHandler() })
    private let body: Data
    let outgoing: AsyncStream<Data>
    private let continuation: AsyncStream<Data>.Continuation

    init(body: Data) {
        self.body = body
        (outgoing, continuation) = AsyncStream<Data>.makeStream()
    }

    func connect() async throws {}

    func disconnect() async { continuation.finish() }

    func send(_ data: Data) async throws {
        continuation.yield(data)
        if MCPHTTPEndpoint.isResponse(data) { continuation.finish() }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        let body = body
        return AsyncThrowingStream { c in
            c.yield(body)
            c.finish()
        }
    }
}
