@testable import AragoraProviders
import AragoraCore
import Foundation
import Synchronization
import Testing

/// Each provider's client against a fake server speaking its wire format, on loopback: replies whole and streamed,
/// usage and cost, and every misbehaviour the issue lists, classified.
@Suite("Provider wire formats")
struct ProviderContractTests {
    /// Every provider, with the environment that points it at the fake.
    static let providers = ["anthropic-api", "openai-api", "gemini", "grok", "mistral", "deepseek", "openrouter", "ollama", "openai-compatible"]

    static func environment(_ port: Int, key: String) -> [String: String] {
        let base = "http://127.0.0.1:\(port)"
        return [
            "ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": base,
            "OPENAI_API_KEY": key, "OPENAI_BASE_URL": base + "/v1",
            "GEMINI_API_KEY": key, "GEMINI_BASE_URL": base,
            "XAI_API_KEY": key, "XAI_BASE_URL": base + "/v1",
            "MISTRAL_API_KEY": key, "MISTRAL_BASE_URL": base + "/v1",
            "DEEPSEEK_API_KEY": key, "DEEPSEEK_BASE_URL": base + "/v1",
            "OPENROUTER_API_KEY": key, "OPENROUTER_BASE_URL": base + "/v1",
            "OLLAMA_HOST": "127.0.0.1:\(port)",
            "OPENAI_COMPATIBLE_BASE_URL": base + "/v1", "OPENAI_COMPATIBLE_API_KEY": key,
        ]
    }

    static func agent(_ provider: String, model: String, port: Int, key: String, fallback: Bool = false,
                      retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5))) throws -> LLMAgent {
        var env = environment(port, key: key)
        if !fallback { env["ARAGORA_PROVIDER_FALLBACK"] = "0" }
        let base = try ProviderSetup.runtime(environment: env)
        // The fake's models priced like Claude Sonnet ($3 / $15 per million tokens), to check the arithmetic.
        let prices = PriceTable(prices: PriceTable.builtIn.merging(["ok": .init(input: 3, output: 15)]) { $1 })
        let runtime = ProviderRuntime(prices: prices, retry: retry, fallback: base.fallback)
        let info = try #require(ProviderInfo.named(provider))
        let settings = try #require(try ProviderSettings(info, environment: env))
        return LLMAgent(name: provider, settings: settings, model: model, persona: nil, role: "proposer", runtime: runtime)
    }

    static let context = DebateContext(debateID: "deb_test", question: "Should we adopt the change?", agents: [
        AgentIdentity(name: "a", provider: "x", model: "m"), AgentIdentity(name: "b", provider: "x", model: "m"),
    ], seed: 1)

    static func propose(within seconds: Double = 10) -> PhaseRequest {
        PhaseRequest(phase: .propose, round: 1, deadline: .now + .milliseconds(Int(seconds * 1000)))
    }

    static func failure(_ work: () async throws -> AgentReply) async -> AgentError? {
        do {
            _ = try await work()
            return nil
        } catch let e as AgentError { return e } catch { return .network("unexpected \(error)") }
    }

    @Test("a whole reply and a streamed one, with the provider's usage and its cost", arguments: providers)
    func replies(provider: String) async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            let agent = try Self.agent(provider, model: "ok", port: port, key: fake.key)
            let whole = try await agent.respond(to: Self.propose(), in: Self.context)
            #expect(whole.text == FakeProvider.reply(to: "propose"))
            #expect(whole.usage.inputTokens > 7 && !whole.usage.estimated, "a whole reply carries the provider's counts")
            let deltas = Deltas()
            let streamed = try await agent.stream(to: Self.propose(), in: Self.context) { deltas.add($0) }
            #expect(streamed.text == whole.text, "the final message is the whole text")
            #expect(deltas.joined == streamed.text)
            #expect(deltas.count > 3, "text arrived in pieces")
            // OpenAI-style servers that are not asked for stream usage report none: estimated, and marked so.
            let estimated = provider == "mistral" || provider == "openai-compatible"
            #expect(streamed.usage.estimated == estimated, "\(streamed.usage)")
            if !estimated { #expect(streamed.usage.outputTokens == FakeProvider.split(whole.text).count + 3) }
            let local = provider == "ollama" || provider == "openai-compatible"
            let expected = local ? 0 : (Double(streamed.usage.inputTokens) * 3 + Double(streamed.usage.outputTokens) * 15) / 1e6
            #expect(abs(streamed.usage.costUSD - expected) < 1e-12, "local servers cost nothing; others at their price")
        }
        // Every request carried the key only where its API wants it.
        for r in fake.requests where provider != "ollama" {
            let auth = r.headers["authorization"] ?? r.headers["x-api-key"] ?? r.headers["x-goog-api-key"] ?? ""
            #expect(auth.contains(fake.key))
            #expect(!r.body.serialized().contains(fake.key), "no key in a body")
        }
    }

    @Test("critique, vote and judgment replies parse as the engine expects")
    func phases() async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            for provider in ["anthropic-api", "gemini", "ollama", "openai-api"] {
                let agent = try Self.agent(provider, model: "ok", port: port, key: fake.key)
                let vote = try await agent.respond(to: PhaseRequest(phase: .vote, round: 1, candidates: [Position(agent: "Answer A", content: "x")]),
                                                   in: Self.context)
                #expect(try ReplyParser.vote(vote.text, labels: ["Answer A"]).choice == "Answer A")
                let critique = try await agent.respond(to: PhaseRequest(phase: .critique, round: 1, target: Position(agent: "Answer A", content: "x")),
                                                       in: Self.context)
                #expect(try ReplyParser.critique(critique.text).severity == 4)
                let judged = try await agent.stream(to: PhaseRequest(phase: .judge, round: 1, candidates: [Position(agent: "Answer A", content: "x")]),
                                                    in: Self.context) { _ in }
                #expect(try ReplyParser.judgment(judged.text, labels: ["Answer A"]).choice == "Answer A", "streamed, as judgments are")
            }
        }
    }

    /// Each provider is asked for the reply's schema through its own mechanism; printed as the fake received it.
    @Test("structured phases send each provider's native structured-output request")
    func structuredRequests() async throws {
        let fake = FakeProvider()
        let labels = [Position(agent: "Answer A", content: "x"), Position(agent: "Answer B", content: "y")]
        try await fake.run { port in
            for provider in ["openai-api", "mistral", "grok", "openrouter", "deepseek", "openai-compatible", "anthropic-api", "gemini", "ollama"] {
                let agent = try Self.agent(provider, model: "ok", port: port, key: fake.key)
                _ = try await agent.respond(to: PhaseRequest(phase: .vote, round: 1, candidates: labels), in: Self.context)
                let body = try #require(fake.requests.last?.body)
                let sent: JSONValue
                switch provider {
                case "anthropic-api":
                    sent = ["tools": body["tools"] ?? .null, "tool_choice": body["tool_choice"] ?? .null]
                    #expect(body["tool_choice"] == ["type": "tool", "name": "vote"])
                    #expect(body["tools"]?.arrayValue?.first?["input_schema"]?["properties"]?["choice"]?["enum"] == ["Answer A", "Answer B"])
                case "gemini":
                    sent = ["generationConfig": body["generationConfig"] ?? .null]
                    #expect(body["generationConfig"]?["responseMimeType"] == "application/json")
                    #expect(body["generationConfig"]?["responseSchema"]?["properties"]?["choice"]?["enum"] == ["Answer A", "Answer B"])
                    #expect(body["generationConfig"]?["responseSchema"]?["additionalProperties"] == nil, "not in Gemini's schema subset")
                case "ollama":
                    sent = ["format": body["format"] ?? .null]
                    #expect(body["format"]?["properties"]?["choice"]?["enum"] == ["Answer A", "Answer B"])
                    #expect(body["format"]?["properties"]?["confidence"]?["enum"]?.arrayValue?.count == 21, "a grammar cannot bound a number")
                case "deepseek":
                    sent = ["response_format": body["response_format"] ?? .null]
                    #expect(body["response_format"]?["type"] == "json_object", "DeepSeek has JSON mode only")
                default:
                    sent = ["response_format": body["response_format"] ?? .null]
                    #expect(body["response_format"]?["type"] == "json_schema")
                    #expect(body["response_format"]?["json_schema"]?["strict"] == true)
                    #expect(body["response_format"]?["json_schema"]?["schema"]?["required"] == ["choice", "confidence", "reasoning"])
                }
                print("structured vote request, \(provider): \(sent.serialized())")
                // Answers are prose: no mechanism at all.
                _ = try await agent.respond(to: Self.propose(), in: Self.context)
                let prose = try #require(fake.requests.last?.body)
                #expect(prose["response_format"] == nil && prose["tools"] == nil && prose["format"] == nil)
                #expect(prose["generationConfig"]?["responseSchema"] == nil)
            }
        }
    }

    /// llama-cpp-python refuses `json_schema` with a 400: the agent asks again with `json_object` at once, and
    /// from then on; a server that takes no response format at all gets the prompt alone.
    @Test("a server that refuses a structured-output mechanism gets the next one, remembered")
    func structuredFallback() async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            let agent = try Self.agent("openai-compatible", model: "refuses-json-schema", port: port, key: fake.key)
            let vote = PhaseRequest(phase: .vote, round: 1, candidates: [Position(agent: "Answer A", content: "x")])
            let first = try await agent.respond(to: vote, in: Self.context)
            #expect(try ReplyParser.vote(first.text, labels: ["Answer A"]).choice == "Answer A")
            _ = try await agent.respond(to: vote, in: Self.context)
            let formats = fake.requests.map { $0.body["response_format"]?["type"]?.stringValue ?? "none" }
            #expect(formats == ["json_schema", "json_object", "json_object"], "one refusal, remembered")
            #expect(fake.requests[1].body["response_format"]?["schema"]?["properties"]?["choice"]?["enum"] == ["Answer A"])

            let plain = try Self.agent("openai-compatible", model: "refuses-response-format", port: port, key: fake.key,
                                       retry: RetryPolicy(maxAttempts: 1))
            _ = try await plain.respond(to: vote, in: Self.context)
            let last = fake.requests.suffix(3).map { $0.body["response_format"]?["type"]?.stringValue ?? "none" }
            #expect(last == ["json_schema", "json_object", "none"])
        }
    }

    @Test("a 429 with Retry-After is retried after the wait it asked for", arguments: ["anthropic-api", "openai-api", "gemini", "ollama"])
    func rateLimitIsRetried(provider: String) async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            let agent = try Self.agent(provider, model: "rate-limit-once", port: port, key: fake.key)
            let started = ContinuousClock.now
            let reply = try await agent.stream(to: Self.propose(), in: Self.context) { _ in }
            #expect(!reply.text.isEmpty)
            #expect(ContinuousClock.now - started >= .seconds(1), "waited for Retry-After")
            #expect(fake.count("rate-limit-once") == 2)
        }
    }

    @Test("failures are classified, with the provider's message and never the key", arguments: ["anthropic-api", "openai-api", "gemini", "ollama"])
    func failuresAreClassified(provider: String) async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            func fails(_ model: String, stream: Bool = true, within: Double = 10) async throws -> AgentError? {
                let agent = try Self.agent(provider, model: model, port: port, key: fake.key)
                return await Self.failure {
                    stream ? try await agent.stream(to: Self.propose(within: within), in: Self.context) { _ in }
                        : try await agent.respond(to: Self.propose(within: within), in: Self.context)
                }
            }
            let server = try await fails("server-error")
            #expect(server?.kind == "server")
            #expect(server?.description.contains("internal failure") == true, "\(String(describing: server))")
            #expect(fake.count("server-error") == 3, "retried, three attempts in all")
            #expect(try await fails("overloaded")?.kind == "server")
            let started = ContinuousClock.now
            #expect(try await fails("slow", within: 0.5)?.kind == "timeout")
            #expect(ContinuousClock.now - started < .seconds(15), "gave up at the deadline, not never (a busy machine fires timers late)")
            #expect(try await fails("truncated")?.kind == "network")
            #expect(try await fails("malformed")?.kind == "bad_response")
            #expect(try await fails("malformed", stream: false)?.kind == "bad_response")
            #expect(try await fails("wrong-type")?.kind == "bad_response")
            #expect(try await fails("wrong-type", stream: false)?.kind == "bad_response")
            #expect(try await fails("empty", stream: false)?.kind == "bad_response")
            if provider != "ollama" {
                #expect(try await fails("quota")?.kind == "quota", "a 429 that says the quota is spent is not retried")
                let wrongKey = try Self.agent(provider, model: "ok", port: port, key: "sk-wrong-KEY-9999")
                let auth = await Self.failure { try await wrongKey.respond(to: Self.propose(), in: Self.context) }
                #expect(auth?.kind == "auth")
                #expect(auth?.description.contains("Incorrect API key") == true)
                #expect(auth?.description.contains("sk-wrong-KEY-9999") == false, "the key is redacted from the provider's echo")
            }
        }
    }

    @Test("after repeated failures the circuit opens and calls fail at once")
    func circuitBreaker() async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            let agent = try Self.agent("openai-api", model: "server-error", port: port, key: fake.key,
                                       retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1)))
            for _ in 0..<5 { _ = await Self.failure { try await agent.respond(to: Self.propose(), in: Self.context) } }
            #expect(fake.count("server-error") == 5)
            let open = await Self.failure { try await agent.respond(to: Self.propose(), in: Self.context) }
            #expect(open?.description.contains("circuit open") == true)
            #expect(open?.kind == "unavailable", "its own kind, not `server`")
            #expect(fake.count("server-error") == 5, "no request sent while open")
        }
    }

    /// Half-open: after the cool-down one trial call goes out and the calls that arrive meanwhile wait for it
    /// (they used to fail at once with "next try in 1s"); its success lets them all through, its failure
    /// refuses them with the new cool-down.
    @Test("calls arriving while the trial call is out wait for its outcome")
    func halfOpenQueues() async throws {
        let transitions = Mutex<[String]>([])
        let breaker = CircuitBreaker(threshold: 1, cooldown: .seconds(600)) { state in transitions.withLock { $0.append(state) } }
        // Opened "long ago": its cool-down is over, the next call is the trial. No sleeps decide the outcome: a
        // call that comes late finds the circuit closed (first half) or freshly reopened for 600 s (second half).
        breaker.record(success: false, now: .now - .seconds(601))
        #expect(await breaker.admit() == nil, "the trial call")
        let waiting = (0..<3).map { _ in Task { await breaker.admit() } }
        try await Task.sleep(for: .milliseconds(50))  // lets them queue (if they do not, they find it closed)
        breaker.record(success: true)
        for w in waiting { #expect(await w.value == nil, "let through after the trial succeeded") }

        breaker.record(success: false, now: .now - .seconds(601))
        #expect(await breaker.admit() == nil, "the next trial")
        let refused = (0..<2).map { _ in Task { await breaker.admit() } }
        try await Task.sleep(for: .milliseconds(50))
        breaker.record(success: false)
        for r in refused { #expect(await r.value != nil, "refused: the trial failed and the circuit is open again") }
        #expect(await breaker.admit() != nil)
        #expect(transitions.withLock { $0 } == ["open", "half_open", "closed", "open", "half_open", "open"])

        // A trial call cancelled before its outcome hands the trial on: a queued caller becomes it.
        breaker.record(success: false, now: .now - .seconds(601))
        #expect(await breaker.admit() == nil, "a trial that will be cancelled")
        let next = Task { await breaker.admit() }
        try await Task.sleep(for: .milliseconds(50))
        breaker.abandon()
        #expect(await next.value == nil, "the queued call goes out as the new trial")
    }

    @Test("a rate-limited or failing provider falls back to the same model through OpenRouter")
    func openRouterFallback() async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            let agent = try Self.agent("anthropic-api", model: "quota", port: port, key: fake.key, fallback: true)
            let reply = try await agent.respond(to: Self.propose(), in: Self.context)
            #expect(!reply.text.isEmpty)
            #expect(fake.requests.last?.path == "/v1/chat/completions")
            #expect(fake.requests.last?.body["model"] == "anthropic/quota")
        }
    }

    @Test("a prompt too long for the model's context window is trimmed in the middle, and the reply says how much")
    func contextWindow() async throws {
        let fake = FakeProvider()
        try await fake.run { port in
            var env = Self.environment(port, key: fake.key)
            env["OLLAMA_CONTEXT_TOKENS"] = "4096"
            let info = try #require(ProviderInfo.named("ollama"))
            let settings = try #require(try ProviderSettings(info, environment: env))
            #expect(settings.contextTokens == 4096)
            let agent = LLMAgent(name: "o", settings: settings, model: "ok", persona: nil, role: "proposer",
                                 runtime: ProviderRuntime(maxOutputTokens: 1024))
            var context = Self.context
            context.context = String(repeating: "background material. ", count: 2000)  // 42,000 characters
            let reply = try await agent.respond(to: Self.propose(), in: context)
            #expect(reply.contextTrimmedCharacters > 20_000)
            let sent = fake.requests.last?.body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            #expect(sent.hasPrefix("Question: Should we adopt the change?"), "the question is kept")
            #expect(sent.contains("characters of quoted material left out to fit the context window"))
            #expect(sent.hasSuffix(PromptBuilder.replyFormat(.propose)), "the reply instructions are kept")
            #expect(sent.count < (4096 - 1024) * 4)
        }
    }

    @Test("Retry-After as seconds, as an HTTP date, and OpenAI's retry-after-ms")
    func retryAfterHeaders() {
        #expect(FailureClassifier.retryAfter(seconds: "2", milliseconds: nil) == .seconds(2))
        #expect(FailureClassifier.retryAfter(seconds: nil, milliseconds: "250") == .milliseconds(250))
        let now = Date(timeIntervalSince1970: 0)
        #expect(FailureClassifier.retryAfter(seconds: "Thu, 01 Jan 1970 00:00:10 GMT", milliseconds: nil, now: now) == .seconds(10))
        #expect(FailureClassifier.retryAfter(seconds: "soon", milliseconds: nil, now: now) == nil)
    }

    @Test("backoff grows, honours Retry-After, and stops at the deadline")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        let full = { (x: Double) in x }
        #expect(policy.delay(after: .server("x", retryAfter: nil), attempt: 1, remaining: nil, random: full) == .milliseconds(100))
        #expect(policy.delay(after: .server("x", retryAfter: nil), attempt: 2, remaining: nil, random: full) == .milliseconds(200))
        #expect(policy.delay(after: .server("x", retryAfter: nil), attempt: 3, remaining: nil, random: full) == nil, "out of attempts")
        #expect(policy.delay(after: .rateLimit("x", retryAfter: .seconds(3)), attempt: 1, remaining: nil, random: full) == .seconds(3))
        #expect(policy.delay(after: .rateLimit("x", retryAfter: .seconds(3)), attempt: 1, remaining: .seconds(2), random: full) == nil)
        #expect(policy.delay(after: .auth("x"), attempt: 1, remaining: nil, random: full) == nil)
    }
}

final class Deltas: Sendable {
    private let parts = Mutex<[String]>([])
    func add(_ s: String) { parts.withLock { $0.append(s) } }
    var joined: String { parts.withLock { $0.joined() } }
    var count: Int { parts.withLock { $0.count } }
}
