@testable import AragoraProviders
import AragoraCore
import Foundation
import AragoraTestSupport
import Testing

/// The OpenAI and Anthropic clients against mockllm (PyPI, pinned 0.0.8, started by scripts/test-services.sh): code
/// nobody here wrote checks the wire format. mockllm's Anthropic *stream* is not Anthropic's (data-only
/// `message_delta` events ending in `[DONE]`, no `message_stop`), so only its whole replies are used for Anthropic.
@Suite("Against mockllm")
struct ThirdPartyMockTests {
    static let url = ProcessInfo.processInfo.environment["ARAGORA_TEST_MOCKLLM_URL"]
    static let expected = "Adopt the change in stages.\nRecommendation: adopt it in stages."

    static func agent(_ provider: String, model: String) throws -> LLMAgent {
        let base = try #require(url)
        let env = ["OPENAI_API_KEY": "sk-mock", "OPENAI_BASE_URL": base + "/v1", "ANTHROPIC_API_KEY": "sk-mock", "ANTHROPIC_BASE_URL": base]
        let info = try #require(ProviderInfo.named(provider))
        let settings = try #require(try ProviderSettings(info, environment: env))
        return LLMAgent(name: provider, settings: settings, model: model, persona: nil, role: "proposer",
                        runtime: ProviderRuntime(retry: RetryPolicy(maxAttempts: 1)))
    }

    @Test("OpenAI Chat Completions, whole and streamed", .enabled(if: TestServices.available("ARAGORA_TEST_MOCKLLM_URL")))
    func openAI() async throws {
        let agent = try Self.agent("openai-api", model: "gpt-4o-mini")
        let whole = try await agent.respond(to: ProviderContractTests.propose(), in: ProviderContractTests.context)
        #expect(whole.text == Self.expected)
        #expect(whole.usage.outputTokens > 0 && !whole.usage.estimated, "mockllm's usage block was read")
        let deltas = Deltas()
        let streamed = try await agent.stream(to: ProviderContractTests.propose(), in: ProviderContractTests.context) { deltas.add($0) }
        #expect(streamed.text == Self.expected)
        #expect(deltas.count > 5, "mockllm streams a character at a time")
        #expect(deltas.joined == Self.expected)
    }

    @Test("Anthropic Messages, whole", .enabled(if: TestServices.available("ARAGORA_TEST_MOCKLLM_URL")))
    func anthropic() async throws {
        let agent = try Self.agent("anthropic-api", model: "claude-3-5-sonnet-20241022")
        let whole = try await agent.respond(to: ProviderContractTests.propose(), in: ProviderContractTests.context)
        #expect(whole.text == Self.expected)
        #expect(whole.usage.outputTokens > 0 && !whole.usage.estimated)
    }
}
