import AragoraCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// A debate agent backed by a hosted or local LLM. The prompt comes from `PromptBuilder` (the same for every
/// provider), the wire format from the provider's `WireFormat`; this type does the rest once for all: the HTTP
/// call within the call's deadline, streaming, retries, the circuit breaker, the OpenRouter fallback, usage
/// and cost. Errors are `AgentError`s with the provider's message and never the key.
public struct LLMAgent: Agent {
    public let identity: AgentIdentity
    let settings: ProviderSettings
    let wire: any WireFormat
    let runtime: ProviderRuntime
    /// Without a deadline from the engine, a call gives up after this long.
    static let defaultTimeout: Duration = .seconds(300)

    public init(name: String, settings: ProviderSettings, model: String?, persona: String?, role: String, runtime: ProviderRuntime) {
        identity = AgentIdentity(name: name, provider: settings.info.name, model: model ?? settings.defaultModel, role: role, persona: persona)
        self.settings = settings
        self.runtime = runtime
        wire = Self.wire(for: settings.info.wire)
    }

    static func wire(for kind: WireKind) -> any WireFormat {
        switch kind {
        case .openAIChat: return OpenAIChatWire()
        case .anthropic: return AnthropicWire()
        case .gemini: return GeminiWire()
        case .ollama: return OllamaWire()
        }
    }

    public func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
        try await call(request, context, onDelta: nil)
    }

    public func stream(to request: PhaseRequest, in context: DebateContext, onDelta: TokenSink) async throws -> AgentReply {
        // The sink is only used until the call returns (the task group below waits for its children).
        try await withoutActuallyEscaping(onDelta) { sink in try await call(request, context, onDelta: sink) }
    }

    func call(_ request: PhaseRequest, _ context: DebateContext, onDelta: TokenSink?) async throws -> AgentReply {
        let (prompt, trimmed) = PromptBuilder.fit(PromptBuilder.prompt(for: request, in: context, as: identity),
                                                  contextTokens: settings.contextTokens, reserveTokens: runtime.maxOutputTokens)
        let deadline = request.deadline ?? .now + Self.defaultTimeout
        let started = ContinuousClock.now
        let schema = request.schema
        do {
            var reply = try await withRetries(prompt, schema: schema, model: identity.model, settings: settings, wire: wire,
                                              deadline: deadline, onDelta: onDelta)
            reply.contextTrimmedCharacters = trimmed
            runtime.observer(settings.info.name, reply.usage, (ContinuousClock.now - started).seconds, nil)
            return reply
        } catch let error as AgentError {
            runtime.observer(settings.info.name, TokenUsage(), (ContinuousClock.now - started).seconds, error.kind)
            runtime.logger.warning("provider call failed", metadata: [
                "provider": "\(settings.info.name)", "agent": "\(identity.name)", "kind": "\(error.kind)", "phase": "\(request.phase.rawValue)",
                "error": "\(error)",
            ])
            if let fallback = fallbackTarget(after: error) {
                // The primary is rate limited, out of quota or failing: the same model through OpenRouter.
                var reply = try await withRetries(prompt, schema: schema, model: fallback.model, settings: fallback.settings,
                                                  wire: OpenAIChatWire(), deadline: deadline, onDelta: onDelta)
                reply.contextTrimmedCharacters = trimmed
                runtime.observer(fallback.settings.info.name, reply.usage, (ContinuousClock.now - started).seconds, nil)
                return reply
            }
            throw error
        }
    }

    func fallbackTarget(after error: AgentError) -> (settings: ProviderSettings, model: String)? {
        guard let openRouter = runtime.fallback, let vendor = settings.info.openRouterVendor else { return nil }
        switch error {
        case .rateLimit, .quota, .server: return (openRouter, "\(vendor)/\(identity.model)")
        default: return nil
        }
    }

    /// Attempts the call until it succeeds, fails for good, or the next wait would pass the deadline. A call that
    /// already streamed text is not retried: its text was shown. A server that refuses the structured-output
    /// mechanism (an error answer naming it) is asked again at once with the next weaker one, remembered for it.
    func withRetries(_ prompt: Prompt, schema: ReplySchema?, model: String, settings: ProviderSettings, wire: any WireFormat,
                     deadline: ContinuousClock.Instant, onDelta: TokenSink?) async throws -> AgentReply {
        let breaker = runtime.breaker(for: settings.info.name)
        var attempt = 0
        while true {
            attempt += 1
            if let wait = await breaker.admit() {
                throw AgentError.unavailable("\(settings.info.name) is failing repeatedly (circuit open); next try in \(Int(wait.seconds.rounded(.up)))s",
                                             retryAfter: wait)
            }
            let mode = runtime.structured.mode(for: settings)
            let structured = schema.flatMap { mode == .off ? nil : Structured(schema: $0, mode: mode) }
            let streamed = StreamedFlag()
            var sink: TokenSink?
            if let onDelta {
                sink = { text in
                    streamed.set()
                    onDelta(text)
                }
            }
            let watched = sink
            do {
                let reply = try await bounded(by: deadline) {
                    try await self.once(prompt, structured: structured, model: model, settings: settings, wire: wire, onDelta: watched)
                }
                breaker.record(success: true)
                return reply
            } catch let refused as StructuredRefused {
                breaker.record(success: true)  // the server answered: it is well, it does not know the mechanism
                guard let weaker = runtime.structured.refused(mode, by: settings) else { throw refused.error }
                runtime.logger.warning("provider refused a structured-output mechanism; using the next one from now on", metadata: [
                    "provider": "\(settings.info.name)", "refused": "\(mode.rawValue)", "now": "\(weaker.rawValue)", "error": "\(refused.error)",
                ])
                attempt -= 1
            } catch let cut as CutStream {
                // The server is up and answering; it ended this reply early (llama.cpp's servers do, for a newer
                // request): not a sign of an unwell provider, and retried like a broken connection.
                breaker.record(success: true)
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard !streamed.value, let wait = runtime.retry.delay(after: cut.error, attempt: attempt, remaining: remaining) else {
                    throw cut.error
                }
                try await Task.sleep(for: wait)
            } catch let error as AgentError {
                breaker.record(success: !CircuitBreaker.counts(error))
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard !streamed.value,
                      let wait = runtime.retry.delay(after: error, attempt: attempt, remaining: remaining) else { throw error }
                try await Task.sleep(for: wait)
            } catch {
                // Cancelled before any outcome: says nothing of the provider, but a trial call must hand its turn on,
                // or the calls queued behind it would wait for ever.
                breaker.abandon()
                throw error
            }
        }
    }

    /// Runs `work`, cancelling it (and its HTTP request) at the deadline: the client's own deadline only covers
    /// the response head, not a body streamed for minutes. A task group, not `withDeadline`: the group waits for the
    /// cancelled call, so the caller's token sink (non-escaping) is never used after `stream` returns.
    func bounded(by deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async throws -> AgentReply) async throws -> AgentReply {
        try await withThrowingTaskGroup(of: AgentReply?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let reply = first else {
                throw AgentError.timeout("\(settings.info.name) did not finish its reply before the call's deadline")
            }
            return reply
        }
    }

    /// One HTTP exchange.
    func once(_ prompt: Prompt, structured: Structured?, model: String, settings: ProviderSettings, wire: any WireFormat,
              onDelta: TokenSink?) async throws -> AgentReply {
        let stream = onDelta != nil
        let call = wire.request(prompt, model: model, stream: stream, settings: settings, maxTokens: runtime.maxOutputTokens,
                                structured: structured)
        var request = HTTPClientRequest(url: call.url)
        request.method = .POST
        for (name, value) in call.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: call.body.serialized()))
        let response: HTTPClientResponse
        do {
            response = try await runtime.http.execute(request, deadline: .now() + .seconds(300))
        } catch {
            throw Self.transportFailure(error, settings: settings)
        }
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        guard response.status.code == 200 else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { Array($0.readableBytesView) } ?? []
            let after = FailureClassifier.retryAfter(seconds: response.headers.first(name: "retry-after"),
                                                     milliseconds: response.headers.first(name: "retry-after-ms"))
            let error = FailureClassifier.classify(status: Int(response.status.code), body: body, retryAfter: after, settings: settings)
            if structured != nil, StructuredRefused.matches(status: Int(response.status.code), body: body) { throw StructuredRefused(error: error) }
            throw error
        }
        let usage: ProviderUsage
        let text: String
        if let onDelta {
            let expected = wire.framing == .sse ? "text/event-stream" : "json"
            guard contentType.contains(expected) else {
                throw AgentError.badResponse("expected a \(expected) stream, got content type '\(contentType)'")
            }
            (text, usage) = try await readStream(response.body, wire: wire, settings: settings, onDelta: onDelta)
        } else {
            guard contentType.contains("json") else { throw AgentError.badResponse("expected JSON, got content type '\(contentType)'") }
            let body: ByteBuffer
            do { body = try await response.body.collect(upTo: 16 * 1024 * 1024) } catch {
                throw Self.transportFailure(error, settings: settings)
            }
            guard let json = JSONValue.parse(bytes: Array(body.readableBytesView)) else {
                throw AgentError.badResponse("malformed JSON: \(settings.redact(String(decoding: body.readableBytesView.prefix(120), as: UTF8.self)))")
            }
            (text, usage) = try wire.reply(json)
        }
        return AgentReply(text: text, usage: cost(usage, prompt: prompt, text: text, model: model, provider: settings.info.name))
    }

    /// Reads a streamed reply to its end, handing text on as it arrives. A stream that stops before the provider
    /// said it was complete (its connection cut, no end marker, OpenAI's `[DONE]` without a `finish_reason`, or an
    /// end with no text at all) "ended early": a network failure, retried when none of its text was shown yet.
    func readStream(_ body: HTTPClientResponse.Body, wire: any WireFormat, settings: ProviderSettings,
                    onDelta: TokenSink) async throws -> (String, ProviderUsage) {
        var text = ""
        var usage = ProviderUsage()
        var done = false
        var finished = false
        var sse = ServerSentEventParser()
        var lines = LineSplitter()
        func take(_ step: StreamStep) {
            if !step.text.isEmpty {
                text += step.text
                onDelta(step.text)
            }
            usage = usage.updated(with: step.usage)
            if step.done { done = true }
            if step.finished { finished = true }
        }
        do {
            for try await chunk in body {
                switch wire.framing {
                case .sse:
                    for event in sse.feed(chunk.readableBytesView) { take(try wire.step(event: event.event, data: event.data)) }
                case .ndjson:
                    var steps: [StreamStep] = []
                    try lines.feed(chunk.readableBytesView) { line in
                        if !line.trimmingCharacters(in: .whitespaces).isEmpty { steps.append(try wire.step(event: nil, data: line)) }
                    }
                    steps.forEach(take)
                }
                if done { break }
            }
        } catch let error as AgentError {
            throw error
        } catch {
            let cause = Self.transportFailure(error, settings: settings)
            if case .timeout = cause { throw cause }
            throw AgentError.network("\(settings.info.name): stream ended early after \(text.count) characters (\(Self.reason(error)))")
        }
        if !done, wire.framing == .ndjson, let last = lines.remainder() { take(try wire.step(event: nil, data: last)) }
        guard done, finished || !wire.marksFinish, !text.isEmpty else {
            throw CutStream(error: .network("\(settings.info.name): stream ended early after \(text.count) characters"))
        }
        return (text, usage)
    }

    /// Usage with its cost; counts the provider did not give are estimated from the text (and marked so).
    func cost(_ usage: ProviderUsage, prompt: Prompt, text: String, model: String, provider: String) -> TokenUsage {
        let input = usage.input ?? TokenUsage.estimateTokens(prompt.system + prompt.user)
        let output = usage.output ?? TokenUsage.estimateTokens(text)
        let price = runtime.prices.price(provider: provider, model: model)
        return TokenUsage(inputTokens: input, outputTokens: output, costUSD: price?.cost(input: input, output: output) ?? 0,
                          estimated: usage.input == nil || usage.output == nil)
    }

    static func transportFailure(_ error: any Error, settings: ProviderSettings) -> AgentError {
        if error is CancellationError { return .timeout("cancelled") }
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded { return .timeout("\(settings.info.name) did not answer in time") }
            if e == .cancelled { return .timeout("cancelled") }
        }
        return .network(settings.redact("cannot reach \(settings.info.name) at \(settings.baseURL): \(reason(error))"))
    }

    /// NIO's connection errors are long lists of attempts: what happened, in a few words.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        return [("Connection refused", "connection refused"), ("connectTimeout", "connect timed out"),
                      ("NIOSSL", "TLS failed: \(text.prefix(160))"), ("remoteConnectionClosed", "the server closed the connection"),
                      ("Connection reset", "connection reset"), ("No address", "cannot resolve the host"),
                      ("unresolved", "cannot resolve the host")]
            .first { text.contains($0.0) }?.1 ?? String(text.prefix(200))
    }
}

/// A stream the server ended before the reply was complete (its end marker without the reply's end, or no text).
struct CutStream: Error {
    var error: AgentError
}

/// Whether a call has shown any text yet (then it must not be retried).
final class StreamedFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}
