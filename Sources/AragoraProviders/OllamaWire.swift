import AragoraCore

/// Ollama's native chat: `POST {host}/api/chat`; the stream is one JSON object per line, the last with
/// `"done": true` and the token counts (`prompt_eval_count`, `eval_count`).
struct OllamaWire: WireFormat {
    var framing: StreamFraming { .ndjson }

    func request(_ prompt: Prompt, model: String, stream: Bool, settings: ProviderSettings, maxTokens: Int,
                 structured: Structured?) -> WireRequest {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": [["role": "system", "content": .string(prompt.system)], ["role": "user", "content": .string(prompt.user)]],
            "stream": .bool(stream), "options": ["num_predict": .int(maxTokens)],
        ]
        switch structured?.mode {
        case .jsonSchema?: body["format"] = structured!.schema.forGrammar(maxTokens: maxTokens)  // llama.cpp's grammar underneath
        case .jsonObject?: body["format"] = "json"
        case .off?, nil: break
        }
        return WireRequest(url: settings.baseURL + "/api/chat", headers: [("Content-Type", "application/json")], body: .object(body))
    }

    func reply(_ json: JSONValue) throws(AgentError) -> (text: String, usage: ProviderUsage) {
        guard let text = json["message"]?["content"]?.stringValue else { throw .badResponse("no message in the reply") }
        return (text, Self.usage(json))
    }

    func step(event: String?, data: String) throws(AgentError) -> StreamStep {
        let json = try json(data)
        if let message = json["error"]?.stringValue { throw .server(message, retryAfter: nil) }
        let done = json["done"]?.boolValue == true
        return StreamStep(text: json["message"]?["content"]?.stringValue ?? "", usage: done ? Self.usage(json) : nil, done: done)
    }

    static func usage(_ json: JSONValue) -> ProviderUsage {
        ProviderUsage(input: json["prompt_eval_count"]?.intValue, output: json["eval_count"]?.intValue)
    }
}
