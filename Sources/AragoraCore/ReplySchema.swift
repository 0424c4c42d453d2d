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

    /// The schema for servers that constrain decoding with a grammar built from it (llama.cpp, Ollama): their
    /// grammars cannot bound a number, so bounded numbers become enums of steps (confidence 0, 0.05 ... 1;
    /// severity 0 ... 10), and free text gets lengths (two list items of at most 120 characters, a reasoning of 200),
    /// so a small model cannot ramble past the token cap with its JSON unclosed: every text together fits in
    /// `maxTokens` less some for the JSON around it (a token is at least a character here; a critique on a 135M
    /// model spent 94 tokens on 129 characters of timestamps). The reply is still checked against the plain schema.
    public func forGrammar(maxTokens: Int) -> JSONValue {
        let texts = name == "critique" ? 4 : 1  // two lists of two items, or one reasoning or final answer
        return Self.bounded(schema, field: nil, share: max(16, (maxTokens - 48) / texts))
    }

    static func bounded(_ schema: JSONValue, field: String?, share: Int) -> JSONValue {
        guard case .object(var o) = schema else { return schema }
        switch o["type"]?.stringValue {
        case "object":
            if case .object(let properties) = o["properties"] {
                o["properties"] = .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.key, bounded($0.value, field: $0.key, share: share)) }))
            }
        case "array":
            o["maxItems"] = 2
            if let items = o["items"] { o["items"] = bounded(items, field: "item", share: share) }
        case "string" where field == "final_answer":
            // It must hold words: SmolLM2 wrote an empty one, and "..." copied from the prompt's example. A letter
            // first, then any character a JSON string holds unescaped; a length only when the cap is short.
            let rest = share <= 1000 ? "{0,\(share - 1)}" : "*"
            o["pattern"] = .string(#"^[A-Za-z][^"\\\x7F\x00-\x1F]"# + rest + "$")
        case "string" where o["enum"] == nil:
            // llama.cpp spells a maxLength out as nested rules: at 1,200 characters llama-cpp-python 0.3.36 failed
            // to parse the grammar and its server died.
            o["maxLength"] = .int(min(field == "item" ? 120 : 200, share))
        case "number" where o["minimum"] == 0 && o["maximum"] == 1:
            o = ["enum": .array((0...20).map { .double(Double($0) / 20) })]
        case "integer":
            if let lo = o["minimum"]?.intValue, let hi = o["maximum"]?.intValue { o = ["enum": .array((lo...hi).map(JSONValue.int))] }
        default:
            break
        }
        return .object(o)
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
