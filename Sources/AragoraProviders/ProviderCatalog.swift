import AragoraCore
/// How a provider is spoken to.
public enum WireKind: String, Sendable {
    /// OpenAI Chat Completions (`/chat/completions`, SSE); also Mistral, xAI, DeepSeek, OpenRouter, LM Studio, vLLM,
    /// llama.cpp server.
    case openAIChat
    /// Anthropic Messages (`/v1/messages`, SSE with typed events).
    case anthropic
    /// Google Gemini `generateContent` / `streamGenerateContent?alt=sse`.
    case gemini
    /// Ollama's native `/api/chat` (NDJSON stream).
    case ollama
}

/// Where a provider runs, which decides whether it needs a key and what it costs.
public enum ProviderHosting: Sendable {
    /// A hosted API: usable only with its key; priced per token.
    case hosted
    /// A server on a known default address (Ollama): usable without configuration, `configured` only when its
    /// address is set; free.
    case localDefault
    /// A server with no default address (any OpenAI-compatible one): usable once its base URL is set; free.
    case localConfigured
}

/// One provider's facts and quirks, in one table entry: its spec name, wire format, where its key and base URL come
/// from (CONTRACT §8), its default model and context window, how structured replies are asked of it, and what its
/// OpenAI-style server wants. Everything that differs by provider is read from here, never from its name.
public struct ProviderInfo: Sendable {
    public var name: String
    public var wire: WireKind
    /// The environment variable holding the API key; nil when the provider needs none (local servers).
    public var keyVariable: String?
    public var baseURLVariable: String
    public var defaultBaseURL: String?
    public var defaultModel: String
    public var hosting: ProviderHosting = .hosted
    /// Whether `stream_options.include_usage` is understood (OpenAI-style servers that would otherwise report no
    /// usage while streaming; Mistral refuses unknown fields and reports usage anyway).
    public var streamUsageOption: Bool
    /// The model-name prefix OpenRouter uses for this provider's models (fallback), if it carries them.
    public var openRouterVendor: String?
    /// Whether replies are capped with `max_tokens` (`ARAGORA_MAX_OUTPUT_TOKENS`): OpenAI's own reasoning models
    /// refuse it (and any temperature but 1), so they keep their defaults.
    public var capsReplyLength = true
    /// The first way structured replies are asked for (`<PROVIDER>_STRUCTURED` overrides it); DeepSeek has no schema mode.
    public var structured: StructuredMode = .jsonSchema
    /// Extra request headers (OpenRouter's attribution).
    public var headers: [(String, String)] = []

    /// The prefix of its own variables: `OPENAI_COMPATIBLE` for `openai-compatible` (`_MODEL`, `_CONTEXT_TOKENS`, `_STRUCTURED`).
    public var variablePrefix: String { name.uppercased().replacingOccurrences(of: "-", with: "_") }
    /// The context window assumed for its models when `<PROVIDER>_CONTEXT_TOKENS` is not set.
    public var defaultContextTokens: Int { hosting == .hosted ? 128_000 : 8192 }
    public var isLocal: Bool { hosting != .hosted }

    public static let all: [ProviderInfo] = [
        ProviderInfo(name: "anthropic-api", wire: .anthropic, keyVariable: "ANTHROPIC_API_KEY", baseURLVariable: "ANTHROPIC_BASE_URL",
                     defaultBaseURL: "https://api.anthropic.com", defaultModel: "claude-sonnet-4-5", streamUsageOption: false,
                     openRouterVendor: "anthropic"),
        ProviderInfo(name: "openai-api", wire: .openAIChat, keyVariable: "OPENAI_API_KEY", baseURLVariable: "OPENAI_BASE_URL",
                     defaultBaseURL: "https://api.openai.com/v1", defaultModel: "gpt-5-mini", streamUsageOption: true,
                     openRouterVendor: "openai", capsReplyLength: false),
        ProviderInfo(name: "gemini", wire: .gemini, keyVariable: "GEMINI_API_KEY", baseURLVariable: "GEMINI_BASE_URL",
                     defaultBaseURL: "https://generativelanguage.googleapis.com", defaultModel: "gemini-2.5-flash",
                     streamUsageOption: false, openRouterVendor: "google"),
        ProviderInfo(name: "grok", wire: .openAIChat, keyVariable: "XAI_API_KEY", baseURLVariable: "XAI_BASE_URL",
                     defaultBaseURL: "https://api.x.ai/v1", defaultModel: "grok-4", streamUsageOption: true, openRouterVendor: "x-ai"),
        ProviderInfo(name: "mistral", wire: .openAIChat, keyVariable: "MISTRAL_API_KEY", baseURLVariable: "MISTRAL_BASE_URL",
                     defaultBaseURL: "https://api.mistral.ai/v1", defaultModel: "mistral-large-latest", streamUsageOption: false,
                     openRouterVendor: "mistralai"),
        ProviderInfo(name: "deepseek", wire: .openAIChat, keyVariable: "DEEPSEEK_API_KEY", baseURLVariable: "DEEPSEEK_BASE_URL",
                     defaultBaseURL: "https://api.deepseek.com", defaultModel: "deepseek-chat", streamUsageOption: true,
                     openRouterVendor: "deepseek", structured: .jsonObject),
        ProviderInfo(name: "openrouter", wire: .openAIChat, keyVariable: "OPENROUTER_API_KEY", baseURLVariable: "OPENROUTER_BASE_URL",
                     defaultBaseURL: "https://openrouter.ai/api/v1", defaultModel: "openai/gpt-5-mini", streamUsageOption: true,
                     openRouterVendor: nil, headers: [("HTTP-Referer", "https://aragora.ai"), ("X-Title", "Aragora")]),
        ProviderInfo(name: "ollama", wire: .ollama, keyVariable: nil, baseURLVariable: "OLLAMA_HOST",
                     defaultBaseURL: "http://localhost:11434", defaultModel: "llama3.2", hosting: .localDefault, streamUsageOption: false,
                     openRouterVendor: nil),
        // Any OpenAI-compatible server (LM Studio, vLLM, llama.cpp server): its base URL is required, its key optional.
        ProviderInfo(name: "openai-compatible", wire: .openAIChat, keyVariable: "OPENAI_COMPATIBLE_API_KEY",
                     baseURLVariable: "OPENAI_COMPATIBLE_BASE_URL", defaultBaseURL: nil, defaultModel: "default", hosting: .localConfigured,
                     streamUsageOption: false, openRouterVendor: nil),
    ]

    public static func named(_ name: String) -> ProviderInfo? { all.first { $0.name == name } }
}

/// A provider as this process can use it: its facts plus the key and base URL found in the configuration.
public struct ProviderSettings: Sendable {
    public var info: ProviderInfo
    /// Never logged, never in an error or a record.
    let key: String?
    public var baseURL: String
    /// Explicitly configured (a key, or for local servers their address): part of the default panel.
    public var configured: Bool
    /// The model used when a spec names none (`<PROVIDER>_MODEL` overrides the built-in default).
    public var defaultModel: String
    /// The context window assumed for the provider's models, in tokens (`<PROVIDER>_CONTEXT_TOKENS`; default
    /// 128,000 for hosted models, 8,192 for Ollama and OpenAI-compatible local servers).
    public var contextTokens: Int

    /// nil when the provider cannot be used: no key for a hosted provider, no base URL for `openai-compatible`.
    /// Ollama is usable without configuration (a local server at its default address) but is only `configured`
    /// when `OLLAMA_HOST` is set.
    /// Throws for a value that does not parse (a context size that is not a number), naming the variable.
    public init?(_ info: ProviderInfo, environment: [String: String]) throws {
        let reader = EnvironmentReader(environment)
        func value(_ name: String) -> String? { reader.string(name) }
        self.info = info
        key = info.keyVariable.flatMap(value)
        let explicitBase = value(info.baseURLVariable)
        guard var base = explicitBase ?? info.defaultBaseURL else { return nil }
        if info.wire == .ollama, !base.contains("://") { base = "http://" + base }  // OLLAMA_HOST=host:port
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        switch info.hosting {
        case .localDefault: configured = explicitBase != nil
        case .localConfigured: configured = true
        case .hosted:
            guard key != nil else { return nil }
            configured = true
        }
        defaultModel = value(info.variablePrefix + "_MODEL") ?? info.defaultModel
        do {
            // At least 2,048: below that no debate prompt fits.
            contextTokens = try reader.int(info.variablePrefix + "_CONTEXT_TOKENS", 1...100_000_000).map { max(2048, $0) } ?? info.defaultContextTokens
        } catch { throw ProviderConfigurationError(error.description) }
    }

    /// Replaces the key in a text (an error body may echo it back) so it can be shown: the key as sent, in upper
    /// or lower case, as base64 (a Basic header echoed back), and any run of 12 or more of its leading characters
    /// (a provider that echoes a truncated key, `sk-proj-abc1...`).
    func redact(_ text: String) -> String { KeyRedactor(key: key).redact(text) }
}
