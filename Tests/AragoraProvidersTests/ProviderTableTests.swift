import AragoraCore
@testable import AragoraProviders
import Testing

/// One table entry per provider (`ProviderInfo.all`): the names an agent spec accepts come from nowhere else, and
/// each quirk is a field of the entry, read by the wire, the price table and the structured-output choice.
@Suite struct ProviderTableTests {
    @Test func specNamesAreTheTablesNamesAndDemo() {
        #expect(AgentSpec.providerNames == ProviderInfo.all.map(\.name) + ["demo"])
        #expect(Set(ProviderInfo.all.map(\.name)).count == ProviderInfo.all.count, "one entry per provider")
    }

    @Test func quirksComeFromTheEntry() throws {
        let local = ProviderInfo.all.filter(\.isLocal).map(\.name)
        #expect(local == ["ollama", "openai-compatible"])
        for name in local { #expect(PriceTable().price(provider: name, model: "any-model") == PriceTable.Price(input: 0, output: 0)) }
        #expect(ProviderInfo.all.filter { !$0.capsReplyLength }.map(\.name) == ["openai-api"])
        #expect(ProviderInfo.all.filter { $0.structured != .jsonSchema }.map(\.name) == ["deepseek"])
        #expect(ProviderInfo.named("openai-compatible")?.variablePrefix == "OPENAI_COMPATIBLE")
        // A hosted provider without its key is not usable; a local one with a default address is, unconfigured.
        #expect(try ProviderSettings(ProviderInfo.named("mistral")!, environment: [:]) == nil)
        let ollama = try #require(try ProviderSettings(ProviderInfo.named("ollama")!, environment: [:]))
        #expect(!ollama.configured && ollama.contextTokens == 8192)
        let compatible = try #require(try ProviderSettings(ProviderInfo.named("openai-compatible")!,
                                                       environment: ["OPENAI_COMPATIBLE_BASE_URL": "http://127.0.0.1:1/v1", "OPENAI_COMPATIBLE_CONTEXT_TOKENS": "4096"]))
        #expect(compatible.configured && compatible.contextTokens == 4096)
        // A context size that is not a number is an error naming it, not a silent default.
        #expect(throws: ProviderConfigurationError.self) {
            try ProviderSettings(ProviderInfo.named("ollama")!, environment: ["OLLAMA_CONTEXT_TOKENS": "8k"])
        }
        #expect(throws: ProviderConfigurationError.self) { try ProviderSetup.runtime(environment: ["ARAGORA_PROVIDER_FALLBACK": "nope"]) }
    }
}
