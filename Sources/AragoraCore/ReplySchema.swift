/// The JSON shape a machine-read reply (critique, vote, judgment) must have: sent to providers as structured
/// output (OpenAI `json_schema`, Anthropic's forced tool, Gemini `responseSchema`, Ollama `format`) and checked
/// again by `ReplyParser`, since no server's constraint is trusted (a constrained small model still wrote a
/// confidence of 128396.0).
public struct ReplySchema: Sendable, Equatable {
    /// `critique`, `vote` or `judgment`: the schema's (and the Anthropic tool's) name.
    public var name: String
    /// JSON Schema in the strict subset every provider accepts: objects with every property required and no
    /// others, strings, integers and numbers with bounds, enums of strings.
    public var schema: JSONValue

    public static let critique = ReplySchema(name: "critique", schema: object([
        "issues": ["type": "array", "items": ["type": "string"]],
        "suggestions": ["type": "array", "items": ["type": "string"]],
        "severity": ["type": "integer", "minimum": 0, "maximum": 10],
    ], order: ["issues", "suggestions", "severity"]))

    /// A vote's choice is one of `labels` (the answers offered, never the voter's own).
    public static func vote(labels: [String]) -> ReplySchema {
        ReplySchema(name: "vote", schema: object([
            "choice": ["type": "string", "enum": JSONValue(labels)],
            "confidence": ["type": "number", "minimum": 0, "maximum": 1],
            "reasoning": ["type": "string"],
        ], order: ["choice", "confidence", "reasoning"]))
    }

    public static func judgment(labels: [String]) -> ReplySchema {
        ReplySchema(name: "judgment", schema: object([
            "winner": ["type": "string", "enum": JSONValue(labels)],
            "confidence": ["type": "number", "minimum": 0, "maximum": 1],
            "final_answer": ["type": "string"],
        ], order: ["winner", "confidence", "final_answer"]))
    }

    /// The schema a request's reply must meet; nil for free-text phases (answers, syntheses).
    public static func of(_ request: PhaseRequest) -> ReplySchema? {
        switch request.phase {
        case .critique: return .critique
        case .vote: return .vote(labels: request.candidates.map(\.agent))
        case .judge: return .judgment(labels: request.candidates.map(\.agent))
        case .propose, .revise, .synthesize: return nil
        }
    }

    static func object(_ properties: [String: JSONValue], order: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": JSONValue(order), "additionalProperties": false]
    }

    /// An example reply for the prompt, in the schema's own field order.
    public var example: String {
        switch name {
        case "critique": return #"{"issues": ["..."], "suggestions": ["..."], "severity": 0-10}"#
        case "vote": return #"{"choice": "<one of the labels>", "confidence": 0.0-1.0, "reasoning": "..."}"#
        default: return #"{"winner": "<one of the labels>", "confidence": 0.0-1.0, "final_answer": "..."}"#
        }
    }
}
