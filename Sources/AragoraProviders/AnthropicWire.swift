import AragoraCore

/// Anthropic Messages: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`; the stream is SSE with
/// typed events (`message_start` carries input tokens, `content_block_delta` text, `message_delta` output tokens,
/// `message_stop` the end, `error` a failure mid-stream).
struct AnthropicWire: WireFormat {
    var framing: StreamFraming { .sse }

    func request(_ prompt: Prompt, model: String, stream: Bool, settings: ProviderSettings, maxTokens: Int) -> WireRequest {
        var headers = [("Content-Type", "application/json"), ("anthropic-version", "2023-06-01")]
        if let key = settings.key { headers.append(("x-api-key", key)) }
        let body: JSONValue = [
            "model": .string(model), "max_tokens": .int(maxTokens), "system": .string(prompt.system),
            "messages": [["role": "user", "content": .string(prompt.user)]], "stream": .bool(stream),
        ]
        return WireRequest(url: settings.baseURL + "/v1/messages", headers: headers, body: body)
    }

    func reply(_ json: JSONValue) throws(AgentError) -> (text: String, usage: ProviderUsage) {
        guard let blocks = json["content"]?.arrayValue else { throw .badResponse("no content in the reply") }
        let text = blocks.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined()
        if blocks.isEmpty { throw .badResponse("an empty content list") }
        let u = json["usage"]
        return (text, ProviderUsage(input: u?["input_tokens"]?.intValue, output: u?["output_tokens"]?.intValue))
    }

    func step(event: String?, data: String) throws(AgentError) -> StreamStep {
        let json = try json(data)
        switch event ?? json["type"]?.stringValue {
        case "message_start":
            let u = json["message"]?["usage"]
            return StreamStep(usage: ProviderUsage(input: u?["input_tokens"]?.intValue, output: u?["output_tokens"]?.intValue))
        case "content_block_delta":
            return StreamStep(text: json["delta"]?["type"] == "text_delta" ? json["delta"]?["text"]?.stringValue ?? "" : "")
        case "message_delta":
            return StreamStep(usage: ProviderUsage(input: nil, output: json["usage"]?["output_tokens"]?.intValue))
        case "message_stop":
            return StreamStep(done: true)
        case "error":
            let message = providerMessage(json) ?? "stream error"
            switch json["error"]?["type"]?.stringValue {
            case "overloaded_error", "api_error": throw .server(message, retryAfter: nil)
            case "rate_limit_error": throw .rateLimit(message, retryAfter: nil)
            default: throw .badResponse(message)
            }
        default:
            return StreamStep()  // ping, content_block_start/stop
        }
    }
}
