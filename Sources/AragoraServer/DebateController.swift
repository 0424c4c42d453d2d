import AragoraCore
import AragoraDebates
import AragoraStore
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// The debate routes of CONTRACT §4: controllers only translate HTTP to calls on the store and runner.
struct DebateController {
    let service: ServerContext

    func register(on router: Router<AppRequestContext>) {
        router.api(.post, "/debates") { request, context in try await create(request, context) }
        router.api(.get, "/debates") { request, _ in try await list(request) }
        router.api(.get, "/debates/active") { _, _ in try await active() }
        router.api(.get, "/debates/:id") { _, context in try await get(context) }
        router.api(.delete, "/debates/:id") { _, context in try await delete(context) }
        router.api(.get, "/debates/:id/messages") { request, context in try await messages(request, context) }
        router.api(.get, "/debates/:id/events") { request, context in try await events(request, context) }
        router.api(.post, "/debates/:id/cancel") { _, context in try await cancel(context) }
        router.api(.get, "/debates/:id/export/:format") { _, context in try await export(context) }
        router.api(.get, "/debates/:id/stream") { request, context in try await LiveStreams(service: service).sse(request, context) }
    }

    // MARK: - Create

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        // Overloaded: refuse before reading or parsing anything, after a pause that costs no CPU, so refusals
        // stay far cheaper than debates and a client hammering in a loop cannot starve the accepted ones.
        if service.debates.runner.stats.queued >= service.config.maxQueuedDebates {
            try? await TimerWheel.shared.sleep(for: .milliseconds(service.config.overloadDelayMS))
            throw APIError(startError: .overloaded(queueLimit: service.config.maxQueuedDebates))
        }
        let buffer = try await request.body.collect(upTo: service.config.maxRequestSize)
        guard let body = JSONValue.parse(bytes: Array(buffer.readableBytesView)) else {
            throw APIError.badRequest("the body is not valid JSON", code: "invalid_json")
        }
        let input = try DebateRequest.input(from: body, config: service.config, defaultPanel: service.debates.factory.defaultPanel)
        let record: DebateRecord
        do { record = try await service.debates.startDebate(input) } catch { throw APIError(startError: error) }
        return try JSONResponse.encode(DebateCreatedResponse(debateID: record.id, task: record.task, websocketURL: websocketURL(request, context)))
    }

    /// From `ARAGORA_PUBLIC_URL` when set; else from a trusted proxy's `X-Forwarded-Proto`/`-Host` (so it is
    /// `wss://` behind Cloudflare) or Host; never from what an untrusted client claims.
    func websocketURL(_ request: Request, _ context: AppRequestContext) -> String {
        let config = service.config
        if let base = config.publicURL, var parts = URLComponents(url: base, resolvingAgainstBaseURL: false) {
            parts.scheme = parts.scheme?.lowercased() == "https" ? "wss" : "ws"
            parts.path = parts.path.hasSuffix("/") ? parts.path + "ws" : parts.path + "/ws"
            if let url = parts.string { return url }
        }
        if service.clientIP.isTrusted(context.remoteAddress?.ipAddress ?? "") {
            let forwardedHost = request.headers[HTTPField.Name("X-Forwarded-Host")!]?.split(separator: ",").first
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let proto = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.split(separator: ",").first
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            if let host = forwardedHost ?? request.head.authority, !host.isEmpty {
                return "\(proto == "https" ? "wss" : "ws")://\(host)/ws"
            }
        }
        return "ws://\(config.host):\(service.boundPort ?? config.port)/ws"
    }

    // MARK: - Read

    func list(_ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        let limit = try Self.intParam(q["limit"].map(String.init), name: "limit", default: 20, range: 1...100)
        let offset = try Self.intParam(q["offset"].map(String.init), name: "offset", default: 0, range: 0...Int(Int32.max))
        var status: DebateStatus?
        if let s = q["status"].map(String.init) {
            guard let parsed = DebateStatus(rawValue: s) else {
                throw APIError.badRequest("status must be one of: \(DebateStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                                          details: ["field": "status"])
            }
            status = parsed
        }
        // `q`: text the question contains (ignoring case); up to the length of a question.
        let search = q["q"].map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        if let search, search.count > DebateLimits.questionCharacters || search.unicodeScalars.contains("\0") {
            throw APIError.badRequest("q must be text of at most \(DebateLimits.questionCharacters) characters, without NUL",
                                      details: ["field": "q"])
        }
        let page = try await service.debates.store.list(limit: limit, offset: offset, status: status, matching: search)
        return try JSONResponse.encode(DebateListResponse(debates: page.items.map(DebateSummaryResponse.init), total: page.total,
                                                          totalExact: page.totalIsExact, limit: limit, offset: offset))
    }

    /// Unfinished debates wherever they run, newest first; `total` counts them all, `debates` holds 100 at most.
    func active() async throws -> Response {
        let (items, total) = try await service.debates.store.active(limit: 100)
        return try JSONResponse.encode(DebateListResponse(debates: items.map(DebateSummaryResponse.init), total: total))
    }

    func get(_ context: AppRequestContext) async throws -> Response {
        let id = try Self.debateID(context)
        guard let bytes = try await service.debates.store.recordJSON(id: id) else { throw Self.missing(id) }
        // Served as stored, so checked first: a damaged row answers a JSON error, never invalid JSON.
        guard JSONValue.parse(bytes: bytes)?.objectValue != nil else { throw StoreError.corrupt("debate \(id): its stored record is not a JSON object") }
        return JSONResponse.buffer(DebateRecordResponse.buffer(storedRecord: bytes, id: id))
    }

    func record(_ context: AppRequestContext) async throws -> DebateRecord {
        let id = try Self.debateID(context)
        guard let record = try await service.debates.store.record(id: id) else { throw Self.missing(id) }
        return record
    }

    func messages(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let limit = try Self.intParam(q["limit"].map(String.init), name: "limit", default: 50, range: 1...200)
        let offset = try Self.intParam(q["offset"].map(String.init), name: "offset", default: 0, range: 0...Int(Int32.max))
        let r = try await record(context)
        let page = r.messages.dropFirst(offset).prefix(limit)
        return try JSONResponse.encode(MessagePageResponse(debateID: r.id, messages: Array(page), total: r.messages.count, offset: offset,
                                                           limit: limit, hasMore: offset + page.count < r.messages.count))
    }

    func events(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try Self.debateID(context)
        let q = request.uri.queryParameters
        let since = try Self.intParam(q["since"].map(String.init), name: "since", default: 0, range: 0...Int(Int32.max))
        let limit = try Self.intParam(q["limit"].map(String.init), name: "limit", default: 500, range: 1...5000)
        let history = await service.debates.bus.history(id)
        var events: [DebateEvent]
        if let history {
            events = Array(history.filter { $0.seq > since }.prefix(limit))
        } else {
            guard try await service.debates.store.recordJSON(id: id) != nil else { throw Self.missing(id) }
            events = try await service.debates.store.events(id: id, since: since, limit: limit)
        }
        let last = events.last?.seq ?? since
        return try JSONResponse.encode(EventPageResponse(debateID: id, events: events, nextSince: last, active: history != nil))
    }

    func export(_ context: AppRequestContext) async throws -> Response {
        let format = context.parameters.get("format") ?? ""
        guard let kind = DebateExporter.Format(rawValue: format) else {
            throw APIError.badRequest("format must be one of: \(DebateExporter.Format.allCases.map(\.rawValue).joined(separator: ", "))",
                                      details: ["field": "format"])
        }
        let r = try await record(context)
        let (text, contentType) = try DebateExporter.render(r, as: kind)
        var headers: HTTPFields = [.contentDisposition: "attachment; filename=\"\(r.id).\(kind.rawValue)\""]
        if kind == .html { headers.append(contentsOf: SecurityHeaders.html) }
        return JSONResponse.text(text, contentType: contentType, headers: headers)
    }

    // MARK: - Change

    /// Reaches the debate wherever it runs: here at once, elsewhere at its owner's next lease renewal.
    func cancel(_ context: AppRequestContext) async throws -> Response {
        let id = try Self.debateID(context)
        switch try await service.debates.cancelDebate(id) {
        case .requested:
            return try JSONResponse.encode(DebateChangeResponse(debateID: id, status: "cancelling"))
        case .alreadyFinished(let status):
            throw APIError(.conflict, "already_finished", "debate \(id) already ended with status \(status.rawValue)")
        case .notFound:
            throw Self.missing(id)
        }
    }

    /// Deletes the record and its events; a debate still running anywhere stops at its next write.
    func delete(_ context: AppRequestContext) async throws -> Response {
        let id = try Self.debateID(context)
        _ = await service.debates.runner.cancel(id)
        guard try await service.debates.store.delete(id: id) else { throw Self.missing(id) }
        return try JSONResponse.encode(DebateChangeResponse(debateID: id, deleted: true))
    }

    // MARK: - Helpers

    static func debateID(_ context: AppRequestContext) throws(APIError) -> String {
        let id = context.parameters.get("id") ?? ""
        guard DebateID.isValid(id) else {
            throw APIError.badRequest("invalid debate id (expected [A-Za-z0-9_-]{1,128})", code: "invalid_id", details: ["field": "id"])
        }
        return id
    }

    static func missing(_ id: String) -> APIError { .notFound("debate \(id) not found") }

    static func intParam(_ raw: String?, name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let raw else { return value }
        guard let n = Int(raw) else { throw .badRequest("\(name) must be an integer", details: ["field": .string(name)]) }
        guard range.contains(n) else {
            throw .unprocessable("\(name) must be between \(range.lowerBound) and \(range.upperBound)",
                                 details: ["field": .string(name), "min": .int(range.lowerBound), "max": .int(range.upperBound)])
        }
        return n
    }
}
