import AragoraCore
import Foundation

/// Makes the LLM providers usable by a debate: reads keys, base URLs, prices and limits from the configuration
/// and registers an agent maker per usable provider in the factory. The command line calls it for `ask` and
/// `serve`, so both use the same agents.
public enum ProviderSetup {
    /// The shared runtime: `ARAGORA_PRICES_FILE` (price overrides), `ARAGORA_MAX_OUTPUT_TOKENS` (default 2048),
    /// `ARAGORA_PROVIDER_RETRIES` (attempts per call, default 3), and the OpenRouter fallback when
    /// `OPENROUTER_API_KEY` is set (off with `ARAGORA_PROVIDER_FALLBACK=0`), each provider's structured-output
    /// mechanism (`<PROVIDER>_STRUCTURED`) and the breakers' cool-down (`ARAGORA_BREAKER_COOLDOWN_S`, default 30).
    public static func runtime(environment: [String: String],
                               observer: @escaping @Sendable (String, TokenUsage, Double, String?) -> Void = { _, _, _, _ in })
        throws -> ProviderRuntime {
        let prices = try PriceTable.load(overrides: environment["ARAGORA_PRICES_FILE"])
        let maxTokens = try int(environment, "ARAGORA_MAX_OUTPUT_TOKENS", 1...200_000) ?? 2048
        let attempts = try int(environment, "ARAGORA_PROVIDER_RETRIES", 1...10) ?? 3
        var fallback: ProviderSettings?
        if try bool(environment, "ARAGORA_PROVIDER_FALLBACK") ?? true, let openRouter = ProviderInfo.named("openrouter") {
            fallback = try ProviderSettings(openRouter, environment: environment)
        }
        let cooldown = try int(environment, "ARAGORA_BREAKER_COOLDOWN_S", 1...3600) ?? 30
        return ProviderRuntime(prices: prices, retry: RetryPolicy(maxAttempts: attempts), maxOutputTokens: maxTokens,
                               fallback: fallback, structured: try StructuredMode.configured(environment),
                               breakerCooldown: .seconds(cooldown), observer: observer)
    }

    /// Registers every provider that can be used here; returns their settings. With at least one configured, the
    /// factory's default panel becomes them (one agent each, or three personas of a single one).
    @discardableResult
    public static func register(into factory: inout AgentFactory, environment: [String: String], runtime: ProviderRuntime) throws -> [ProviderSettings] {
        let usable = try ProviderInfo.all.compactMap { try ProviderSettings($0, environment: environment) }
        for settings in usable {
            let price = runtime.prices.price(provider: settings.info.name, model: settings.defaultModel)
            let listing = ProviderListing(provider: settings.info.name, defaultModel: settings.defaultModel, configured: settings.configured,
                                          inputPerMTok: price?.inputPerMTok, outputPerMTok: price?.outputPerMTok, baseURL: settings.baseURL)
            factory.register(settings.info.name, listing: listing) { spec, name in
                LLMAgent(name: name, settings: settings, model: spec.model, persona: spec.persona, role: spec.role ?? "proposer",
                         runtime: runtime)
            }
        }
        let configured = usable.filter(\.configured).map(\.info.name)
        switch configured.count {
        case 0: break
        case 1: factory.defaultPanel = DemoAgent.defaultPersonas.map { AgentSpec(provider: configured[0], persona: $0) }
        default: factory.defaultPanel = configured.prefix(5).map { AgentSpec(provider: $0) }
        }
        return usable
    }

    static func int(_ environment: [String: String], _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        do { return try EnvironmentReader(environment).int(name, range) } catch { throw ProviderConfigurationError(error.description) }
    }

    static func bool(_ environment: [String: String], _ name: String) throws -> Bool? {
        do { return try EnvironmentReader(environment).bool(name) } catch { throw ProviderConfigurationError(error.description) }
    }
}

public struct ProviderConfigurationError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
