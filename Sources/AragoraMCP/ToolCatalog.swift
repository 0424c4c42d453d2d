import AragoraCore
import AragoraDebates
import MCP

/// The tools `tools/list` shows, with their input and output schemas. The handlers are in `AragoraTools`.
enum ToolCatalog {
    static let string: JSONValue = ["type": "string"]
    static let debateID: JSONValue = ["type": "string", "description": "A debate id (deb_...), as debate and search_debates return it."]

    static func tools(maxRounds: Int) -> [Tool] {
        let panel: JSONValue = [
            "description": "The panel, as for the API: a list of agents (\"anthropic-api\", \"demo:skeptic\", \"openai-api|gpt-5-mini\") or one comma-separated string; default: the configured providers.",
            "type": ["array", "string"], "items": ["type": "string"],
        ]
        let debateInputs: [String: JSONValue] = [
            "agents": panel,
            "rounds": ["type": "integer", "minimum": 1, "maximum": .int(maxRounds), "description": "Rounds of critique and revision."],
            "consensus": ["type": "string", "enum": .array(ConsensusMethod.allCases.map { .string($0.rawValue) }),
                          "description": "How the panel decides (default judge)."],
            "blind": ["type": "boolean", "description": "Critics and voters see anonymous labels, not names (default true)."],
            "budget": ["type": "number", "minimum": 0, "description": "Stop the debate when it has cost this many US dollars."],
            "wait_seconds": ["type": "number", "minimum": 0, "maximum": 600,
                             "description": "How long to wait for the result (default 45, under the common 60 s client limits); past it the tool returns status running and the debate goes on: call get_debate."],
        ]
        func object(_ properties: [String: JSONValue], required: [String] = []) -> Value {
            Value(["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string)),
                   "additionalProperties": false])
        }
        let result = Value(DebateResultShape.schema())
        return [
            Tool(name: "debate", title: "Ask the panel",
                 description: "A panel of AI agents debates the question (propose, critique, revise, vote) and returns the final answer, its confidence when the votes gave one, the dissent with reasons, the cost and the receipt digest. Sends progress at each step when the call carries a progress token.",
                 inputSchema: object(debateInputs.merging([
                    "question": ["type": "string", "maxLength": .int(DebateLimits.questionCharacters)],
                    "context": ["type": "string", "maxLength": .int(DebateLimits.contextCharacters), "description": "Background the agents should know."],
                 ]) { a, _ in a }, required: ["question"]),
                 annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true),
                 outputSchema: result),
            Tool(name: "get_debate", title: "Read a debate",
                 description: "A debate's status and result, with its transcript summarised to fit a model's context (round: one round in full).",
                 inputSchema: object([
                    "debate_id": debateID,
                    "round": ["type": "integer", "minimum": 1, "description": "Show this round in full."],
                    "max_chars": ["type": "integer", "minimum": 1000, "maximum": 100_000, "description": "Transcript size (default 8000)."],
                 ], required: ["debate_id"]),
                 annotations: .init(readOnlyHint: true, openWorldHint: false),
                 outputSchema: Value(DebateResultShape.schema(extra: ["transcript": string]))),
            Tool(name: "search_debates", title: "Find debates",
                 description: "Recent debates, newest first; text: those whose question contains it.",
                 inputSchema: object([
                    "text": ["type": "string", "maxLength": .int(DebateLimits.questionCharacters)],
                    "status": ["type": "string", "enum": .array(DebateStatus.allCases.map { .string($0.rawValue) })],
                    "limit": ["type": "integer", "minimum": 1, "maximum": 50, "description": "Default 10."],
                 ]),
                 annotations: .init(readOnlyHint: true, openWorldHint: false),
                 outputSchema: Value(["type": "object", "properties": [
                    "total": ["type": "integer"],
                    "debates": ["type": "array", "items": ["type": "object", "properties": [
                        "debate_id": string, "question": string, "status": string, "created_at": string,
                        "consensus_reached": ["type": "boolean"], "confidence": DebateResultShape.nullable("number"),
                    ], "required": ["debate_id", "question", "status", "created_at", "consensus_reached", "confidence"]]],
                 ], "required": ["total", "debates"]])),
            Tool(name: "cancel_debate", title: "Cancel a debate",
                 description: "Stops a running debate wherever it runs.",
                 inputSchema: object(["debate_id": debateID], required: ["debate_id"]),
                 annotations: .init(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false),
                 outputSchema: Value(["type": "object", "properties": [
                    "debate_id": string, "cancelled": ["type": "boolean"], "status": string, "detail": string,
                 ], "required": ["debate_id", "cancelled", "status", "detail"]])),
            Tool(name: "follow_up", title: "Ask a follow-up",
                 description: "A new debate on a question about a finished one, with that debate's answer and dissent as context.",
                 inputSchema: object(debateInputs.merging([
                    "debate_id": debateID,
                    "question": ["type": "string", "maxLength": .int(DebateLimits.questionCharacters)],
                 ]) { a, _ in a }, required: ["debate_id", "question"]),
                 annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true),
                 outputSchema: Value(DebateResultShape.schema(extra: ["follows": string]))),
            Tool(name: "verify_receipt", title: "Verify a receipt",
                 description: "Checks a receipt: ours (or a debate record carrying one) or an Open Decision Receipt. Returns valid, or the reason it is not.",
                 inputSchema: object(["receipt": ["description": "The receipt as a JSON object, or its JSON text.", "type": ["object", "string"]]],
                                     required: ["receipt"]),
                 annotations: .init(readOnlyHint: true, openWorldHint: false),
                 outputSchema: Value(["type": "object", "properties": [
                    "valid": ["type": "boolean"], "format": ["type": "string", "enum": ["aragora", "odr"]],
                    "debate_id": DebateResultShape.nullable("string"), "digest": DebateResultShape.nullable("string"),
                    "reason": DebateResultShape.nullable("string"), "signed_by_this_server": ["type": "boolean"],
                 ], "required": ["valid", "format", "debate_id", "digest", "reason", "signed_by_this_server"]])),
            Tool(name: "list_agents", title: "List agents",
                 description: "The agents a debate can use: demo personas and the configured providers, with default models and list prices per million tokens.",
                 inputSchema: object([:]),
                 annotations: .init(readOnlyHint: true, openWorldHint: false),
                 outputSchema: Value(["type": "object", "properties": [
                    "default_panel": ["type": "array", "items": string],
                    "agents": ["type": "array", "items": ["type": "object", "properties": [
                        "name": string, "provider": string, "model": string, "configured": ["type": "boolean"],
                        "input_per_mtok": DebateResultShape.nullable("number"), "output_per_mtok": DebateResultShape.nullable("number"),
                    ], "required": ["name", "provider", "model", "configured", "input_per_mtok", "output_per_mtok"]]],
                 ], "required": ["default_panel", "agents"]])),
            Tool(name: "leaderboard", title: "Agent ratings",
                 description: "Agents by ELO rating from the debates they took part in.",
                 inputSchema: object(["limit": ["type": "integer", "minimum": 1, "maximum": 100, "description": "Default 20."]]),
                 annotations: .init(readOnlyHint: true, openWorldHint: false),
                 outputSchema: Value(["type": "object", "properties": [
                    "rows": ["type": "array", "items": ["type": "object", "properties": [
                        "rank": ["type": "integer"], "agent": string, "rating": ["type": "number"], "wins": ["type": "integer"],
                        "losses": ["type": "integer"], "draws": ["type": "integer"], "debates": ["type": "integer"],
                    ], "required": ["rank", "agent", "rating", "wins", "losses", "draws", "debates"]]],
                 ], "required": ["rows"]])),
        ]
    }
}
