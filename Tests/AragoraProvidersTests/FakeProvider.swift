import AragoraCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A fake LLM provider on loopback that speaks each wire format the agents use (OpenAI Chat Completions,
/// Anthropic Messages, Gemini, Ollama), streaming included. The real providers are out of reach here; the
/// client code under test is exactly what production uses.
///
/// The model name picks the behaviour: `ok`, `rate-limit-once` (429 with `Retry-After: 1`, then fine), `server-error`
/// (500), `overloaded` (529), `slow` (answers after 2 s), `truncated` (the stream stops midway), `malformed`
/// (broken JSON), `wrong-type` (an HTML page), `unauthorized` (401), `empty` (no choices), `quota` (429
/// insufficient_quota), `fail-after-N` (fine for N calls, then 500), `refuses-json-schema` (400 to a `json_schema`
/// response format, as llama-cpp-python's server answers), `refuses-response-format` (400 to any response format).
/// Replies follow the phase's reply format so the debate engine accepts them; a forced Anthropic tool is answered
/// with a `tool_use` block.
final class FakeProvider: Sendable {
    struct Seen: Sendable {
        var path: String
        var headers: [String: String]
        var body: JSONValue
    }
    private let calls = Mutex<[String: Int]>([:])
    private let seen = Mutex<[Seen]>([])
    /// The key the fake expects (every wire's auth header is checked against it).
    let key: String

    init(key: String = "sk-fake-SECRET-1234") {
        self.key = key
    }

    var requests: [Seen] { seen.withLock { $0 } }
    func count(_ model: String) -> Int { calls.withLock { $0[model] ?? 0 } }

    /// Runs the fake on an ephemeral loopback port for the duration of `body`.
    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in try await self.handle(request, wire: .openAI, model: nil) }
        router.post("/v1/messages") { request, _ in try await self.handle(request, wire: .anthropic, model: nil) }
        router.post("/v1beta/models/:call") { request, context in
            let call = context.parameters.get("call") ?? ""
            let model = String(call.prefix { $0 != ":" })
            return try await self.handle(request, wire: call.hasSuffix("streamGenerateContent") ? .geminiStream : .gemini, model: model)
        }
        router.post("/api/chat") { request, _ in try await self.handle(request, wire: .ollama, model: nil) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in try await body(client.port!) }
    }

    enum Wire { case openAI, anthropic, gemini, geminiStream, ollama }

    func handle(_ request: Request, wire: Wire, model pathModel: String?) async throws -> Response {
        let raw = try await request.body.collect(upTo: 4 << 20)
        let body = JSONValue.parse(bytes: Array(raw.readableBytesView)) ?? .null
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        seen.withLock { $0.append(Seen(path: request.uri.path, headers: headers, body: body)) }
        let model = pathModel ?? body["model"]?.stringValue ?? "ok"
        let n = calls.withLock { c -> Int in
            c[model, default: 0] += 1
            return c[model]!
        }
        // Each wire's way of presenting the key.
        let presented: String? = switch wire {
        case .openAI: headers["authorization"].map { String($0.dropFirst("Bearer ".count)) }
        case .anthropic: headers["x-api-key"]
        case .gemini, .geminiStream: headers["x-goog-api-key"]
        case .ollama: key
        }
        if presented != key || model == "unauthorized" {
            return json(401, ["error": ["message": .string("Incorrect API key provided: \(presented ?? "none")"), "type": "authentication_error"]])
        }
        if model == "quota" {
            return json(429, ["error": ["message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"]])
        }
        if model == "rate-limit-once", n == 1 {
            return json(429, ["error": ["message": "Rate limit reached", "type": "rate_limit_error"]], extra: [("Retry-After", "1")])
        }
        if model == "server-error" { return json(500, ["error": ["message": "internal failure", "type": "api_error"]]) }
        if model == "overloaded" { return json(529, ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]) }
        if model.hasPrefix("fail-after-"), let limit = Int(model.dropFirst("fail-after-".count)), n > limit {
            return json(500, ["error": ["message": "failing from now on", "type": "api_error"]])
        }
        if model == "slow" { try await Task.sleep(for: .seconds(2)) }
        let format = body["response_format"]?["type"]?.stringValue
        if (model == "refuses-json-schema" && format == "json_schema") || (model == "refuses-response-format" && format != nil) {
            return json(400, ["error": ["message": "1 validation error: response_format.type: Input should be 'text' or 'json_object'",
                                        "type": "invalid_request_error"]])
        }
        if model == "wrong-type" {
            var h = HTTPFields()
            h[.contentType] = "text/html"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: "<html>maintenance</html>")))
        }
        let prompt = Self.promptText(body, wire: wire)
        let text = Self.reply(to: prompt)
        let stream = body["stream"]?.boolValue == true || wire == .geminiStream
        if model == "malformed" {
            return stream ? events(["data: {\"choices\": [{\"delta\": {\"content\": \"br"]) : rawJSON(200, "{\"choices\": [")
        }
        if model == "empty" {
            switch wire {
            case .openAI: return json(200, ["choices": [], "usage": ["prompt_tokens": 1, "completion_tokens": 0]])
            case .anthropic: return json(200, ["content": [], "usage": ["input_tokens": 1, "output_tokens": 0]])
            case .gemini, .geminiStream: return json(200, ["candidates": []])
            case .ollama: return json(200, ["done": true])
            }
        }
        let pieces = Self.split(text)
        let (input, output) = (prompt.count / 4 + 7, pieces.count + 3)
        let truncate = model == "truncated"
        switch wire {
        case .openAI:
            guard stream else {
                return json(200, ["id": "x", "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop"]],
                                  "usage": ["prompt_tokens": .int(input), "completion_tokens": .int(output)]])
            }
            var lines = pieces.map { p in "data: " + JSONValue.object(["choices": [["index": 0, "delta": ["content": .string(p)]]]]).serialized() }
            if truncate { return events(Array(lines.prefix(2))) }
            lines.append("data: " + JSONValue.object(["choices": [["index": 0, "delta": [:], "finish_reason": "stop"]]]).serialized())
            if body["stream_options"]?["include_usage"]?.boolValue == true {
                lines.append("data: " + JSONValue.object(["choices": [], "usage": ["prompt_tokens": .int(input), "completion_tokens": .int(output)]]).serialized())
            }
            lines.append("data: [DONE]")
            return events(lines)
        case .anthropic:
            let tool = body["tool_choice"]?["name"]?.stringValue
            guard stream else {
                let block: JSONValue = tool.map { ["type": "tool_use", "id": "t1", "name": .string($0), "input": JSONValue.parse(text) ?? .null] }
                    ?? ["type": "text", "text": .string(text)]
                return json(200, ["id": "m", "type": "message", "role": "assistant", "content": [block],
                                  "stop_reason": tool == nil ? "end_turn" : "tool_use", "usage": ["input_tokens": .int(input), "output_tokens": .int(output)]])
            }
            var lines = ["event: message_start\ndata: " + JSONValue.object(["type": "message_start", "message": ["usage": ["input_tokens": .int(input), "output_tokens": 1]]]).serialized(),
                         "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                         "event: ping\ndata: {\"type\": \"ping\"}"]
            lines += pieces.map { p in
                let delta: JSONValue = tool == nil ? ["type": "text_delta", "text": .string(p)] : ["type": "input_json_delta", "partial_json": .string(p)]
                return "event: content_block_delta\ndata: " + JSONValue.object(["type": "content_block_delta", "index": 0, "delta": delta]).serialized()
            }
            if truncate { return events(Array(lines.prefix(4))) }
            lines.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}")
            lines.append("event: message_delta\ndata: " + JSONValue.object(["type": "message_delta", "delta": ["stop_reason": "end_turn"], "usage": ["output_tokens": .int(output)]]).serialized())
            lines.append("event: message_stop\ndata: {\"type\":\"message_stop\"}")
            return events(lines)
        case .gemini, .geminiStream:
            let usage: JSONValue = ["promptTokenCount": .int(input), "candidatesTokenCount": .int(output), "totalTokenCount": .int(input + output)]
            guard stream else {
                return json(200, ["candidates": [["content": ["role": "model", "parts": [["text": .string(text)]]], "finishReason": "STOP"]], "usageMetadata": usage])
            }
            var lines = pieces.map { p in "data: " + JSONValue.object(["candidates": [["content": ["role": "model", "parts": [["text": .string(p)]]]]]]).serialized() }
            if truncate { return events(Array(lines.prefix(2))) }
            lines.append("data: " + JSONValue.object(["candidates": [["content": ["role": "model", "parts": [["text": ""]]], "finishReason": "STOP"]], "usageMetadata": usage]).serialized())
            return events(lines)
        case .ollama:
            guard stream else {
                return json(200, ["model": .string(model), "message": ["role": "assistant", "content": .string(text)], "done": true,
                                  "prompt_eval_count": .int(input), "eval_count": .int(output)])
            }
            var lines = pieces.map { p in JSONValue.object(["message": ["role": "assistant", "content": .string(p)], "done": false]).serialized() }
            if truncate { return ndjson(Array(lines.prefix(2))) }
            lines.append(JSONValue.object(["message": ["role": "assistant", "content": ""], "done": true, "prompt_eval_count": .int(input), "eval_count": .int(output)]).serialized())
            return ndjson(lines)
        }
    }

    /// The prompt's text, whatever the wire put it in.
    static func promptText(_ body: JSONValue, wire: Wire) -> String {
        switch wire {
        case .openAI, .ollama:
            return (body["messages"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
        case .anthropic:
            return (body["system"]?.stringValue ?? "") + "\n" + (body["messages"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }.joined()
        case .gemini, .geminiStream:
            let system = body["systemInstruction"]?["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined() ?? ""
            let user = (body["contents"]?.arrayValue ?? []).flatMap { $0["parts"]?.arrayValue ?? [] }.compactMap { $0["text"]?.stringValue }.joined()
            return system + "\n" + user
        }
    }

    /// A reply in the format the prompt asks for.
    static func reply(to prompt: String) -> String {
        if prompt.contains(#"{"issues""#) {
            return #"{"issues": ["the cost of the change is not estimated"], "suggestions": ["add a cost estimate"], "severity": 4}"#
        }
        if prompt.contains(#"{"choice""#) {
            let names = prompt.components(separatedBy: "Labels you may vote for: ").last?.components(separatedBy: ".").first ?? ""
            let choice = names.components(separatedBy: ", ").first ?? ""
            return #"{"choice": "\#(choice)", "confidence": 0.8, "reasoning": "the most complete answer"}"#
        }
        if prompt.contains(#"{"winner""#) {
            let first = prompt.components(separatedBy: "### ").dropFirst().first?.components(separatedBy: "\n").first ?? ""
            return #"{"winner": "\#(first)", "confidence": 0.7, "final_answer": "Adopt the change in stages, measuring cost at each step."}"#
        }
        return "Adopt the change in stages, and measure the cost & risk at each step (\u{00e9}t\u{00e9} 2026).\nRecommendation: adopt it in stages."
    }

    /// A text cut in a few pieces, one of them splitting a multi-byte character's neighbourhood.
    static func split(_ text: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(17)))
            rest = rest.dropFirst(17)
        }
        return pieces
    }

    func json(_ status: Int, _ value: JSONValue, extra: [(String, String)] = []) -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/json"
        for (name, v) in extra { h[HTTPField.Name(name)!] = v }
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(string: value.serialized())))
    }

    func rawJSON(_ status: Int, _ text: String) -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An SSE stream, written event by event with a short pause so the client sees it arrive in pieces (CRLF line
    /// ends on every other event, as some servers send).
    func events(_ items: [String]) -> Response {
        var h = HTTPFields()
        h[.contentType] = "text/event-stream"
        return Response(status: .ok, headers: h, body: ResponseBody { writer in
            for (i, item) in items.enumerated() {
                let text = i % 2 == 0 ? item + "\n\n" : item.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n\r\n"
                try await writer.write(ByteBuffer(string: text))
                try await Task.sleep(for: .milliseconds(2))
            }
            try await writer.finish(nil)
        })
    }

    func ndjson(_ lines: [String]) -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/x-ndjson"
        return Response(status: .ok, headers: h, body: ResponseBody { writer in
            for line in lines {
                try await writer.write(ByteBuffer(string: line + "\n"))
                try await Task.sleep(for: .milliseconds(2))
            }
            try await writer.finish(nil)
        })
    }
}
