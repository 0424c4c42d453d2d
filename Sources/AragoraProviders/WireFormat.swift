import AragoraCore

/// An HTTP call to a provider, before it is sent.
struct WireRequest: Sendable {
    var url: String
    var headers: [(String, String)]
    var body: JSONValue
}

/// Token counts as a provider reports them; nil where it says nothing.
struct ProviderUsage: Sendable, Equatable {
    var input: Int?
    var output: Int?

    /// Later reports win, field by field (Anthropic sends input first and output at the end; Gemini repeats both).
    func updated(with later: ProviderUsage?) -> ProviderUsage {
        guard let later else { return self }
        return ProviderUsage(input: later.input ?? input, output: later.output ?? output)
    }
}

/// A machine-read reply's schema and the mechanism that asks for it.
struct Structured: Sendable {
    var schema: ReplySchema
    var mode: StructuredMode
}

/// What one message of a stream carried.
struct StreamStep: Sendable {
    var text = ""
    var usage: ProviderUsage?
    /// The provider said the reply is complete.
    var done = false
    /// The reply ended on its own (OpenAI's `finish_reason`); a stream that ends without it was cut short.
    var finished = false
}

enum StreamFraming: Sendable {
    /// `text/event-stream`.
    case sse
    /// One JSON object per line (Ollama).
    case ndjson
}

/// One provider API's request and reply shapes. Everything else (HTTP, retries, streaming transport, usage and
/// cost, errors by status) is shared by `LLMAgent`.
protocol WireFormat: Sendable {
    var framing: StreamFraming { get }
    /// `structured`: the reply's schema and how to ask for it (nil for prose, or with mode `off`).
    func request(_ prompt: Prompt, model: String, stream: Bool, settings: ProviderSettings, maxTokens: Int,
                 structured: Structured?) -> WireRequest
    /// A whole (non-streamed) reply.
    func reply(_ json: JSONValue) throws(AgentError) -> (text: String, usage: ProviderUsage)
    /// One stream message: an SSE event (`event` its type) or an NDJSON line.
    func step(event: String?, data: String) throws(AgentError) -> StreamStep
}

extension WireFormat {
    /// Whether a complete stream carries `StreamStep.finished` before its end (OpenAI-style servers).
    var marksFinish: Bool { false }

    /// A stream message that is not JSON is a broken reply.
    func json(_ data: String) throws(AgentError) -> JSONValue {
        guard let v = JSONValue.parse(data) else { throw .badResponse("malformed JSON in the stream: \(data.prefix(120))") }
        return v
    }
}

/// The message a provider put in an error body, whatever its API: `{"error": {"message"}}` (OpenAI, Anthropic,
/// Gemini, Mistral), `{"error": "..."}` (Ollama), `{"message"}` or `{"detail"}`.
func providerMessage(_ json: JSONValue?) -> String? {
    guard let json else { return nil }
    if let m = json["error"]?["message"]?.stringValue { return m }
    if let m = json["error"]?.stringValue { return m }
    if let m = json["message"]?.stringValue { return m }
    if let m = json["detail"]?.stringValue { return m }
    return nil
}
