import AragoraCore
import AragoraDebates
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// The OpenAI-compatible endpoint: a panel as a model. `GET /v1/models` lists `aragora` (the default panel) and
/// `aragora/<name>` per named panel; `POST /v1/chat/completions` runs a stored debate (like any other: API, web page,
/// receipts, metrics) and answers as a `chat.completion`, or as `chat.completion.chunk` events with the panel's work
/// as `reasoning_content` and then the answer. A client that goes away cancels nothing: the debate completes.
struct OpenAIController {
    let service: ServerContext

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/models") { _, _ in models() }
        router.post("/v1/chat/completions") { request, context in try await chatCompletions(request, context) }
    }

    func models() -> Response {
        let names = [ChatCompletionRequest.defaultModel] + service.config.panels.keys.sorted().map { ChatCompletionRequest.defaultModel + "/" + $0 }
        let data: [JSONValue] = names.map { ["id": .string($0), "object": "model", "created": .int(Self.epoch), "owned_by": "aragora"] }
        return JSONResponse.make(["object": "list", "data": .array(data)])
    }

    /// A fixed creation time for the models (the first release of this endpoint): OpenAI's shape requires one.
    static let epoch = 1_796_342_400

    func chatCompletions(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        if service.debates.runner.stats.queued >= service.config.maxQueuedDebates {
            throw APIError(startError: .overloaded(queueLimit: service.config.maxQueuedDebates))
        }
        let buffer = try await request.body.collect(upTo: service.config.maxRequestSize)
        guard let body = JSONValue.parse(bytes: Array(buffer.readableBytesView)) else {
            throw ChatCompletionRequest.bad("the body is not valid JSON", param: "body", code: "invalid_json")
        }
        let chat = try ChatCompletionRequest.parse(body, panels: service.config.panels)
        let input = try chat.input(config: service.config, defaultPanel: service.debates.factory.defaultPanel)
        let record: DebateRecord
        do { record = try await service.debates.startDebate(input) } catch { throw APIError(startError: error) }
        let subscription = await service.debates.bus.subscribe(record.id)
        let url = debateURL(record.id, request)
        let shape = CompletionShape(id: "chatcmpl-" + record.id, model: chat.model, created: Int(record.createdAt), url: url)
        if !chat.stream {
            for await _ in subscription.events {}
            subscription.cancel()
            let done = try await stored(record.id)
            if done.status != .completed || done.finalAnswer == nil {
                throw APIError(.internalServerError, "debate_\(done.status.rawValue)",
                               "debate \(done.id) ended \(done.status.rawValue) without an answer\(done.error.map { ": \($0)" } ?? "")")
            }
            let (answer, truncated) = Self.cap(done.finalAnswer ?? "", tokens: chat.maxTokens)
            return JSONResponse.make(shape.completion(done, answer: answer, finish: truncated ? "length" : "stop"))
        }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            func send(_ chunk: JSONValue) async throws { try await writer.write(ByteBuffer(string: "data: \(chunk.serialized())\n\n")) }
            defer { subscription.cancel() }
            try await send(shape.chunk(["role": "assistant", "content": ""], usage: chat.includeUsage))
            var last = 0
            for e in subscription.history ?? [] where e.seq > last {
                last = e.seq
                if let text = ReasoningText.of(e) { try await send(shape.chunk(["reasoning_content": .string(text)], usage: chat.includeUsage)) }
            }
            for await item in LiveStreams.withHeartbeats(subscription.events) {
                switch item {
                case .heartbeat: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                case .event(let e):
                    // A takeover replays from its checkpoint: steps already shown are not shown again.
                    guard e.seq > last else { continue }
                    last = e.seq
                    if let text = ReasoningText.of(e) { try await send(shape.chunk(["reasoning_content": .string(text)], usage: chat.includeUsage)) }
                }
            }
            let done = try await stored(record.id)
            if done.status != .completed || done.finalAnswer == nil {
                try await send(Self.streamError(done))
            } else {
                let (answer, truncated) = Self.cap(done.finalAnswer ?? "", tokens: chat.maxTokens)
                for piece in Self.pieces(answer) { try await send(shape.chunk(["content": .string(piece)], usage: chat.includeUsage)) }
                try await send(shape.chunk([:], finish: truncated ? "length" : "stop", usage: chat.includeUsage, aragora: shape.aragora(done)))
                if chat.includeUsage { try await send(shape.usageChunk(done)) }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        })
    }

    /// The debate as stored once its events have ended (the store holds the final record before they end).
    func stored(_ id: String) async throws -> DebateRecord {
        guard let record = try await service.debates.store.record(id: id) else {
            throw APIError(.internalServerError, "internal_error", "debate \(id) is not in the store")
        }
        return record
    }

    static func streamError(_ r: DebateRecord) -> JSONValue {
        ["error": ["message": .string("debate \(r.id) ended \(r.status.rawValue)\(r.error.map { ": \($0)" } ?? "")"), "type": "server_error",
                   "param": .null, "code": .string("debate_\(r.status.rawValue)")]]
    }

    /// The debate's address for people and programs: under `ARAGORA_PUBLIC_URL` when set, else the host asked.
    func debateURL(_ id: String, _ request: Request) -> String {
        if let base = service.config.publicURL?.absoluteString {
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/api/debates/" + id
        }
        return "http://\(request.head.authority ?? "\(service.config.host):\(service.boundPort ?? service.config.port)")/api/debates/\(id)"
    }

    /// `max_tokens` applied to the answer: cut at about four bytes per token (the estimate usage falls back to),
    /// on a character boundary.
    static func cap(_ text: String, tokens: Int?) -> (String, truncated: Bool) {
        guard let tokens, text.utf8.count > tokens * 4 else { return (text, false) }
        var out = ""
        var bytes = 0
        for ch in text {
            bytes += ch.utf8.count
            if bytes > tokens * 4 { break }
            out.append(ch)
        }
        return (out, true)
    }

    /// The answer as word-sized deltas, each word with the spaces after it, so the pieces join back exactly.
    static func pieces(_ text: String, words: Int = 3) -> [String] {
        var out: [String] = []
        var current = ""
        var count = 0
        var inSpace = false
        for ch in text {
            let space = ch.isWhitespace
            if inSpace && !space {
                count += 1
                if count == words {
                    out.append(current)
                    current = ""
                    count = 0
                }
            }
            current.append(ch)
            inSpace = space
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

/// The fields every completion and chunk of one call share, and the `aragora` object beside OpenAI's.
struct CompletionShape {
    var id: String
    var model: String
    var created: Int
    var url: String

    func usage(_ r: DebateRecord) -> JSONValue {
        ["prompt_tokens": .int(r.usage.inputTokens), "completion_tokens": .int(r.usage.outputTokens),
         "total_tokens": .int(r.usage.inputTokens + r.usage.outputTokens)]
    }

    func aragora(_ r: DebateRecord) -> JSONValue {
        let c = r.consensus
        return [
            "debate_id": .string(r.id), "status": .string(r.status.rawValue), "url": .string(url),
            "consensus": c.map { c in
                ["reached": .bool(c.reached), "method": .string(c.method.rawValue), "summary": .string(c.summary)] as JSONValue
            } ?? .null,
            "confidence": c?.confidence.map(JSONValue.double) ?? .null,
            "supporters": .array((c?.supportingAgents ?? []).map(JSONValue.string)),
            "dissent": .array((c?.dissent ?? []).map { d in
                ["agent": .string(d.agent), "choice": d.choice.map(JSONValue.string) ?? .null, "reason": .string(d.reason)]
            }),
            "cost_usd": .double(r.usage.costUSD), "receipt_digest": r.receipt.map { .string($0.digest) } ?? .null,
        ]
    }

    func completion(_ r: DebateRecord, answer: String, finish: String) -> JSONValue {
        ["id": .string(id), "object": "chat.completion", "created": .int(created), "model": .string(model),
         "choices": [["index": 0, "message": ["role": "assistant", "content": .string(answer), "refusal": .null],
                      "logprobs": .null, "finish_reason": .string(finish)]],
         "usage": usage(r), "aragora": aragora(r)]
    }

    func chunk(_ delta: [String: JSONValue], finish: String? = nil, usage includeUsage: Bool, aragora: JSONValue? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
                                      "choices": [["index": 0, "delta": .object(delta), "logprobs": .null,
                                                   "finish_reason": finish.map(JSONValue.string) ?? .null]]]
        // With include_usage, OpenAI sends "usage": null on every chunk but the last.
        if includeUsage { o["usage"] = .null }
        if let aragora { o["aragora"] = aragora }
        return .object(o)
    }

    func usageChunk(_ r: DebateRecord) -> JSONValue {
        ["id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model), "choices": [],
         "usage": usage(r)]
    }
}

/// The panel's work as a chat app shows thinking (`reasoning_content`, folded): rounds and phases, short answers,
/// critiques and the vote.
enum ReasoningText {
    static func excerpt(_ text: String, _ limit: Int = 240) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    static func of(_ e: DebateEvent) -> String? {
        let d = e.data
        let agent = e.agent ?? "?"
        switch e.type {
        case .debateStart:
            let agents = (d["agents"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
            return "Panel: \(agents); \(d["rounds"]?.intValue ?? 0) round(s), \(d["consensus"]?.stringValue ?? "") consensus.\n"
        case .roundStart:
            return "\nRound \(d["round"]?.intValue ?? 0) of \(d["total_rounds"]?.intValue ?? 0): \(d["phase"]?.stringValue ?? "")\n"
        case .agentMessage:
            return "- \(agent) (\(d["role"]?.stringValue ?? "answer")): \(excerpt(d["content"]?.stringValue ?? ""))\n"
        case .critique:
            let issue = d["issues"]?.arrayValue?.first?.stringValue ?? ""
            let severity = d["severity"]?.doubleValue.map { String(format: "%.0f", $0) } ?? "?"
            return "- \(agent) on \(d["target"]?.stringValue ?? "?") (severity \(severity)): \(excerpt(issue, 160))\n"
        case .vote:
            let confidence = d["confidence"]?.doubleValue.map { String(format: "%.2f", $0) } ?? "?"
            return "- \(agent) votes for \(d["choice"]?.stringValue ?? "?") (confidence \(confidence))\n"
        case .consensus:
            return "\n\(d["reached"]?.boolValue == true ? "Consensus" : "No consensus"): \(d["summary"]?.stringValue ?? "")\n"
        case .agentError:
            return "- \(agent) failed: \(excerpt(d["error"]?.stringValue ?? "", 160))\n"
        case .debateEnd, .tokenDelta, .heartbeat, .synthesis, .error, .debateResumed:
            return nil
        }
    }
}
