import AragoraCore
import AragoraProviders
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The provider layer against a fake OpenAI-style server in a child process on loopback:
/// - overhead per call: `LLMAgent.respond` (prompt, JSON, HTTP, parse, usage and cost) against a raw
///   AsyncHTTPClient request to the same endpoint with the same reply; target p50 difference <= 0.2 ms;
/// - 2,000 concurrent streaming calls (20 chunks, 50 ms apart): errors and memory per call in flight.
/// `aragora-bench fake-provider` alone serves a whole `aragora ask --agents openai-api,...` by hand (key `sk-bench`).
enum ProviderBench {
    static func run(quick: Bool) async throws {
        raiseDescriptorLimit()
        let (server, port) = try startFakeServer()
        defer { server.terminate() }
        let env = ["OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": "http://127.0.0.1:\(port)/v1", "ARAGORA_PROVIDER_FALLBACK": "0"]
        let runtime = try ProviderSetup.runtime(environment: env)
        var factory = AgentFactory()
        try ProviderSetup.register(into: &factory, environment: env, runtime: runtime)
        let agent = try factory.make([AgentSpec(provider: "openai-api", model: "bench-fast")])[0]
        let slow = try factory.make([AgentSpec(provider: "openai-api", model: "bench-stream")])[0]
        let context = DebateContext(debateID: "bench", question: "Should we adopt a monorepo?",
                                    agents: [agent.identity, AgentIdentity(name: "other", provider: "demo", model: "demo")], seed: 1)

        // The raw request: the same URL, headers and a body of the same size, its reply collected.
        let url = "http://127.0.0.1:\(port)/v1/chat/completions"
        let prompt = PromptBuilder.prompt(for: PhaseRequest(phase: .propose, round: 1), in: context, as: agent.identity)
        let body = JSONValue.object(["model": "bench-fast", "stream": false, "messages": [
            ["role": "system", "content": .string(prompt.system)], ["role": "user", "content": .string(prompt.user)]]]).serialized()
        func raw() async throws {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer sk-bench")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await runtime.http.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        let n = quick ? 300 : 2000
        for _ in 0..<200 {
            try await raw()
            _ = try await agent.respond(to: PhaseRequest(phase: .propose, round: 1), in: context)
        }
        var rawMS: [Double] = [], agentMS: [Double] = []
        // Interleaved, so drift in the machine's load touches both alike.
        for _ in 0..<n {
            var t = ContinuousClock.now
            try await raw()
            rawMS.append((ContinuousClock.now - t).seconds * 1000)
            t = ContinuousClock.now
            _ = try await agent.respond(to: PhaseRequest(phase: .propose, round: 1, deadline: .now + .seconds(10)), in: context)
            agentMS.append((ContinuousClock.now - t).seconds * 1000)
        }
        let (r50, a50) = (Stats.median(rawMS), Stats.median(agentMS))
        print("provider layer: OpenAI-style reply from a fake on loopback (child process), \(n) calls each, interleaved")
        print("  raw AsyncHTTPClient request: p50 \(Stats.f(r50, 3)) ms, p99 \(Stats.f(Stats.percentile(rawMS, 0.99), 3)) ms")
        print("  LLMAgent.respond:            p50 \(Stats.f(a50, 3)) ms, p99 \(Stats.f(Stats.percentile(agentMS, 0.99), 3)) ms")
        print("  overhead at p50: \(Stats.f(a50 - r50, 3)) ms · target <= 0.2 ms · ratio agent/raw \(Stats.f(a50 / r50, 2))")

        // Many streams at once.
        let concurrent = quick ? 500 : 2000
        let baseline = Memory.residentKB()
        let sampler = Memory.Sampler()
        let tally = Tally()
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrent {
                group.addTask {
                    do {
                        let reply = try await slow.stream(to: PhaseRequest(phase: .propose, round: 1, deadline: .now + .seconds(60)), in: context) { _ in
                            tally.chunk()
                        }
                        if reply.text.isEmpty { tally.fail("empty reply") }
                    } catch {
                        tally.fail("\(error)")
                    }
                }
            }
        }
        let wall = (ContinuousClock.now - started).seconds
        let peak = sampler.stop().rss
        let failed = tally.errors
        print("concurrent streaming calls: \(concurrent) at once, about 20 chunks each, 50 ms apart (about 1 s per call)")
        print("  errors \(failed.count)\(failed.first.map { " (first: \($0))" } ?? "") · text deltas received \(tally.chunks)"
            + " · wall \(Stats.f(wall, 2)) s")
        print("  memory per call in flight: \(Stats.f(Double(peak - baseline) / Double(concurrent), 1)) KB (peak RSS \(peak / 1024) MB, baseline \(baseline / 1024) MB)")
    }

    /// Starts `aragora-bench fake-provider` and reads the port it chose.
    static func startFakeServer() throws -> (Process, Int) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        p.arguments = ["fake-provider"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        var seen = ""
        while !seen.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let port = Int(seen.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            p.terminate()
            throw BenchError("the fake provider did not start: \(seen)")
        }
        return (p, port)
    }

    /// The fake: OpenAI Chat Completions with the key `sk-bench` (else a 401 as OpenAI words it); replies in the
    /// format each phase asks for, so it can also serve a whole `aragora ask` by hand; a streamed reply comes in 20
    /// chunks 50 ms apart.
    static func serveFake() async throws {
        raiseDescriptorLimit()
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in
            let body = JSONValue.parse(bytes: Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)) ?? .null
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            guard request.headers[.authorization] == "Bearer sk-bench" else {
                let error: JSONValue = ["error": ["message": "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                                                  "type": "invalid_request_error", "code": "invalid_api_key"]]
                return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: error.serialized())))
            }
            let prompt = (body["messages"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
            let text = phaseReply(prompt)
            guard body["stream"]?.boolValue == true else {
                let reply: JSONValue = ["id": "x", "object": "chat.completion",
                                        "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop"]],
                                        "usage": ["prompt_tokens": .int(prompt.utf8.count / 4), "completion_tokens": .int(text.utf8.count / 4)]]
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.serialized())))
            }
            headers[.contentType] = "text/event-stream"
            let characters = Array(text)
            let size = (characters.count + 19) / 20  // 20 pieces
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for i in stride(from: 0, to: characters.count, by: size) {
                    let piece = String(characters[i..<min(characters.count, i + size)])
                    let chunk: JSONValue = ["choices": [["index": 0, "delta": ["content": .string(piece)]]]]
                    try await writer.write(ByteBuffer(string: "data: \(chunk.serialized())\n\n"))
                    try await Task.sleep(for: .milliseconds(50))
                }
                let usage: JSONValue = ["choices": [], "usage": ["prompt_tokens": .int(prompt.utf8.count / 4), "completion_tokens": .int(text.utf8.count / 4)]]
                try await writer.write(ByteBuffer(string: "data: \(usage.serialized())\n\ndata: [DONE]\n\n"))
                try await writer.finish(nil)
            })
        }
        var config = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        config.backlog = 4096
        let app = Application(router: router, configuration: config, onServerRunning: { channel in
            // Unbuffered: the parent waits for this line.
            FileHandle.standardOutput.write(Data("\(channel.localAddress?.port ?? 0)\n".utf8))
        })
        try await app.runService()
    }

    static func raiseDescriptorLimit() {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Counts of a concurrent run, shared by its tasks.
final class Tally: Sendable {
    private let state = Mutex((chunks: 0, errors: [String]()))
    func chunk() { state.withLock { $0.chunks += 1 } }
    func fail(_ why: String) { state.withLock { $0.errors.append(why) } }
    var chunks: Int { state.withLock { $0.chunks } }
    var errors: [String] { state.withLock { $0.errors } }
}

/// A reply in the format a phase's prompt asks for (see `PromptBuilder.replyFormat`).
func phaseReply(_ prompt: String) -> String {
    if prompt.contains(#"{"issues""#) {
        return #"{"issues": ["the migration cost is not estimated"], "suggestions": ["estimate the cost per team"], "severity": 4}"#
    }
    if prompt.contains(#"{"choice""#) {
        let names = prompt.components(separatedBy: "Names you may vote for: ").last?.components(separatedBy: ".").first ?? ""
        return #"{"choice": "\#(names.components(separatedBy: ", ").first ?? "")", "confidence": 0.8, "reasoning": "the most complete plan"}"#
    }
    if prompt.contains(#"{"winner""#) {
        let first = prompt.components(separatedBy: "### ").dropFirst().first?.components(separatedBy: "\n").first ?? ""
        return #"{"winner": "\#(first)", "confidence": 0.75, "final_answer": "Adopt it in stages, one team at a time, measuring build times."}"#
    }
    return "Adopt it in stages: move one team first, measure build and review times for a month, then decide on the rest.\n"
        + "Recommendation: adopt it in stages."
}
