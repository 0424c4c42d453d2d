import AragoraCore
import AragoraDebates

/// A `POST /v1/chat/completions` body as a debate: the last user message is the question; system (and developer)
/// messages and the earlier turns become the context the panel reads, so a follow-up question sees the earlier
/// answer. What a debate cannot honour (`n` > 1, tools, images, audio) is refused as OpenAI refuses; fields it does
/// not know are ignored, as OpenAI does.
struct ChatCompletionRequest {
    var model: String
    var panel: NamedPanel?
    var question: String
    var context: String?
    var stream: Bool
    var includeUsage: Bool
    /// Caps the final answer (`max_completion_tokens`, else `max_tokens`).
    var maxTokens: Int?
    var user: String?

    static let defaultModel = "aragora"

    static func bad(_ message: String, param: String, code: String = "invalid_request") -> APIError {
        APIError(.badRequest, code, message, details: ["field": .string(param)])
    }

    static func parse(_ body: JSONValue, panels: [String: NamedPanel]) throws(APIError) -> ChatCompletionRequest {
        guard case .object(let o) = body else { throw bad("the body must be a JSON object", param: "body") }
        guard let model = o["model"]?.stringValue, !model.isEmpty else { throw bad("you must provide a model parameter", param: "model") }
        var panel: NamedPanel?
        if model != defaultModel {
            guard model.hasPrefix(defaultModel + "/"), let named = panels[String(model.dropFirst(defaultModel.count + 1))] else {
                throw APIError(.notFound, "model_not_found", "The model '\(model)' does not exist (GET /v1/models lists them)",
                               details: ["field": "model"])
            }
            panel = named
        }
        if let n = o["n"], n != .null, n.intValue != 1 { throw bad("n must be 1: a debate gives one answer", param: "n") }
        for key in ["tools", "functions"] {
            if let v = o[key], v != .null, v.arrayValue?.isEmpty != true {
                throw bad("\(key) are not supported: the panel answers in text", param: key, code: "unsupported_parameter")
            }
        }
        let stream = try flag(o, "stream")
        let includeUsage = try flag(o["stream_options"]?.objectValue ?? [:], "include_usage")
        var maxTokens: Int?
        for key in ["max_tokens", "max_completion_tokens"] {
            guard let v = o[key], v != .null else { continue }
            guard let n = v.intValue, n >= 1 else { throw bad("\(key) must be a positive integer", param: key) }
            maxTokens = min(maxTokens ?? n, n)
        }
        let user = o["user"]?.stringValue

        guard let messages = o["messages"]?.arrayValue, !messages.isEmpty else {
            throw bad("messages must be a non-empty array", param: "messages")
        }
        var instructions: [String] = []
        var turns: [(role: String, text: String)] = []
        for (i, m) in messages.enumerated() {
            guard let role = m["role"]?.stringValue else { throw bad("messages[\(i)].role is required", param: "messages") }
            let text = try content(m["content"], index: i)
            guard text.unicodeScalars.contains(where: { !DebateLimits.blank.contains($0) }) else {
                throw bad("messages[\(i)].content is empty", param: "messages")
            }
            if role == "user", DebateLimits.length(text) > DebateLimits.questionCharacters {
                throw bad("messages[\(i)].content is longer than \(DebateLimits.questionCharacters) characters", param: "messages")
            }
            switch role {
            case "system", "developer": instructions.append(text)
            case "user", "assistant": turns.append((role, text))
            default:
                throw bad("messages[\(i)].role '\(role)' is not supported (system, developer, user, assistant)", param: "messages")
            }
        }
        // The question is the last user turn; turns after it (an assistant's prefill) are context like the earlier ones.
        guard let at = turns.lastIndex(where: { $0.role == "user" }) else {
            throw bad("messages must include the user's question", param: "messages")
        }
        var earlier = turns
        let last = earlier.remove(at: at)
        let context = Self.context(instructions: instructions, earlier: earlier[...])
        return ChatCompletionRequest(model: model, panel: panel, question: last.text, context: context, stream: stream,
                                     includeUsage: includeUsage, maxTokens: maxTokens, user: user)
    }

    static func flag(_ o: [String: JSONValue], _ key: String) throws(APIError) -> Bool {
        guard let v = o[key], v != .null else { return false }
        guard let b = v.boolValue else { throw bad("\(key) must be true or false", param: key) }
        return b
    }

    /// A message's text: a string, or text parts; anything else (images, audio, files) is refused.
    static func content(_ value: JSONValue?, index: Int) throws(APIError) -> String {
        switch value {
        case .string(let s)?: return s
        case .array(let parts)?:
            var text: [String] = []
            for part in parts {
                guard part["type"]?.stringValue == "text", let t = part["text"]?.stringValue else {
                    let kind = part["type"]?.stringValue ?? "unknown"
                    throw bad("messages[\(index)]: \(kind) content is not supported: the panel reads text only", param: "messages",
                              code: "unsupported_content")
                }
                text.append(t)
            }
            return text.joined(separator: "\n")
        case nil, .null?: return ""
        default: throw bad("messages[\(index)].content must be a string or text parts", param: "messages")
        }
    }

    /// Instructions first, then the conversation, oldest turns dropped first when it would not fit the context limit.
    static func context(instructions: [String], earlier: ArraySlice<(role: String, text: String)>) -> String? {
        let head = instructions.isEmpty ? "" : instructions.joined(separator: "\n\n")
        var lines = earlier.map { "\($0.role == "user" ? "User" : "Assistant (the panel's earlier answer)"): \($0.text)" }
        func render() -> String {
            let conversation = lines.isEmpty ? "" : "Conversation so far:\n" + lines.joined(separator: "\n\n")
            return [head, conversation].filter { !$0.isEmpty }.joined(separator: "\n\n")
        }
        while !lines.isEmpty, DebateLimits.length(render()) > DebateLimits.contextCharacters { lines.removeFirst() }
        var text = render()
        if DebateLimits.length(text) > DebateLimits.contextCharacters { text = String(text.prefix(DebateLimits.contextCharacters)) }
        return text.isEmpty ? nil : text
    }

    func input(config: ServerConfiguration, defaultPanel: [AgentSpec]) throws(APIError) -> DebateInput {
        var metadata: [String: JSONValue] = ["source": "openai", "model": .string(model)]
        if let user { metadata["user"] = .string(user) }
        do {
            return try DebateInput(question: question, specs: panel?.agents, rounds: panel?.rounds, consensus: panel?.consensus ?? .judge,
                                   context: context, metadata: metadata, budgetLimitUSD: panel?.budgetUSD, blind: panel?.blind ?? true,
                                   defaultPanel: defaultPanel, config: config)
        } catch {
            if error.kind == .misconfigured { throw APIError(.internalServerError, "misconfigured", error.description) }
            throw Self.bad(error.description, param: error.field == "question" ? "messages" : error.field)
        }
    }
}
