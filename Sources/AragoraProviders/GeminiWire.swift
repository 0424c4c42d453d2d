import AragoraCore
import Foundation

/// Google Gemini: `POST {base}/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse` for a
/// stream of whole response objects (text parts and cumulative `usageMetadata`), with `x-goog-api-key`.
struct GeminiWire: WireFormat {
    var framing: StreamFraming { .sse }

    func request(_ prompt: Prompt, model: String, stream: Bool, settings: ProviderSettings, maxTokens: Int,
                 structured: Structured?) -> WireRequest {
        var headers = [("Content-Type", "application/json")]
        if let key = settings.key { headers.append(("x-goog-api-key", key)) }
        let method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
        let escaped = Self.pathSegment(model)
        var generation: [String: JSONValue] = ["maxOutputTokens": .int(maxTokens)]
        switch structured?.mode {
        case .jsonSchema?:
            generation["responseMimeType"] = "application/json"
            generation["responseSchema"] = Self.openAPISchema(structured!.schema.schema)
        case .jsonObject?:
            generation["responseMimeType"] = "application/json"
        case .off?, nil:
            break
        }
        let body: JSONValue = [
            "systemInstruction": ["parts": [["text": .string(prompt.system)]]],
            "contents": [["role": "user", "parts": [["text": .string(prompt.user)]]]],
            "generationConfig": .object(generation),
        ]
        return WireRequest(url: settings.baseURL + "/v1beta/models/\(escaped):\(method)", headers: headers, body: body)
    }

    /// Gemini's `responseSchema` is OpenAPI's subset: no `additionalProperties` (objects are closed anyway).
    static func openAPISchema(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(var o):
            o["additionalProperties"] = nil
            return .object(o.mapValues(openAPISchema))
        case .array(let items): return .array(items.map(openAPISchema))
        default: return schema
        }
    }

    /// A model name as one path segment: everything but unreserved characters percent-encoded, so `/`, `..`, `?`
    /// or `#` in a name can never reach another path on the configured host.
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~")
        if text.contains("..") { allowed.remove(".") } else { allowed.insert(".") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    func reply(_ json: JSONValue) throws(AgentError) -> (text: String, usage: ProviderUsage) {
        guard let candidates = json["candidates"]?.arrayValue else {
            if let reason = json["promptFeedback"]?["blockReason"]?.stringValue { throw .badResponse("the prompt was blocked: \(reason)") }
            throw .badResponse("no candidates in the reply")
        }
        guard let first = candidates.first else { throw .badResponse("an empty candidate list") }
        return (Self.text(first), Self.usage(json["usageMetadata"]) ?? ProviderUsage())
    }

    func step(event: String?, data: String) throws(AgentError) -> StreamStep {
        let json = try json(data)
        if let message = providerMessage(json), json["error"] != nil { throw .server(message, retryAfter: nil) }
        let first = json["candidates"]?.arrayValue?.first
        return StreamStep(text: first.map(Self.text) ?? "", usage: Self.usage(json["usageMetadata"]),
                          done: first?["finishReason"]?.stringValue != nil)
    }

    static func text(_ candidate: JSONValue) -> String {
        (candidate["content"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }

    static func usage(_ u: JSONValue?) -> ProviderUsage? {
        guard let u else { return nil }
        return ProviderUsage(input: u["promptTokenCount"]?.intValue, output: u["candidatesTokenCount"]?.intValue)
    }
}
