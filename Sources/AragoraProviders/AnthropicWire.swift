import AragoraCore

/// Anthropic Messages: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`; the stream is SSE with
/// typed events (`message_start` carries input tokens, `content_block_delta` text, `message_delta` output tokens,
/// `message_stop` the end, `error` a failure mid-stream).
struct AnthropicWire: WireFormat {
    var framing: StreamFraming { .sse }

    func request(_ prompt: Prompt, model: String, stream: Bool, settings: ProviderSettings, maxTokens: Int,
                 structured: Structured?) -> WireRequest {
        var headers = [("Content-Type", "application/json"), ("anthropic-version", "2023-06-01")]
        if let key = settings.key { headers.append(("x-api-key", key)) }
        var body: [String: JSONValue] = [
            "model": .string(model), "max_tokens": .int(maxTokens), "system": .string(prompt.system),
            "messages": [["role": "user", "content": .string(prompt.user)]], "stream": .bool(stream),
        ]
        // Anthropic's structured output is a tool the model must call: its input is the reply.
        if let structured, structured.mode != .off {
            body["tools"] = [["name": .string(structured.schema.name), "description": "Give your reply.",
                              "input_schema": structured.schema.schema]]
            body["tool_choice"] = ["type": "tool", "name": .string(structured.schema.name)]
        }
        return WireRequest(url: settings.baseURL + "/v1/messages", headers: headers, body: .object(body))
    }

    func reply(_ json: JSONValue) throws(AgentError) -> (text: String, usage: ProviderUsage) {
        guard let blocks = json["content"]?.arrayValue else { throw .badResponse("no content in the reply") }
        // A forced tool's input is the reply (as JSON text, as the other providers send it).
        let text = blocks.compactMap { b -> String? in
            if b["type"] == "tool_use" { return b["input"]?.serialized() }
            return b["type"] == "text" ? b["text"]?.stringValue : nil
        }.joined()
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
            switch json["delta"]?["type"]?.stringValue {
            case "text_delta": return StreamStep(text: json["delta"]?["text"]?.stringValue ?? "")
            case "input_json_delta": return StreamStep(text: json["delta"]?["partial_json"]?.stringValue ?? "")
            default: return StreamStep()
            }
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
