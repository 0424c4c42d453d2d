import AragoraCore
import AragoraMCP
import Hummingbird
import HTTPTypes
import NIOCore

/// `/mcp`: the MCP server over streamable HTTP (stateless, see `MCPHTTPEndpoint`), behind the same bearer tokens
/// and scopes as the API: an `admin` token (or auth off) may do everything, a token scoped to one debate may read
/// and cancel that debate only (the tools refuse the rest).
struct MCPController {
    let service: ServerContext

    func register(on router: Router<AppRequestContext>) {
        let endpoint = MCPHTTPEndpoint(service: service.debates)
        router.post("/mcp") { request, context in try await handle(request, context, endpoint) }
        // No standalone event stream and no session to end: every call carries its own events.
        for method: HTTPRequest.Method in [.get, .delete] {
            router.on("/mcp", method: method) { _, _ -> Response in
                var refusal = APIError(.methodNotAllowed, "method_not_allowed",
                                       "this MCP endpoint is stateless: POST one JSON-RPC message per request; there is no event stream or session")
                refusal.headers[.allow] = "POST"
                throw refusal
            }
        }
    }

    func handle(_ request: Request, _ context: AppRequestContext, _ endpoint: MCPHTTPEndpoint) async throws -> Response {
        let body = try await request.body.collect(upTo: service.config.maxRequestSize)
        let bytes = Array(body.readableBytesView)
        // A debate started over MCP spends from the same creation budget as POST /api/debates.
        if !service.config.rateLimitsDisabled, Self.startsDebate(bytes) {
            let limiter = RateLimitMiddleware(service: service)
            let decision = try await limiter.take("create:" + context.credential, perMinute: service.config.createRateLimit)
            guard decision.allowed else { throw RateLimitMiddleware.refusal(decision, service: service) }
        }
        let access: MCPAccess
        switch context.loopID.map(TokenScope.init(loopID:)) {
        case .debate(let id)?: access = .debate(id)
        default: access = .everything  // auth off, or an admin token (the middleware refused every other token)
        }
        let accepts = request.headers[.accept]?.contains("text/event-stream") ?? false
        switch await endpoint.handle(body: bytes, acceptsEventStream: accepts, access: access) {
        case .accepted:
            return Response(status: .accepted)
        case .json(let status, let data):
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        case .events(let frames):
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                       HTTPField.Name("X-Accel-Buffering")!: "no"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for await frame in frames { try await writer.write(ByteBuffer(bytes: frame)) }
                try await writer.finish(nil)
            })
        }
    }

    /// A `tools/call` of a tool that starts a debate.
    static func startsDebate(_ body: [UInt8]) -> Bool {
        guard let message = JSONValue.parse(bytes: body), message["method"] == "tools/call" else { return false }
        return ["debate", "follow_up"].contains(message["params"]?["name"]?.stringValue ?? "")
    }
}
