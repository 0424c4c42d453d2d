import AragoraCore

/// The OpenAPI 3.1 description of every route, served at `/api/openapi.json`. Written by hand: a test
/// compares it with the router's routes, so a route cannot be added or removed without updating it.
enum OpenAPIDocument {
    static let id: JSONValue = ["name": "id", "in": "path", "required": true,
                                "schema": ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"]]
    static func query(_ name: String, _ type: String, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "schema": ["type": .string(type)], "description": .string(description)]
    }
    static let error: JSONValue = ["$ref": "#/components/schemas/Error"]
    static func json(_ schema: JSONValue, _ description: String = "OK") -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }
    static func errors(_ codes: [String]) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: codes.map { ($0, json(error, "Error")) })
    }
    static func op(_ summary: String, tag: String, params: [JSONValue] = [], body: JSONValue? = nil,
                   ok: JSONValue, errors: [String] = [], isPublic: Bool = false) -> JSONValue {
        // Protected routes: 401 without a valid token, 403 outside the token's scope (CONTRACT §2).
        var responses = self.errors(errors + (isPublic ? [] : ["401", "403"]) + ["429"])
        responses["200"] = ok
        var o: [String: JSONValue] = ["summary": .string(summary), "tags": [.string(tag)], "responses": .object(responses)]
        if !params.isEmpty { o["parameters"] = .array(params) }
        if let body { o["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]] }
        o["security"] = isPublic ? .array([]) : [["bearerAuth": []]]
        return .object(o)
    }

    static let object: JSONValue = ["type": "object"]

    /// Paths without the `/api/v1` aliases, which the document lists as servers-relative duplicates.
    static let apiPaths: [String: JSONValue] = [
        "/api/health": ["get": op("Service health with database and Redis checks", tag: "health",
                                  ok: json(["$ref": "#/components/schemas/Health"]), errors: ["503"], isPublic: true)],
        "/api/debates": [
            "post": op("Start a debate (runs in the background)", tag: "debates",
                       body: ["$ref": "#/components/schemas/DebateRequest"],
                       ok: json(["$ref": "#/components/schemas/DebateCreated"]), errors: ["400", "413", "422", "503", "507"]),
            "get": op("List debates, newest first", tag: "debates",
                      params: [query("limit", "integer", "1-100, default 20"), query("offset", "integer", "default 0"),
                               query("status", "string", "created|running|completed|error|cancelled|timeout")],
                      ok: json(["$ref": "#/components/schemas/DebateList"]), errors: ["400", "422"]),
        ],
        "/api/debates/active": ["get": op("Debates created or running", tag: "debates",
                                          ok: json(["$ref": "#/components/schemas/DebateList"]))],
        "/api/debates/{id}": [
            "get": op("The whole debate record", tag: "debates", params: [id],
                      ok: json(["$ref": "#/components/schemas/Debate"]), errors: ["400", "404"]),
            "delete": op("Delete a debate (cancelling it first if running)", tag: "debates", params: [id],
                         ok: json(object), errors: ["400", "404"]),
        ],
        "/api/debates/{id}/messages": ["get": op("A page of the transcript", tag: "debates",
                                                 params: [id, query("limit", "integer", "1-200, default 50"), query("offset", "integer", "default 0")],
                                                 ok: json(object), errors: ["400", "404", "422"])],
        "/api/debates/{id}/events": ["get": op("Events after a sequence number (polling fallback)", tag: "live",
                                               params: [id, query("since", "integer", "last seq seen, default 0"), query("limit", "integer", "1-5000")],
                                               ok: json(object), errors: ["400", "404", "422"])],
        "/api/debates/{id}/stream": ["get": op("Server-Sent Events: replay from Last-Event-ID or ?since, then live", tag: "live",
                                               params: [id, query("since", "integer", "replay events after this seq")],
                                               ok: ["description": "text/event-stream of debate events",
                                                    "content": ["text/event-stream": ["schema": ["type": "string"]]]],
                                               errors: ["400", "404"])],
        "/api/debates/{id}/cancel": ["post": op("Cancel a queued or running debate", tag: "debates", params: [id],
                                                ok: json(object), errors: ["400", "404", "409"])],
        "/api/debates/{id}/receipt": ["get": op("The signed receipt of a finished debate", tag: "debates", params: [id],
                                                ok: json(["$ref": "#/components/schemas/Receipt"]), errors: ["400", "404", "409"])],
        "/api/debates/{id}/export/{format}": ["get": op("Download as json, md, html, csv or txt", tag: "debates",
                                                        params: [id, ["name": "format", "in": "path", "required": true,
                                                                      "schema": ["type": "string", "enum": ["json", "md", "html", "csv", "txt"]]]],
                                                        ok: ["description": "The export, in the format's own media type",
                                                             "content": ["application/json": ["schema": object],
                                                                         "text/markdown": ["schema": ["type": "string"]],
                                                                         "text/html": ["schema": ["type": "string"]],
                                                                         "text/csv": ["schema": ["type": "string"]],
                                                                         "text/plain": ["schema": ["type": "string"]]]],
                                                        errors: ["400", "404"])],
        "/api/agents": ["get": op("Agents available here, with ratings", tag: "agents", ok: json(object), isPublic: true)],
        "/api/leaderboard": ["get": op("Agents by ELO", tag: "agents", params: [query("limit", "integer", "1-500, default 50")],
                                       ok: json(object), errors: ["400", "422"], isPublic: true)],
        "/api/openapi.json": ["get": op("This document", tag: "meta", ok: json(object), isPublic: true)],
    ]

    static let otherPaths: [String: JSONValue] = [
        "/healthz": ["get": op("Liveness: 200 while the process serves", tag: "health", ok: json(object), isPublic: true)],
        "/readyz": ["get": op("Readiness: 200 when storage is ready, 503 during startup and shutdown", tag: "health",
                              ok: json(object), errors: ["503"], isPublic: true)],
        "/metrics": ["get": op("Prometheus metrics (Bearer ARAGORA_METRICS_TOKEN when set)", tag: "meta",
                               ok: ["description": "Prometheus text", "content": ["text/plain": ["schema": ["type": "string"]]]],
                               isPublic: true)],
        "/ws": ["get": op("WebSocket: send {type: subscribe, debate_id, replay_from_seq?}, unsubscribe, ping", tag: "live",
                          ok: ["description": "Switching protocols (101) to a WebSocket"], errors: ["400"])],
    ]

    static var paths: [String: JSONValue] {
        var all = otherPaths
        for (path, item) in apiPaths {
            all[path] = item
            all["/api/v1" + path.dropFirst(4)] = item
        }
        return all
    }

    static let schemas: JSONValue = [
        "Error": ["type": "object", "required": ["error", "code"],
                  "properties": ["error": ["type": "string"], "code": ["type": "string"], "details": ["type": "object"],
                                 "retry_after": ["type": "integer"]]],
        "Health": ["type": "object", "required": ["status", "version", "instance_id", "uptime_seconds", "timestamp", "checks"],
                   "properties": ["status": ["type": "string", "enum": ["healthy", "degraded", "unhealthy"]],
                                  "checks": ["type": "object", "required": ["database", "redis"]]]],
        "DebateRequest": ["type": "object",
                          "properties": ["question": ["type": "string", "minLength": 1, "maxLength": 10000], "task": ["type": "string"],
                                         "rounds": ["type": "integer", "minimum": 1, "maximum": 12],
                                         "consensus": ["type": "string", "enum": ["majority", "supermajority", "unanimous", "weighted", "judge", "none"]],
                                         "agents": ["oneOf": [["type": "string"], ["type": "array"]]],
                                         "config": ["type": "object"], "context": ["type": "string", "maxLength": 100000],
                                         "metadata": ["type": "object"], "budget_limit_usd": ["type": "number"],
                                         "seed": ["type": "integer", "minimum": 0]]],
        "DebateCreated": ["type": "object", "required": ["success", "debate_id", "status", "task", "websocket_url"],
                          "properties": ["success": ["type": "boolean"], "debate_id": ["type": "string"], "status": ["type": "string"],
                                         "task": ["type": "string"], "websocket_url": ["type": "string"]]],
        "DebateList": ["type": "object", "required": ["debates", "count", "total"],
                       "properties": ["debates": ["type": "array", "items": ["type": "object"]], "count": ["type": "integer"],
                                      "total": ["type": "integer"]]],
        "Debate": ["type": "object",
                   "required": ["id", "debate_id", "task", "status", "agents", "rounds", "rounds_used", "consensus_reached",
                                "confidence", "final_answer", "consensus", "messages", "critiques", "votes", "usage"],
                   "properties": ["id": ["type": "string"], "status": ["type": "string"],
                                  "messages": ["type": "array"], "critiques": ["type": "array"], "votes": ["type": "array"],
                                  "usage": ["type": "object"], "receipt": ["$ref": "#/components/schemas/Receipt"]]],
        "Receipt": ["type": ["object", "null"],
                    "properties": ["version": ["type": "integer"], "payload": ["type": "object"], "digest": ["type": "string"],
                                   "signature": ["type": "string"], "public_key": ["type": "string"], "algorithm": ["type": "string"]]],
    ]

    static let document: JSONValue = [
        "openapi": "3.1.0",
        "info": ["title": "Aragora", "version": .string(AragoraVersion.current),
                 "description": "Multi-agent debates: propose, critique, revise, vote; signed receipts."],
        "paths": .object(paths),
        "components": ["schemas": schemas,
                       "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer",
                                                          "description": "{loop_id}:{expires}:{hmac_sha256_hex}"]]],
    ]
}
