import AragoraCore
import AragoraTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Whole debates mixing three providers (Anthropic, OpenAI and Gemini wire formats, served by the fake on
/// loopback) through the real `aragora` binary: `aragora ask` and `aragora serve` with its HTTP API.
@Suite("Debates across providers", .serialized)
struct MixedProviderDebateTests {
    static func binary() throws -> URL { try BuiltBinary.aragora() }

    /// Environment for the binary: the providers pointed at the fake, prices for the fake's models (through
    /// `ARAGORA_PRICES_FILE`), a private data directory.
    static func environment(port: Int, key: String, dir: URL) throws -> [String: String] {
        let prices = dir.appendingPathComponent("prices.json")
        let price = #"{"input_per_mtok": 1000, "output_per_mtok": 2000}"#
        try Data(#"{"ok": \#(price), "fail-after-2": \#(price)}"#.utf8).write(to: prices)
        var env = ProviderContractTests.environment(port, key: key)
        env["ARAGORA_PRICES_FILE"] = prices.path
        env["ARAGORA_DATA_DIR"] = dir.path
        env["ARAGORA_PROVIDER_FALLBACK"] = "0"
        env["ARAGORA_DISABLE_ALL_RATE_LIMITS"] = "1"
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        return env
    }

    /// Runs the binary to its end (60 s at most); stdout and stderr.
    static func run(_ arguments: [String], env: [String: String]) async throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = arguments
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let collected = Task.detached { (out.fileHandleForReading.readDataToEndOfFile(), err.fileHandleForReading.readDataToEndOfFile()) }
        let deadline = ContinuousClock.now + .seconds(60)
        while p.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if p.isRunning { p.terminate() }
        let (o, e) = await collected.value
        while p.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-providers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("aragora ask: three providers, one failing midway; the debate completes with the others and records it")
    func askWithAFailingProvider() async throws {
        let fake = FakeProvider()
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await fake.run { port in
            let env = try Self.environment(port: port, key: fake.key, dir: dir)
            let r = try await Self.run(["ask", "--agents", "anthropic-api|ok,openai-api|fail-after-2,gemini|ok", "--rounds", "3",
                                        "--no-early-stop", "--consensus", "majority", "--json", "Should we adopt the change?"], env: env)
            #expect(r.status == 0, "\(r.err)")
            let record = try #require(JSONValue.parse(r.out), "\(r.out.prefix(300)) \(r.err)")
            #expect(record["status"] == "completed", "\(record["error"] ?? .null)")
            let failures = record["failures"]?.arrayValue ?? []
            // It sits its first failed phase out, and leaves after the second (by then its breaker may be open).
            let failing = failures.filter { $0["agent"] == "openai-api-fail-after-2" }
            #expect(failing.first?["kind"] == "server" && failing.first?["removed"] == false, "\(failures)")
            #expect(failing.last?["removed"] == true && ["server", "unavailable"].contains(failing.last?["kind"]?.stringValue ?? ""), "\(failures)")
            #expect(failures.allSatisfy { $0["error"]?.stringValue?.contains(fake.key) == false }, "no key in the record")
            #expect(!r.out.contains(fake.key) && !r.err.contains(fake.key))
            let byAgent = try #require(record["usage_by_agent"]?.objectValue)
            #expect(Set(byAgent.keys) == ["anthropic-api-ok", "openai-api-fail-after-2", "gemini-ok"])
            let total = record["usage"]?["cost_usd"]?.doubleValue ?? 0
            #expect(total > 0)
            #expect(abs(byAgent.values.compactMap { $0["cost_usd"]?.doubleValue }.reduce(0, +) - total) < 1e-9, "per-agent costs add up")
            #expect(record["consensus"]?["final_answer"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("aragora ask --budget: the debate stops cleanly before the phase that would pass it")
    func budgetStopsTheDebate() async throws {
        let fake = FakeProvider()
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await fake.run { port in
            let env = try Self.environment(port: port, key: fake.key, dir: dir)
            // At these prices a proposal costs about $0.23 and a critique twice that: the proposals ($0.69) run, and
            // the critiques, projected at twice the costliest call each ($1.38 more), would pass $2.
            let r = try await Self.run(["ask", "--agents", "anthropic-api|ok,openai-api|ok,gemini|ok", "--rounds", "2", "--budget", "2",
                                        "--json", "Should we adopt the change?"], env: env)
            let record = try #require(JSONValue.parse(r.out), "\(r.out.prefix(300)) \(r.err)")
            #expect(r.status != 0, "a debate that did not complete says so in its exit status")
            #expect(record["status"] == "cancelled")
            #expect(record["metadata"]?["stop_reason"] == "budget")
            #expect(record["error"]?.stringValue?.hasPrefix("budget reached: spent $") == true, "\(record["error"] ?? .null)")
            let spent = record["usage"]?["cost_usd"]?.doubleValue ?? 0
            #expect(spent > 0 && spent <= 2, "\(spent) \(record["usage_by_agent"] ?? .null)")
            #expect(record["messages"]?.arrayValue?.count == 3, "the proposals were kept")
        }
    }

    @Test("aragora serve: the API runs a mixed debate, streams token_delta events and lists the providers")
    func serveWithProviders() async throws {
        let fake = FakeProvider()
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await fake.run { port in
            var env = try Self.environment(port: port, key: fake.key, dir: dir)
            env["ARAGORA_PORT"] = "0"
            let p = Process()
            p.executableURL = try Self.binary()
            p.arguments = ["serve"]
            p.environment = env
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            defer { p.terminate() }
            var seen = ""
            var apiPort: Int?
            while apiPort == nil {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
                if let r = seen.range(of: "address=127.0.0.1:") { apiPort = Int(seen[r.upperBound...].prefix { $0.isNumber }) }
            }
            let api = try #require(apiPort, "\(seen)")
            Thread.detachNewThread { while !err.fileHandleForReading.availableData.isEmpty {} }
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
                var req = URLRequest(url: URL(string: "http://127.0.0.1:\(api)\(path)")!)
                req.httpMethod = method
                req.httpBody = body.map { Data($0.utf8) }
                if body != nil { req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
                return JSONValue.parse(try await URLSession.shared.data(for: req).0) ?? .null
            }
            let agents = try await call("GET", "/api/agents")
            let listed = agents["agents"]?.arrayValue ?? []
            #expect(listed.contains { $0["provider"] == "anthropic-api" && $0["configured"] == true && $0["model"] == "claude-sonnet-4-5" })
            #expect(agents["default_panel"]?.arrayValue?.count == 5, "the configured providers make the default panel")
            #expect(!agents.serialized().contains(fake.key))

            let created = try await call("POST", "/api/debates", #"{"question":"Adopt it?","rounds":2,"agents":"anthropic-api|ok,openai-api|fail-after-2,gemini|ok"}"#)
            let id = try #require(created["debate_id"]?.stringValue, "\(created)")
            var record: JSONValue = .null
            for _ in 0..<300 {
                record = try await call("GET", "/api/debates/\(id)")
                if let s = record["status"]?.stringValue, s != "running", s != "created" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(record["status"] == "completed", "\(record["error"] ?? .null)")
            #expect(record["failures"]?.arrayValue?.contains { $0["agent"] == "openai-api-fail-after-2" } == true)
            let events = try await call("GET", "/api/debates/\(id)/events?limit=5000")["events"]?.arrayValue ?? []
            let deltas = events.filter { $0["type"] == "token_delta" }
            #expect(deltas.count > 5, "answers were streamed as token_delta events")
            #expect(events.contains { $0["type"] == "agent_error" && $0["data"]?["kind"] == "server" })
            let metrics = String(decoding: try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(api)/metrics")!).0, as: UTF8.self)
            #expect(metrics.contains(#"aragora_agent_calls_total{provider="gemini",outcome="ok"}"#) || metrics.contains(#"aragora_agent_calls_total{outcome="ok",provider="gemini"}"#),
                    "\(metrics.split(separator: "\n").filter { $0.contains("aragora_agent") }.prefix(5))")
            #expect(metrics.contains("aragora_agent_cost_usd_total"))
        }
    }
}
