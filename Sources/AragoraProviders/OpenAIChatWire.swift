import AragoraCore

/// OpenAI Chat Completions, and the servers that copy it (Mistral, xAI, DeepSeek, OpenRouter, LM Studio, vLLM,
/// llama.cpp server): `POST {base}/chat/completions`, a Bearer key, SSE `data:` chunks ending with `[DONE]`.
struct OpenAIChatWire: WireFormat {
    var framing: StreamFraming { .sse }
    /// A stream that ends with `[DONE]` but no `finish_reason` was cut short (llama.cpp's servers do this to a
    /// running reply when another request arrives).
    var marksFinish: Bool { true }

    func request(_ prompt: Prompt, model: String, stream: Bool, settings: ProviderSettings, maxTokens: Int,
                 structured: Structured?) -> WireRequest {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": [["role": "system", "content": .string(prompt.system)], ["role": "user", "content": .string(prompt.user)]],
            "stream": .bool(stream),
        ]
        if settings.info.capsReplyLength { body["max_tokens"] = .int(maxTokens) }
        if stream, settings.info.streamUsageOption { body["stream_options"] = ["include_usage": true] }
        switch structured?.mode {
        case .jsonSchema?:
            body["response_format"] = ["type": "json_schema", "json_schema": [
                "name": .string(structured!.schema.name), "strict": true, "schema": structured!.schema.schema]]
        case .jsonObject?:
            // llama.cpp's servers constrain decoding to `schema` (a grammar: see `forGrammar`); OpenAI-style JSON mode
            // ignores it.
            body["response_format"] = ["type": "json_object", "schema": structured!.schema.forGrammar(maxTokens: maxTokens)]
        case .off?, nil:
            break
        }
        var headers = [("Content-Type", "application/json")]
        if let key = settings.key { headers.append(("Authorization", "Bearer \(key)")) }
        headers += settings.info.headers
        return WireRequest(url: settings.baseURL + "/chat/completions", headers: headers, body: .object(body))
    }

    func reply(_ json: JSONValue) throws(AgentError) -> (text: String, usage: ProviderUsage) {
        guard let choices = json["choices"]?.arrayValue else { throw .badResponse("no choices in the reply") }
        guard let first = choices.first else { throw .badResponse("an empty choice list") }
        guard let text = first["message"]?["content"]?.stringValue else { throw .badResponse("the choice has no message content") }
        return (text, Self.usage(json["usage"]) ?? ProviderUsage())
    }

    func step(event: String?, data: String) throws(AgentError) -> StreamStep {
        if data == "[DONE]" { return StreamStep(done: true) }
        let json = try json(data)
        if let message = json["error"].flatMap({ providerMessage(["error": $0]) }) { throw .server(message, retryAfter: nil) }
        var step = StreamStep(usage: Self.usage(json["usage"]))
        let choice = json["choices"]?.arrayValue?.first
        if let delta = choice?["delta"]?["content"]?.stringValue { step.text = delta }
        if let reason = choice?["finish_reason"], reason != .null { step.finished = true }
        return step
    }

    static func usage(_ u: JSONValue?) -> ProviderUsage? {
        guard let u, u != .null else { return nil }
        return ProviderUsage(input: u["prompt_tokens"]?.intValue, output: u["completion_tokens"]?.intValue)
    }
}
