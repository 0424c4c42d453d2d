import AragoraDebates
import AragoraCore

/// The OpenAPI 3.1 description of every route, served at `/api/openapi.json`. Written by hand (see
/// docs/architecture.md for why not generated), and kept exact two ways: a test compares its paths with the
/// router's, and CI runs schemathesis with all its checks against a live server (`scripts/schemathesis.sh`).
/// Limits that depend on the configuration (rounds, available providers) are filled in from it.
enum OpenAPIDocument {
    typealias Schema = JSONValue

    // MARK: - Building blocks

    static let id: JSONValue = ["name": "id", "in": "path", "required": true,
                                "schema": ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"]]
    /// An integer query parameter the server checks against `range` (400 when not an integer, 422 out of range).
    static func intQuery(_ name: String, _ range: ClosedRange<Int>, default value: Int, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "description": .string(description),
         "schema": ["type": "integer", "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound), "default": .int(value)]]
    }
    static let offset = intQuery("offset", 0...Int(Int32.max), default: 0, "items to skip")
    static let status: JSONValue = ["name": "status", "in": "query", "required": false,
                                    "schema": ["type": "string", "enum": JSONValue(DebateStatus.allCases.map(\.rawValue))]]

    static func ref(_ name: String) -> Schema { ["$ref": .string("#/components/schemas/\(name)")] }
    static func json(_ schema: Schema, _ description: String = "OK") -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }
    static func object(_ properties: [String: Schema], required: [String] = []) -> Schema {
        var o: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { o["required"] = JSONValue(required) }
        return .object(o)
    }
    static func nullable(_ type: String) -> Schema { ["type": [.string(type), "null"]] }
    static let string: Schema = ["type": "string"]
    static let integer: Schema = ["type": "integer"]
    static let number: Schema = ["type": "number"]
    static let boolean: Schema = ["type": "boolean"]
    static let receiptProperties: [String: Schema] = ["version": integer, "payload": ["type": "object"], "digest": string,
                                               "signature": string, "public_key": string, "algorithm": string]
    static func array(_ items: Schema) -> Schema { ["type": "array", "items": items] }

    /// What each error status means; every error body is an `Error`.
    static let errorMeanings: [String: String] = [
        "400": "Malformed input (code names it)", "401": "Missing, malformed or expired token",
        "403": "Outside the token's scope", "404": "No such debate", "409": "Not in a state that allows this",
        "413": "Body larger than ARAGORA_MAX_REQUEST_SIZE", "422": "A value out of range",
        "415": "A body that is not Content-Type: application/json",
        "431": "Request head too large (a long query string: q may hold up to 10,000 characters, percent-encoded)", "421": "A Host this server does not answer to",
        "429": "Rate limited (Retry-After)", "503": "Overloaded or storage unavailable", "507": "No space to store it",
    ]

    static func op(_ summary: String, tag: String, params: [JSONValue] = [], body: Schema? = nil,
                   ok: JSONValue, errors: [String] = [], isPublic: Bool = false) -> JSONValue {
        // Protected routes: 401 without a valid token, 403 outside the token's scope (CONTRACT §2). Probes are
        // exempt from rate limits; everything else may answer 429.
        var codes = errors + (isPublic ? [] : ["401", "403"]) + ["421"]
        if body != nil { codes += ["403", "415"] }
        if !summary.hasPrefix("Liveness") && !summary.hasPrefix("Readiness") { codes.append("429") }
        var responses: [String: JSONValue] = [:]
        for code in codes where responses[code] == nil {
            responses[code] = json(ref("Error"), errorMeanings[code] ?? "Error")
        }
        responses["200"] = ok
        var o: [String: JSONValue] = ["summary": .string(summary), "tags": [.string(tag)], "responses": .object(responses)]
        if !params.isEmpty { o["parameters"] = .array(params) }
        if let body { o["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]] }
        o["security"] = isPublic ? .array([]) : [["bearerAuth": []]]
        return .object(o)
    }

    /// What `POST /v1/chat/completions` accepts (`ChatCompletionRequest`): one answer, text only, a user question
    /// among the messages; other fields OpenAI defines are ignored.
    static var chatRequest: Schema {
        let text: Schema = ["type": "string", "pattern": .string(DebateLimits.questionPattern)]
        let parts: Schema = ["type": "array", "minItems": 1, "items": exact(["type": ["const": "text"], "text": text], required: ["type", "text"])]
        let content: Schema = ["anyOf": [text, parts]]
        let message: Schema = ["type": "object", "required": ["role", "content"], "properties": [
            "role": ["type": "string", "enum": ["system", "developer", "user", "assistant"]], "content": content]]
        let userText: Schema = ["type": "string", "pattern": .string(DebateLimits.questionPattern), "maxLength": .int(DebateLimits.questionCharacters)]
        let question: Schema = ["type": "object", "required": ["role"], "properties": ["role": ["const": "user"],
                                "content": ["anyOf": [userText, parts]]]]
        return object([
            "model": ["type": "string", "minLength": 1],
            "messages": ["type": "array", "minItems": 1, "items": message, "contains": question],
            "stream": boolean, "stream_options": object(["include_usage": boolean]),
            "max_tokens": ["type": "integer", "minimum": 1], "max_completion_tokens": ["type": "integer", "minimum": 1],
            "n": ["const": 1], "tools": ["type": "array", "maxItems": 0], "functions": ["type": "array", "maxItems": 0],
            "user": string,
        ], required: ["model", "messages"])
    }

    /// The same operation with its errors in OpenAI's shape, as every `/v1/` route answers them.
    static func openAI(_ operation: JSONValue) -> JSONValue {
        guard case .object(var o) = operation, case .object(var responses)? = o["responses"] else { return operation }
        for (code, response) in responses where code >= "400" {
            responses[code] = json(ref("OpenAIError"), response["description"]?.stringValue ?? "Error")
        }
        o["responses"] = .object(responses)
        return .object(o)
    }

    // MARK: - Paths

    /// Paths under `/api`, each also served as `/api/v1/...`.
    static func apiPaths(maxRounds: Int) -> [String: JSONValue] {
        [
            "/api/health": ["get": op("Service health with database and Redis checks (503 when not healthy)", tag: "health",
                                      ok: json(ref("Health")), errors: ["503"], isPublic: true)
                .merging(["responses": ["503": json(ref("Health"), "Degraded or unhealthy")]])],
            "/api/debates": [
                "post": op("Start a debate (runs in the background)", tag: "debates", body: ref("DebateRequest"),
                           ok: json(ref("DebateCreated")), errors: ["400", "413", "422", "503", "507"]),
                "get": op("List debates, newest first", tag: "debates",
                          params: [intQuery("limit", 1...100, default: 20, "page size"), offset, status,
                                   ["name": "q", "in": "query", "required": false,
                                    "description": "only debates whose question contains this text (ignoring case)",
                                    "schema": ["type": "string", "maxLength": .int(DebateLimits.questionCharacters),
                                               "pattern": "^[^\\u0000]*$"]]],
                          ok: json(ref("DebateList")), errors: ["400", "422", "431", "503"]),
            ],
            "/api/debates/active": ["get": op("Debates queued or running, on every instance", tag: "debates",
                                              ok: json(ref("DebateList")), errors: ["503"])],
            "/api/debates/{id}": [
                "get": op("The whole debate record", tag: "debates", params: [id], ok: json(ref("Debate")), errors: ["400", "404", "503"]),
                "delete": op("Delete a debate (cancelling it first if running)", tag: "debates", params: [id],
                             ok: json(exact(["success": boolean, "debate_id": string, "deleted": boolean],
                                             required: ["success", "debate_id", "deleted"])),
                             errors: ["400", "404", "503"]),
            ],
            "/api/debates/{id}/messages": ["get": op("A page of the transcript", tag: "debates",
                                                     params: [id, intQuery("limit", 1...200, default: 50, "page size"), offset],
                                                     ok: json(ref("MessagePage")), errors: ["400", "404", "422", "503"])],
            "/api/debates/{id}/events": ["get": op("Events after a sequence number (polling fallback)", tag: "live",
                                                   params: [id, intQuery("since", 0...Int(Int32.max), default: 0, "last seq seen"),
                                                            intQuery("limit", 1...5000, default: 500, "events at most")],
                                                   ok: json(ref("EventPage")), errors: ["400", "404", "422", "503"])],
            "/api/debates/{id}/stream": ["get": op("Server-Sent Events: replay after Last-Event-ID or ?since, then live", tag: "live",
                                                   params: [id, intQuery("since", 0...Int(Int32.max), default: 0, "replay events after this seq")],
                                                   ok: ["description": "One SSE event per debate event: id is its seq, event its type, data the Event as JSON",
                                                        "content": ["text/event-stream": ["schema": ref("ServerSentEvent")]]],
                                                   errors: ["400", "404", "422", "503"])],
            "/api/debates/{id}/cancel": ["post": op("Cancel a queued or running debate", tag: "debates", params: [id],
                                                    ok: json(exact(["success": boolean, "debate_id": string, "status": string],
                                                                    required: ["success", "debate_id", "status"])),
                                                    errors: ["400", "404", "409", "503"])],
            "/api/debates/{id}/receipt": ["get": op("The signed receipt of a finished debate: ours, or as an Open Decision Receipt "
                                                    + "(ODR v0.2) signed with this instance's key (409 receipt_mismatch if the stored record no "
                                                    + "longer matches its receipt)", tag: "receipts",
                                                    params: [id, ["name": "format", "in": "query", "required": false,
                                                                  "schema": ["type": "string", "enum": JSONValue(ReceiptController.Format.allCases.map(\.rawValue)), "default": "native"]]],
                                                    ok: json(["anyOf": [ref("SignedReceipt"), ref("OpenDecisionReceipt")]]), errors: ["400", "404", "409", "503"])],
            "/api/receipt-key": ["get": op("The public key receipts are signed with: JSON, or PEM with format=pem", tag: "receipts",
                                           params: [["name": "format", "in": "query", "required": false,
                                                     "schema": ["type": "string", "enum": JSONValue(ReceiptController.KeyFormat.allCases.map(\.rawValue)), "default": "json"]]],
                                           ok: ["description": "The key",
                                                "content": ["application/json": ["schema": ref("ReceiptKey")],
                                                            "application/x-pem-file": ["schema": string]]],
                                           errors: ["400"], isPublic: true)],
            "/api/debates/{id}/export/{format}": ["get": op("Download as json, md, html, csv or txt", tag: "debates",
                                                            params: [id, ["name": "format", "in": "path", "required": true,
                                                                          "schema": ["type": "string", "enum": JSONValue(DebateExporter.Format.allCases.map(\.rawValue))]]],
                                                            ok: ["description": "The export, in the format's own media type",
                                                                 "content": ["application/json": ["schema": ref("DebateRecord")],
                                                                             "text/markdown": ["schema": string], "text/html": ["schema": string],
                                                                             "text/csv": ["schema": string], "text/plain": ["schema": string]]],
                                                            errors: ["400", "404", "503"])],
            "/api/agents": ["get": op("Agents available here, with ratings", tag: "agents",
                                      ok: json(exact(["agents": array(ref("Agent")), "total": integer, "default_panel": array(string)],
                                                      required: ["agents", "total"])),
                                      errors: ["503"], isPublic: true)],
            "/api/leaderboard": ["get": op("Agents by ELO", tag: "agents", params: [intQuery("limit", 1...500, default: 50, "rows at most")],
                                           ok: json(exact(["agents": array(ref("Rating")), "leaderboard": array(ref("Rating")), "total": integer],
                                                           required: ["agents", "leaderboard", "total"])),
                                           errors: ["400", "422", "503"], isPublic: true)],
            "/api/openapi.json": ["get": op("This document", tag: "meta", ok: json(["type": "object"]), isPublic: true)],
        ]
    }

    static let otherPaths: [String: JSONValue] = [
        // The web page (`WebController`): public, cached with ETags (304 on a matching If-None-Match).
        "/": ["get": op("The web page: start, watch and review debates", tag: "web",
                        ok: ["description": "HTML", "content": ["text/html": ["schema": string]]], isPublic: true)
            .merging(["responses": ["304": ["description": "Not modified (If-None-Match matched the ETag)"]]])],
        "/static/{name}": ["get": op("A file of the web page (JavaScript, CSS, SVG)", tag: "web",
                                     params: [["name": "name", "in": "path", "required": true, "schema": string]],
                                     ok: ["description": "The file", "content": ["text/javascript": ["schema": string],
                                                                                 "text/css": ["schema": string],
                                                                                 "image/svg+xml": ["schema": string]]],
                                     errors: ["404"], isPublic: true)
            .merging(["responses": ["304": ["description": "Not modified (If-None-Match matched the ETag)"]]])],
        "/healthz": ["get": op("Liveness: 200 while the process serves", tag: "health",
                               ok: json(exact(["status": ["const": "ok"]], required: ["status"])), isPublic: true)],
        "/readyz": ["get": op("Readiness: 200 when storage is ready, 503 during startup, shutdown or a storage failure", tag: "health",
                              ok: json(ref("Readiness")), isPublic: true)
            .merging(["responses": ["503": json(ref("Readiness"), "Not ready, with the reason")]])],
        "/metrics": ["get": op("Prometheus metrics (Bearer ARAGORA_METRICS_TOKEN when set)", tag: "meta",
                               ok: ["description": "Prometheus text", "content": ["text/plain": ["schema": string]]],
                               errors: ["401"], isPublic: true)],
        // MCP's streamable HTTP transport (stateless): JSON-RPC in, JSON-RPC out (or an event stream for tools/call).
        "/mcp": [
            "post": op("MCP over streamable HTTP: one JSON-RPC message per POST (docs/mcp.md)", tag: "mcp", body: ["type": "object"],
                       ok: ["description": "The JSON-RPC response; for tools/call with Accept: text/event-stream, its progress notifications then the response as Server-Sent Events",
                            "content": ["application/json": ["schema": object(["jsonrpc": ["const": "2.0"]], required: ["jsonrpc"])],
                                        "text/event-stream": ["schema": string]]],
                       errors: ["413"])
                .merging(["responses": ["202": ["description": "A notification or a response: accepted, nothing to answer"],
                                        "400": json(object(["jsonrpc": ["const": "2.0"], "error": object(["code": ["type": "integer"], "message": string], required: ["code", "message"])],
                                                           required: ["jsonrpc", "error"]), "Not one JSON-RPC message: a JSON-RPC error")]]),
        ],
        // The OpenAI-compatible endpoint: OpenAI's shapes, and errors in OpenAI's shape (docs/openai.md).
        "/v1/models": ["get": openAI(op("The panels as models: aragora, and aragora/<name> per ARAGORA_PANELS_FILE entry", tag: "openai",
                                        ok: json(exact(["object": ["const": "list"], "data": ["type": "array", "items": exact(
                                            ["id": string, "object": ["const": "model"], "created": integer, "owned_by": string],
                                            required: ["id", "object", "created", "owned_by"])]], required: ["object", "data"]))))],
        "/v1/chat/completions": ["post": openAI(op("A debate as a chat completion (stream: chat.completion.chunk events, then [DONE])", tag: "openai",
                                                   body: chatRequest,
                                                   ok: ["description": "A chat.completion, or with stream: Server-Sent Events",
                                                        "content": ["application/json": ["schema": ref("ChatCompletion")],
                                                                    "text/event-stream": ["schema": string]]],
                                                   errors: ["400", "404", "413", "500", "503"]))],
        // A WebSocket handshake is not expressible here: a plain GET says how to connect (426).
        "/ws": ["get": op("WebSocket (upgrade with a handshake): send {type: subscribe, debate_id, replay_from_seq?}, unsubscribe, ping",
                          tag: "live", ok: ["description": "Never: a plain GET answers 426; a handshake switches protocols (101)"],
                          errors: ["426"])
            .merging(["responses": ["426": json(ref("Error"), "Upgrade Required: open a WebSocket handshake")]])],
    ]

    static func paths(maxRounds: Int) -> [String: JSONValue] {
        var all = otherPaths
        for (path, item) in apiPaths(maxRounds: maxRounds) {
            all[path] = item
            all["/api/v1" + path.dropFirst(4)] = item
        }
        return all
    }

    // MARK: - Schemas

    static func schemas(maxRounds: Int, providers: [String]) -> JSONValue {
        let field: Schema = ["type": ["string", "null"], "pattern": .string("^" + AgentSpec.fieldPattern + "$")]
        let agentEntry: Schema = ["oneOf": [
            ["type": "string", "pattern": .string("^" + AgentSpec.entryPattern(providers: providers) + "$")],
            object(["provider": ["type": "string", "enum": JSONValue(providers)], "model": field, "persona": field,
                    "role": ["type": ["string", "null"], "enum": .array(AgentSpec.knownRoles.sorted().map { .string($0) } + [.null])]],
                   required: ["provider"]),
        ]]
        let agents: Schema = ["description": "2 to 10 agents: an array, or a comma-separated string of `provider`, `provider:persona-or-role`, `provider|model|persona|role`",
                              "oneOf": [
                                  ["type": "null"],
                                  ["type": "string", "pattern": .string(AgentSpec.listPattern(providers: providers, entries: DebateLimits.agents))],
                                  ["type": "array", "minItems": .int(DebateLimits.agents.lowerBound),
                                   "maxItems": .int(DebateLimits.agents.upperBound), "items": agentEntry],
                              ]]
        let rounds: Schema = ["type": ["integer", "null"], "minimum": 1, "maximum": .int(maxRounds)]
        let consensus: Schema = ["type": ["string", "null"], "enum": .array(ConsensusMethod.allCases.map { .string($0.rawValue) } + [.null])]
        let seed: Schema = ["type": ["integer", "null"], "minimum": 0, "maximum": .int(Int.max)]
        let blind: Schema = ["type": ["boolean", "null"]]
        let quorum: Schema = ["type": ["integer", "null"], "minimum": 1, "maximum": .int(DebateLimits.agents.upperBound)]
        let question: Schema = ["type": "string", "pattern": .string(DebateLimits.questionPattern),
                                "maxLength": .int(DebateLimits.questionCharacters)]
        let event = exact(["type": string, "data": ["type": "object", "description": "The payload of the event's type: schema EventData_<type>"], "timestamp": number, "round": nullable("integer"),
                            "agent": nullable("string"), "seq": integer, "agent_seq": nullable("integer"), "loop_id": string],
                           required: ["type", "data", "timestamp", "seq", "loop_id"])
        let message = exact(["agent": string, "content": string, "role": string, "round": integer, "timestamp": number],
                             required: ["agent", "content", "role", "round"])
        let summary = exact(["id": string, "debate_id": string, "task": string, "status": string, "created_at": string,
                              "updated_at": string, "consensus_reached": nullable("boolean"), "confidence": nullable("number"),
                              "instance_id": string, "owned_since": string, "phase": string],
                             required: ["id", "debate_id", "task", "status"])
        let check: Schema = ["type": "object", "required": ["healthy"], "properties": ["healthy": boolean]]
        return [
            "Error": object(["error": string, "code": string, "details": ["type": "object"], "retry_after": integer],
                            required: ["error", "code"]),
            "OpenAIError": exact(["error": exact(["message": string, "type": string, "param": ["type": ["string", "null"]], "code": string],
                                                 required: ["message", "type", "param", "code"])], required: ["error"]),
            "ChatCompletion": exact([
                "id": string, "object": ["const": "chat.completion"], "created": integer, "model": string,
                "choices": ["type": "array", "items": exact([
                    "index": integer, "logprobs": ["type": "null"], "finish_reason": ["type": "string", "enum": ["stop", "length"]],
                    "message": exact(["role": ["const": "assistant"], "content": string, "refusal": ["type": "null"]],
                                     required: ["role", "content", "refusal"]),
                ], required: ["index", "message", "logprobs", "finish_reason"])],
                "usage": exact(["prompt_tokens": integer, "completion_tokens": integer, "total_tokens": integer],
                               required: ["prompt_tokens", "completion_tokens", "total_tokens"]),
                "aragora": exact([
                    "debate_id": string, "status": string, "url": string,
                    "consensus": ["type": ["object", "null"]], "confidence": ["type": ["number", "null"]],
                    "supporters": ["type": "array", "items": string], "dissent": ["type": "array", "items": ["type": "object"]],
                    "cost_usd": number, "receipt_digest": ["type": ["string", "null"]],
                ], required: ["debate_id", "status", "url", "consensus", "confidence", "supporters", "dissent", "cost_usd", "receipt_digest"]),
            ], required: ["id", "object", "created", "model", "choices", "usage", "aragora"]),
            "Health": object(["status": ["type": "string", "enum": ["healthy", "degraded", "unhealthy"]], "version": string,
                              "instance_id": string, "uptime_seconds": number, "timestamp": string,
                              "checks": object(["database": check, "redis": check, "providers": check, "debates": check,
                                                "auth": ["type": "object"]], required: ["database", "redis"])],
                             required: ["status", "version", "instance_id", "uptime_seconds", "timestamp", "checks"]),
            "Readiness": exact(["status": ["type": "string", "enum": ["ready", "not_ready"]], "reason": string], required: ["status"]),
            "DebateRequest": [
                "type": "object",
                "description": "`question` (or its alias `task`) is required. rounds, consensus, agents, seed, blind and quorum may also be given inside `config`; the top level wins. `blind` (default true): critics, voters and the judge see answers as labels. `quorum`: valid votes needed for consensus (default: more than half of the panel).",
                "properties": [
                    "question": ["type": ["string", "null"], "maxLength": .int(DebateLimits.questionCharacters)],
                    "task": ["type": ["string", "null"]],
                    "rounds": rounds, "consensus": consensus, "agents": agents, "seed": seed, "blind": blind, "quorum": quorum,
                    "config": ["type": ["object", "null"],
                               "properties": ["rounds": rounds, "consensus": consensus, "agents": agents, "seed": seed, "blind": blind,
                                              "quorum": quorum]],
                    "context": ["type": ["string", "null"], "maxLength": .int(DebateLimits.contextCharacters)],
                    "metadata": ["type": ["object", "null"]],
                    "budget_limit_usd": ["type": ["number", "null"], "minimum": 0],
                ],
                // The question is used when given; the task only when the question is absent or null.
                "anyOf": [
                    ["required": ["question"], "properties": ["question": question]],
                    ["required": ["task"], "properties": ["task": question, "question": ["type": "null"]]],
                ],
            ],
            "DebateCreated": exact(["success": boolean, "debate_id": string, "status": string, "task": string, "websocket_url": string],
                                    required: ["success", "debate_id", "status", "task", "websocket_url"]),
            "DebateList": exact(["debates": array(summary), "count": integer, "total": integer, "total_exact": boolean,
                                  "limit": integer, "offset": integer],
                                 required: ["debates", "count", "total"]),
            "Debate": object(["id": string, "debate_id": string, "task": string, "status": string, "agents": ["type": "array"],
                              "rounds": integer, "rounds_used": integer, "consensus_reached": boolean, "confidence": nullable("number"),
                              "final_answer": nullable("string"), "consensus": ["type": ["object", "null"]],
                              "messages": array(message), "critiques": ["type": "array"], "votes": ["type": "array"],
                              "usage": ["type": "object"], "receipt": ref("Receipt"), "instance_id": nullable("string")],
                             required: ["id", "debate_id", "task", "status", "agents", "rounds", "rounds_used", "consensus_reached",
                                        "confidence", "final_answer", "consensus", "messages", "critiques", "votes", "usage"]),
            // The stored record, every key present (null when unset): the JSON export and `aragora ask --json`.
            "DebateRecord": object(["id": string, "task": string, "context": nullable("string"), "status": string,
                                    "agents": ["type": "array"], "rounds": integer, "rounds_used": integer,
                                    "consensus_method": string, "consensus_reached": boolean, "confidence": nullable("number"),
                                    "final_answer": nullable("string"), "messages": array(message), "critiques": ["type": "array"],
                                    "votes": ["type": "array"], "usage": ["type": "object"], "created_at": string,
                                    "receipt": ref("Receipt"), "instance_id": nullable("string")],
                                   required: ["id", "task", "status", "agents", "rounds", "rounds_used", "consensus_method",
                                              "consensus_reached", "confidence", "final_answer", "messages", "created_at"]),
            "Message": message,
            "MessagePage": exact(["debate_id": string, "messages": array(message), "offset": integer, "limit": integer,
                                   "total": integer, "has_more": boolean],
                                  required: ["debate_id", "messages", "offset", "limit", "total", "has_more"]),
            "Event": event,
            "EventPage": exact(["debate_id": string, "events": array(event), "count": integer, "next_since": integer, "active": boolean],
                                required: ["debate_id", "events", "count", "next_since", "active"]),
            "ServerSentEvent": object(["id": string, "event": string, "data": string, "retry": integer], required: ["data"]),
            "Agent": exact(["name": string, "spec": string, "provider": string, "model": string, "persona": nullable("string"),
                             "available": boolean, "elo": number, "wins": integer, "losses": integer, "draws": integer, "debates": integer,
                             "configured": boolean,
                             "price": ["type": ["object", "null"], "properties": ["input_per_mtok": number, "output_per_mtok": number, "currency": string]]],
                            required: ["name", "provider", "available"]),
            "Rating": exact(["rank": integer, "agent": string, "name": string, "elo": number, "wins": integer, "losses": integer,
                              "draws": integer, "debates": integer, "win_rate": number],
                             required: ["rank", "agent", "elo"]),
            "Receipt": ["type": ["object", "null"], "properties": .object(receiptProperties)],
            "SignedReceipt": object(receiptProperties, required: ["version", "payload", "digest", "signature", "public_key", "algorithm"]),
            "OpenDecisionReceipt": object(["odr_version": ["type": "string", "enum": ["0.2"]], "profile": string, "receipt_id": string,
                                           "issued_at": nullable("string"), "subject": ["type": "object"], "claim": ["type": "object"],
                                           "reasoning": ["type": "object"], "quorum": ["type": "object"], "confidence": ["type": "object"],
                                           "cruxes": ["type": "object"], "attestation": ["type": "object"], "routing": ["type": "object"],
                                           "source": ["type": "object"], "signatures": array(["type": "object"])],
                                          required: ["odr_version", "profile", "receipt_id", "issued_at", "subject", "claim", "reasoning",
                                                     "quorum", "confidence", "cruxes", "attestation", "routing", "signatures"]),
            "ReceiptKey": exact(["algorithm": string, "key_id": string, "public_key_hex": string, "public_key_pem": string],
                                 required: ["algorithm", "key_id", "public_key_hex", "public_key_pem"]),
        ]
    }

    static func document(config: ServerConfiguration, providers: [String]) -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": ["title": "Aragora", "version": .string(AragoraVersion.current),
                     "description": "Multi-agent debates: propose, critique, revise, vote; signed receipts."],
            "paths": .object(paths(maxRounds: config.maxRounds)),
            "components": ["schemas": .object(schemas(maxRounds: config.maxRounds, providers: providers).objectValue!.merging(eventSchemas) { a, _ in a }),
                           "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer",
                                                              "description": "{loop_id}:{expires}:{hmac_sha256_hex}"]]],
        ]
    }
}

private extension JSONValue {
    /// Merges `other`'s object members into this object, one level deep into nested objects.
    func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (key, value) in theirs {
            if case .object = value, let existing = mine[key] { mine[key] = existing.merging(value) } else { mine[key] = value }
        }
        return .object(mine)
    }
}
