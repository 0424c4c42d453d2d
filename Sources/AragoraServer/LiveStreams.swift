import AragoraCore
import AragoraDebates
import AsyncAlgorithms
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// Live debate events over WebSocket (`/ws`) and Server-Sent Events (`/api/debates/{id}/stream`).
struct LiveStreams {
    let service: ServerContext
    static let heartbeatInterval: Duration = .seconds(15)

    // MARK: - WebSocket

    /// The subprotocol a browser may offer beside its `access_token.<token>` one: echoed so the handshake
    /// completes without sending the token back.
    static let subprotocol = "aragora"

    func registerWebSocket(on router: Router<AppRequestContext>) {
        router.ws("/ws") { request, _ in
            guard originRefusal(request) == nil else { return .dontUpgrade }
            guard case .success(let scope) = access(request.headers), scope != TokenScope.none else { return .dontUpgrade }
            let offered = Self.offeredSubprotocols(request.headers)
            return .upgrade(offered.contains(Self.subprotocol) ? [.secWebSocketProtocol: Self.subprotocol] : [:])
        } onUpgrade: { inbound, outbound, context in
            guard case .success(let scope) = access(context.request.headers) else { return }
            try await session(inbound: inbound, outbound: outbound, scope: scope, expires: tokenExpiry(context.request.headers))
        }
    }

    /// Browsers cannot set headers on a WebSocket: they may send the token as a subprotocol.
    static func offeredSubprotocols(_ headers: HTTPFields) -> [String] {
        headers[.secWebSocketProtocol]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
    }

    /// A token as a subprotocol: raw, or percent-encoded, because a subprotocol may not contain `:` and browsers
    /// refuse one that does (`new WebSocket(url, ["access_token." + encodeURIComponent(token)])`).
    static func subprotocolToken(_ value: String) -> String {
        value.contains("%") ? (value.removingPercentEncoding ?? value) : value
    }

    /// Who is connecting: everything when auth is off, else the scope of a valid token (Bearer header or
    /// `access_token.<token>` subprotocol), else the reason to refuse.
    func access(_ headers: HTTPFields) -> Result<TokenScope, APIError> {
        guard let auth = service.authenticator else { return .success(.admin) }
        guard let token = Self.presentedToken(headers) else {
            return .failure(APIError(.unauthorized, "auth_required", "authentication required: send a Bearer token or the subprotocol access_token.<token>"))
        }
        switch auth.validate(token) {
        case .success(let loop): return .success(TokenScope(loopID: loop))
        case .failure(let f): return .failure(APIError(.unauthorized, f.code, f.message))
        }
    }

    /// When the connection's token stops being valid: the socket is closed then (4401), as a request with it would
    /// be refused. Nil with auth off.
    func tokenExpiry(_ headers: HTTPFields) -> Date? {
        guard service.authenticator != nil, let token = Self.presentedToken(headers) else { return nil }
        return TokenAuthenticator.expiry(of: token)
    }

    /// The token a WebSocket client presents: the Bearer header, else the `access_token.<token>` subprotocol.
    static func presentedToken(_ headers: HTTPFields) -> String? {
        AuthMiddleware.bearer(headers) ?? offeredSubprotocols(headers).first { $0.hasPrefix("access_token.") }
            .map { subprotocolToken(String($0.dropFirst("access_token.".count))) }
    }

    /// A WebSocket opened by a page of another origin, or through a Host this server does not answer to.
    func originRefusal(_ request: Request) -> APIError? {
        service.originPolicy.refusal(method: request.method, headers: request.headers, authority: request.head.authority,
                                     hasBody: false, isUpgrade: true)
    }

    /// Why an upgrade (or a plain request to `/ws`) is refused, to say in JSON instead of an empty answer.
    /// `authority`: the request's Host, when known (the origin checks need it).
    func refusedUpgrade(_ headers: HTTPFields, authority: String? = nil) -> APIError {
        if let authority, let refusal = service.originPolicy.refusal(method: .get, headers: headers, authority: authority,
                                                                     hasBody: false, isUpgrade: true) {
            return refusal
        }
        switch access(headers) {
        case .failure(let error): return error
        case .success(.none): return APIError(.forbidden, "forbidden", "this token may not watch debates")
        case .success:
            var e = APIError(HTTPResponse.Status(code: 426, reasonPhrase: "Upgrade Required"), "websocket_required",
                             "/ws is a WebSocket endpoint: open it with a WebSocket handshake (Upgrade: websocket, Sec-WebSocket-Version: 13)")
            e.headers[.upgrade] = "websocket"
            e.headers[.connection] = "Upgrade"
            return e
        }
    }

    /// Why a connection is being closed by the server.
    enum Closing: Error {
        case policy(String)
        case tokenExpired
    }

    /// One connection: a writer task drains the outbox, a reader task handles messages within the connection's
    /// budget. Whichever ends first (the client went away, a write failed, a limit was passed, the token expired)
    /// cancels the others, so no replay or store read outlives the socket.
    func session(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, scope: TokenScope,
                 expires: Date? = nil) async throws {
        let (outbox, post) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(50_000))
        service.metrics.addGauge("aragora_websocket_connections", 1)
        defer { service.metrics.addGauge("aragora_websocket_connections", -1) }
        post.yield(Self.message("connection_info", [
            "instance_id": .string(service.config.instanceID), "version": .string(AragoraVersion.current),
            "heartbeat_interval": .int(15), "auth_required": .bool(service.authenticator != nil),
        ]))
        let subscriptions = Subscriptions()
        let budget = WebSocketBudget(service.config.webSocket)
        let closing = await withTaskGroup(of: Closing?.self) { group -> Closing? in
            group.addTask {
                for await text in outbox {
                    do { try await outbound.write(.text(text)) } catch { return nil }
                }
                return nil
            }
            group.addTask {
                for await _ in AsyncTimerSequence(interval: Self.heartbeatInterval, clock: .continuous) {
                    post.yield(Self.message("heartbeat", ["timestamp": .double(Timestamp.now())]))
                }
                return nil
            }
            if let expires {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(max(0, Int(expires.timeIntervalSinceNow * 1000))))
                    return Task.isCancelled ? nil : .tokenExpired
                }
            }
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 64 * 1024) {
                        guard !Task.isCancelled else { return nil }
                        guard budget.takeMessage() else {
                            return .policy("more than \(budget.limits.messageBurst) messages at once or \(budget.limits.messagesPerSecond) a second")
                        }
                        guard case .text(let text) = message else {
                            post.yield(Self.message("error", ["message": "send JSON text messages"]))
                            continue
                        }
                        try await handle(text, post: post, subscriptions: subscriptions, scope: scope, budget: budget)
                    }
                } catch let closing as Closing {
                    return closing
                } catch {}
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        subscriptions.cancelAll()
        post.finish()
        switch closing {
        case .policy(let reason)?:
            service.metrics.increment("aragora_websocket_closed_total", labels: [("reason", "policy")])
            try? await outbound.close(.policyViolation, reason: reason)
        case .tokenExpired?:
            service.metrics.increment("aragora_websocket_closed_total", labels: [("reason", "token_expired")])
            try? await outbound.close(.unknown(4401), reason: "token expired")
        case nil: break
        }
    }

    func handle(_ text: String, post: AsyncStream<String>.Continuation, subscriptions: Subscriptions, scope: TokenScope,
                budget: WebSocketBudget) async throws {
        guard let msg = JSONValue.parse(text), let type = msg["type"]?.stringValue else {
            post.yield(Self.message("error", ["message": "invalid message: expected {\"type\": ...}"]))
            return
        }
        switch type {
        case "ping":
            post.yield(Self.message("pong", ["timestamp": .double(Timestamp.now())]))
        case "subscribe":
            guard let id = msg["debate_id"]?.stringValue ?? msg["loop_id"]?.stringValue, DebateID.isValid(id) else {
                post.yield(Self.message("error", ["message": "subscribe needs a valid debate_id"]))
                return
            }
            guard scope.mayWatch(id) else {
                post.yield(Self.message("error", ["message": .string("this token may not watch debate \(id)"), "code": "forbidden",
                                                  "debate_id": .string(id)]))
                return
            }
            let replayFrom = msg["replay_from_seq"]?.intValue
            try await subscribe(id, replayFrom: replayFrom, post: post, subscriptions: subscriptions, budget: budget)
        case "unsubscribe":
            if let id = msg["debate_id"]?.stringValue { subscriptions.cancel(id) }
            post.yield(Self.message("unsubscribed", ["debate_id": JSONValue(msg["debate_id"]?.stringValue)]))
        default:
            post.yield(Self.message("error", ["message": .string("unknown message type '\(type)'")]))
        }
    }

    /// Debates one socket may follow at once.
    static let maxSubscriptions = 50

    /// Subscribing again to a debate already followed only confirms it. A debate's history is replayed at most
    /// once per connection, whatever is unsubscribed in between (a client cannot make the server replay a history
    /// over and over); a reconnecting client opens a new connection. Replayed bytes count against the budget.
    func subscribe(_ id: String, replayFrom: Int?, post: AsyncStream<String>.Continuation, subscriptions: Subscriptions,
                   budget: WebSocketBudget) async throws {
        if subscriptions.contains(id) {
            post.yield(Self.message("subscribed", ["debate_id": .string(id), "already": true]))
            return
        }
        guard subscriptions.count < Self.maxSubscriptions else {
            post.yield(Self.message("error", ["message": .string("a connection may follow \(Self.maxSubscriptions) debates at most: unsubscribe first"),
                                              "code": "too_many_subscriptions", "debate_id": .string(id)]))
            return
        }
        if replayFrom != nil, !budget.startReplay(id) {
            post.yield(Self.message("error", ["message": .string("debate \(id) was replayed on this connection already: open a new connection to replay it again"),
                                              "code": "already_replayed", "debate_id": .string(id)]))
            return
        }
        let subscription = await service.debates.bus.subscribe(id)
        let history = subscription.history
        if history == nil {
            guard (try? await service.debates.store.recordJSON(id: id)) != nil else {
                subscription.cancel()
                post.yield(Self.message("error", ["message": .string("debate \(id) not found"), "debate_id": .string(id)]))
                return
            }
        }
        try Task.checkCancellation()
        post.yield(Self.message("subscribed", ["debate_id": .string(id), "active": .bool(history != nil)]))
        var last = history?.last?.seq ?? 0
        if let from = replayFrom {
            let missed: [DebateEvent]
            if let history { missed = history.filter { $0.seq > from } } else {
                missed = (try? await service.debates.store.events(id: id, since: from, limit: 1_000_000)) ?? []
            }
            post.yield(Self.message("replay_start", ["debate_id": .string(id), "from_seq": .int(from), "count": .int(missed.count)]))
            for e in missed {
                if Task.isCancelled { subscription.cancel(); throw CancellationError() }
                let text = e.serialized()
                guard budget.spendReplay(text.utf8.count) else {
                    subscription.cancel()
                    throw Closing.policy("replay allowance of \(budget.limits.maxReplayBytes) bytes spent")
                }
                post.yield(text)
            }
            last = max(last, missed.last?.seq ?? from)
            post.yield(Self.message("replay_end", ["debate_id": .string(id), "last_seq": .int(last)]))
        }
        var after = last
        let task = Task {
            for await e in subscription.events {
                // A takeover: what followed `e.seq` is replaced by what the new owner sends next.
                if e.type == .debateResumed { after = e.seq } else if e.seq <= after { continue } else { after = e.seq }
                post.yield(e.serialized())
            }
            subscription.cancel()
        }
        subscriptions.add(id, task: task)
    }

    static func message(_ type: String, _ data: JSONValue) -> String {
        JSONValue.object(["type": .string(type), "data": data, "timestamp": .double(Timestamp.now())]).serialized()
    }

    // MARK: - SSE

    func sse(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try DebateController.debateID(context)
        let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int($0) }
        let sinceQuery = try DebateController.intParam(request.uri.queryParameters["since"].map(String.init), name: "since",
                                                       default: 0, range: 0...Int(Int32.max))
        let since = lastEventID ?? sinceQuery
        let subscription = await service.debates.bus.subscribe(id)
        let history = subscription.history
        var past: [DebateEvent]
        if let history {
            past = history.filter { $0.seq > since }
        } else {
            subscription.cancel()
            guard try await service.debates.store.recordJSON(id: id) != nil else { throw DebateController.missing(id) }
            past = try await service.debates.store.events(id: id, since: since, limit: 1_000_000)
        }
        let live = history != nil
        let replay = past
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                   HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var last = since
            for e in replay {
                try await writer.write(ByteBuffer(string: Self.sseFrame(e)))
                last = e.seq
            }
            if live {
                let merged = Self.withHeartbeats(subscription.events)
                for await item in merged {
                    switch item {
                    case .event(let e) where e.type == .debateResumed:
                        try await writer.write(ByteBuffer(string: Self.sseFrame(e)))
                        last = e.seq
                    case .event(let e) where e.seq > last:
                        try await writer.write(ByteBuffer(string: Self.sseFrame(e)))
                        last = e.seq
                    case .event: continue
                    case .heartbeat:
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    }
                }
                subscription.cancel()
            }
            try await writer.finish(nil)
        })
    }

    static func sseFrame(_ e: DebateEvent) -> String {
        "id: \(e.seq)\nevent: \(e.type.rawValue)\ndata: \(e.serialized())\n\n"
    }

    enum Item: Sendable {
        case event(DebateEvent)
        case heartbeat
    }

    /// The event stream with a heartbeat every 15 s; ends when the events end.
    static func withHeartbeats(_ events: AsyncStream<DebateEvent>) -> AsyncStream<Item> {
        let (out, cont) = AsyncStream<Item>.makeStream()
        let beat = Task {
            for await _ in AsyncTimerSequence(interval: heartbeatInterval, clock: .continuous) { cont.yield(.heartbeat) }
        }
        let forward = Task {
            for await e in events { cont.yield(.event(e)) }
            beat.cancel()
            cont.finish()
        }
        cont.onTermination = { _ in
            beat.cancel()
            forward.cancel()
        }
        return out
    }
}

/// A WebSocket connection's subscriptions: one forwarding task per debate.
final class Subscriptions: Sendable {
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])

    func add(_ id: String, task: Task<Void, Never>) { tasks.withLock { $0[id] = task } }
    func contains(_ id: String) -> Bool { tasks.withLock { $0[id] != nil } }
    var count: Int { tasks.withLock { $0.count } }
    func cancel(_ id: String) { tasks.withLock { $0.removeValue(forKey: id) }?.cancel() }
    func cancelAll() {
        let all = tasks.withLock { t in defer { t = [:] }; return Array(t.values) }
        for t in all { t.cancel() }
    }
}
