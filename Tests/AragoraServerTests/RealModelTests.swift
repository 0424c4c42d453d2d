import AragoraTestSupport
import AragoraCore
import AragoraProviders
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Debates on a real model served by a real third-party server: SmolLM2-135M through llama-cpp-python's
/// OpenAI-compatible server (`scripts/test-services.sh`), reached through the `openai-compatible` provider exactly
/// as a user configures it. Few and bounded (each well under three minutes on one core): they prove the real wire;
/// the fakes cover the error cases.
final class RealModelTests: XCTestCase {
    /// Short replies keep a debate on a 135M model at one thread to about two minutes.
    static let limits = ["ARAGORA_MAX_OUTPUT_TOKENS": "160", "ARAGORA_AGENT_TIMEOUT": "240"]

    func services() throws -> (url: String, python: String, model: String) {
        let v = try TestServices.require("ARAGORA_TEST_LLAMA_URL", "ARAGORA_TEST_LLAMA_PYTHON", "ARAGORA_TEST_LLAMA_MODEL")
        return (v[0], v[1], v[2])
    }

    /// `aragora ask --json`, as a user runs it.
    func ask(_ args: [String], env: [String: String]) throws -> (status: Int32, record: JSONValue, err: String) {
        let p = Process()
        p.executableURL = try ServerProcess.binary()
        p.arguments = ["ask"] + args + ["--json", "--no-save"]
        var environment = ProcessInfo.processInfo.environment
        environment["ARAGORA_DATA_DIR"] = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-real-\(UUID().uuidString)").path
        environment.merge(Self.limits.merging(env) { $1 }) { $1 }
        p.environment = environment
        // stderr to a file: read after the exit, it cannot fill a pipe while stdout is read.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-real-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: log)
        try p.run()
        // A deadline for a hang, far past a slow model: the process is stopped and the test fails on its record.
        let watchdog = Thread { for _ in 0..<6000 where p.isRunning { usleep(100_000) }; if p.isRunning { p.terminate() } }
        watchdog.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        while p.isRunning { usleep(20_000) }
        return (p.terminationStatus, JSONValue.parse(o) ?? .null, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// What a debate's record must show on a real model: every critique and vote asked for came back valid (after at
    /// most one repair), each vote names another panelist, and consensus only with a quorum of valid votes.
    func checkIntegrity(_ r: JSONValue, file: StaticString = #filePath, line: UInt = #line) {
        let failures = r["failures"]?.arrayValue ?? []
        let badVotesOrCritiques = failures.filter { $0["kind"] == "bad_reply" && ($0["phase"] == "vote" || $0["phase"] == "critique") }
        XCTAssertEqual(badVotesOrCritiques.count, 0, "\(failures)", file: file, line: line)
        let names = Set((r["agents"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        for v in r["votes"]?.arrayValue ?? [] {
            XCTAssertTrue(names.contains(v["choice"]?.stringValue ?? ""), "\(v)", file: file, line: line)
            XCTAssertNotEqual(v["choice"], v["agent"], "never one's own answer", file: file, line: line)
            XCTAssertTrue((0...1).contains(v["confidence"]?.doubleValue ?? -1), "\(v)", file: file, line: line)
        }
        for c in r["critiques"]?.arrayValue ?? [] {
            let s = c["severity"]?.doubleValue ?? -1
            XCTAssertTrue((0...10).contains(s) && s == s.rounded(), "\(c)", file: file, line: line)
        }
        for s in r["round_summaries"]?.arrayValue ?? [] {
            XCTAssertEqual(s["votes"]?["valid"], s["votes"]?["requested"], "\(s)", file: file, line: line)
            XCTAssertEqual(s["critiques"]?["valid"], s["critiques"]?["requested"], "\(s)", file: file, line: line)
        }
        let c = r["consensus"]
        if c?["reached"] == true {
            XCTAssertGreaterThanOrEqual(c?["valid_votes"]?.intValue ?? 0, c?["quorum"]?.intValue ?? 99, "consensus only with a quorum",
                                        file: file, line: line)
        }
    }

    /// Three agents, two rounds, on the shared server: the debate completes and every machine-read reply met its
    /// schema. llama-cpp-python refuses `json_schema` (400): the provider falls back to its `json_object` with the
    /// schema once and keeps it.
    func testADebateOnARealModelHasOnlyValidVotesAndCritiques() throws {
        let llama = try services()
        let run = try ask(["Should a team of five adopt a monorepo?", "--rounds", "2", "--seed", "7", "--no-early-stop"],
                          env: ["OPENAI_COMPATIBLE_BASE_URL": llama.url])
        XCTAssertEqual(run.status, 0, run.err)
        let r = run.record
        XCTAssertEqual(r["status"], "completed", "\(r["error"] ?? .null) \(run.err.suffix(2000))")
        XCTAssertEqual(r["agents"]?.arrayValue?.count, 3)
        XCTAssertEqual(r["rounds_used"], 2)
        XCTAssertEqual(r["votes"]?.arrayValue?.count, 6, "three votes a round")
        XCTAssertEqual(r["critiques"]?.arrayValue?.count, 12, "six critiques a round")
        checkIntegrity(r)
        XCTAssertTrue(run.err.contains("refused=json_schema") && run.err.contains("now=json_object"), "the fallback is logged")
        // The first structured phase's calls go out together and each learns it; none after.
        XCTAssertLessThanOrEqual(run.err.components(separatedBy: "refused=json_schema").count - 1, 6, "refused once per call in flight")
        print("real model debate: \(r["consensus"]?["summary"] ?? .null) · confidence \(r["consensus"]?["confidence"] ?? .null)")
        for v in r["votes"]?.arrayValue ?? [] { print("  vote: \(v.serialized())") }
    }

    /// Whole (non-streamed) replies carry the server's own token counts: nothing estimated.
    func testUsageComesFromTheServer() async throws {
        let llama = try services()
        let env = ["OPENAI_COMPATIBLE_BASE_URL": llama.url, "ARAGORA_PROVIDER_FALLBACK": "0"]
        let settings = try XCTUnwrap(try ProviderSettings(ProviderInfo.named("openai-compatible")!, environment: env))
        let agent = LLMAgent(name: "smol", settings: settings, model: nil, persona: nil, role: "proposer",
                             runtime: try ProviderSetup.runtime(environment: env.merging(Self.limits) { $1 }))
        let context = DebateContext(debateID: "d", question: "Tea or coffee?", agents: [agent.identity], seed: 1)
        let vote = PhaseRequest(phase: .vote, round: 1, candidates: [Position(agent: "Answer A", content: "Tea."),
                                                                     Position(agent: "Answer B", content: "Coffee.")])
        let reply = try await agent.respond(to: vote, in: context)
        XCTAssertFalse(reply.usage.estimated, "\(reply.usage)")
        XCTAssertGreaterThan(reply.usage.inputTokens, 50)
        XCTAssertGreaterThan(reply.usage.outputTokens, 0)
    }

    /// kill -9 of the model server in the middle of a debate, then a restart: the debate does not end in error on
    /// the first failure, the log says what failed and what the breaker did, and the next debate after the
    /// breaker's cool-down completes.
    func testAKilledModelServerIsSurvivedAndTheNextDebateCompletes() async throws {
        let llama = try services()
        let port = try Self.freePort()
        var server = try Self.startLlama(llama, port: port, interrupting: false)
        defer { server.stopAndWait() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-real-\(UUID().uuidString).log")
        let (serve, api) = try Self.serve(env: ["OPENAI_COMPATIBLE_BASE_URL": "http://127.0.0.1:\(port)/v1", "ARAGORA_BREAKER_COOLDOWN_S": "3"],
                                          log: log)
        defer { serve.stopAndWait() }
        let body = #"{"question": "Tea or coffee for a night shift?", "rounds": 2, "seed": 3, "agents": ["openai-compatible:skeptic", "openai-compatible:pragmatist"]}"#
        let first = try await Self.post(api, "/api/debates", body)["debate_id"]?.stringValue
        let id = try XCTUnwrap(first)
        // Mid-debate: once the first answer is in.
        let midway = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < midway {
            let events = try await Self.get(api, "/api/debates/\(id)/events")["events"]?.arrayValue ?? []
            if events.contains(where: { $0["type"] == "agent_message" }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        kill(server.processIdentifier, SIGKILL)
        server.stopAndWait()
        try await Task.sleep(for: .seconds(4))
        server = try Self.startLlama(llama, port: port, interrupting: false)
        let done = try await Self.finished(api, id)
        XCTAssertNotEqual(done["status"], "running")
        let kinds = Set((done["failures"]?.arrayValue ?? []).compactMap { $0["kind"]?.stringValue })
        XCTAssertFalse(kinds.isEmpty, "the outage shows in the record")
        XCTAssertTrue(kinds.isSubset(of: ["network", "unavailable", "timeout"]), "\(kinds): a cut connection and an open breaker, never `server`")
        print("killed model server: first debate \(done["status"] ?? .null), failures \((done["failures"]?.arrayValue ?? []).map { "\($0["phase"] ?? .null) \($0["kind"] ?? .null) removed=\($0["removed"] ?? .null)" })")
        try await Task.sleep(for: .seconds(3))  // the cool-down
        let second = try await Self.post(api, "/api/debates", body.replacingOccurrences(of: #""seed": 3"#, with: #""seed": 4"#))["debate_id"]?.stringValue
        let next = try await Self.finished(api, try XCTUnwrap(second))
        XCTAssertEqual(next["status"], "completed", "\(next["error"] ?? .null)")
        checkIntegrity(next)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(text.contains("provider call failed") && text.contains("provider=openai-compatible"), "failures are logged")
        XCTAssertTrue(text.contains("provider circuit open") || kinds.contains("network"), "breaker transitions are logged")
        try? FileManager.default.removeItem(at: log)
    }

    /// llama-cpp-python's default cuts a running stream short (`[DONE]`, no finish_reason) when another request
    /// arrives: that is "stream ended early", retried or sat out, never the end of the debate.
    func testTheInterruptingServerDefaultIsSurvived() throws {
        let llama = try services()
        let port = try Self.freePort()
        let server = try Self.startLlama(llama, port: port, interrupting: true)
        defer { server.stopAndWait() }
        let run = try ask(["Tea or coffee for a night shift?", "--rounds", "2", "--seed", "5", "--no-early-stop",
                           "--agents", "openai-compatible:skeptic,openai-compatible:pragmatist,openai-compatible:visionary"],
                          env: ["OPENAI_COMPATIBLE_BASE_URL": "http://127.0.0.1:\(port)/v1"])
        let r = run.record
        XCTAssertEqual(r["status"], "completed", "\(r["error"] ?? .null) \(run.err.suffix(1500))")
        let failures = r["failures"]?.arrayValue ?? []
        for f in failures where f["kind"] == "network" {
            XCTAssertTrue(f["error"]?.stringValue?.contains("stream ended early") == true, "\(f)")
        }
        XCTAssertFalse(failures.contains { $0["kind"] == "bad_reply" && $0["phase"] != "judge" }, "\(failures)")
        XCTAssertFalse(failures.contains { $0["kind"] == "unavailable" }, "a cut stream is not a failing server: the breaker stays closed")
        print("interrupting server: \(failures.count) failed phases: \(failures.map { "\($0["phase"] ?? .null) \($0["kind"] ?? .null)" })")
    }

    // MARK: - Processes

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A server of its own (the shared one must not be killed), ready when it answers `/v1/models`.
    static func startLlama(_ llama: (url: String, python: String, model: String), port: Int, interrupting: Bool) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: llama.python)
        p.arguments = ["-m", "llama_cpp.server", "--model", llama.model, "--n_threads", "1", "--n_ctx", "8192",
                       "--host", "127.0.0.1", "--port", String(port)] + (interrupting ? [] : ["--interrupt_requests", "False"])
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/v1/models")!)) != nil { return p }
            usleep(200_000)
        }
        p.stopAndWait()
        XCTFail("llama-cpp-python did not start on port \(port)")
        throw CocoaError(.fileReadUnknown)
    }

    /// `aragora serve` with its log in `log`.
    static func serve(env: [String: String], log: URL) throws -> (Process, Int) {
        let p = Process()
        p.executableURL = try ServerProcess.binary()
        p.arguments = ["serve", "--port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["ARAGORA_DATA_DIR"] = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-real-\(UUID().uuidString)").path
        environment["ARAGORA_DISABLE_ALL_RATE_LIMITS"] = "1"
        environment.merge(limits.merging(env) { $1 }) { $1 }
        p.environment = environment
        FileManager.default.createFile(atPath: log.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: log)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: "address=127.0.0.1:"), let port = Int(text[r.upperBound...].prefix { $0.isNumber }), port > 0 {
                return (p, port)
            }
            usleep(100_000)
        }
        p.stopAndWait()
        XCTFail("aragora serve did not start")
        throw CocoaError(.fileReadUnknown)
    }

    static func post(_ port: Int, _ path: String, _ body: String) async throws -> JSONValue {
        var req = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        req.httpMethod = "POST"
        req.httpBody = Data(body.utf8)
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        return JSONValue.parse(try await URLSession.shared.data(for: req).0) ?? .null
    }

    static func get(_ port: Int, _ path: String) async throws -> JSONValue {
        JSONValue.parse(try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!).0) ?? .null
    }

    /// The debate's record once it has ended (a deadline catches a hang, not a slow model).
    static func finished(_ port: Int, _ id: String) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let r = try await get(port, "/api/debates/\(id)")
            if let s = r["status"]?.stringValue, s != "running", s != "created" { return r }
            try await Task.sleep(for: .milliseconds(500))
        }
        XCTFail("debate \(id) did not end")
        return .null
    }
}
