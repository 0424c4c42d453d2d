import AragoraCore
import Foundation
import Synchronization

/// Engine benchmarks of the engine issue: overhead, critical path, scale.
enum EngineBench {
    static func panel(latency: Duration) -> [any Agent] {
        DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0, latency: latency) }
    }

    static func engine(latency: Duration, seed: UInt64 = 1) -> DebateEngine {
        DebateEngine(agents: panel(latency: latency),
                     config: DebateConfig(rounds: 3, consensus: .judge, seed: seed, earlyStop: false),
                     signer: ProcessInfo.processInfo.environment["BENCH_NO_RECEIPT"] == nil ? ReceiptSigner() : nil)
    }

    /// Runs one debate with an event consumer attached, as the CLI and server do.
    static func debate(_ engine: DebateEngine, id: String) async -> DebateRecord {
        await engine.run(engine.newRecord(id: id, question: "Should we adopt a monorepo?"), sink: EventCounter().sink)
    }

    /// The same, keeping only the status, as a caller that holds many debates at once would: the record is built
    /// and prepared in a synchronous step and the final one read in `end`, so this frame holds no record while the
    /// debate runs.
    static func debateStatus(_ engine: DebateEngine, id: String) async -> DebateStatus {
        await prepared(engine, id: id).run { $0.status }
    }

    @inline(never) static func prepared(_ engine: DebateEngine, id: String) -> PreparedDebate {
        engine.prepare(engine.newRecord(id: id, question: "Should we adopt a monorepo?"), sink: EventCounter().sink)
    }

    static func overhead(iterations: Int) async {
        let e = engine(latency: .zero)
        for i in 0..<50 { _ = await debate(e, id: "warm\(i)") }
        var samples: [Double] = []
        for i in 0..<iterations {
            let start = ContinuousClock.now
            let r = await debate(e, id: "d\(i)")
            samples.append((ContinuousClock.now - start).ms)
            precondition(r.status == .completed && r.roundsUsed == 3)
        }
        let med = Stats.median(samples)
        let receipt = e.signer == nil ? "no receipt (BENCH_NO_RECEIPT)" : "signed receipt"
        print("engine overhead: 3 demo agents, 3 rounds, zero latency, judge + \(receipt), \(iterations) debates")
        print("  median \(Stats.f(med, 3)) ms/debate · p90 \(Stats.f(Stats.percentile(samples, 0.9), 3)) ms · target <= 0.5 ms · ratio to target \(Stats.f(med / 0.5, 2)) · vs original Python 3.5 ms: \(Stats.f(3.5 / med, 1))x faster")
    }

    static func criticalPath(latencyMS: Int, runs: Int) async {
        let e = engine(latency: .milliseconds(latencyMS))
        // 3 rounds x (answer, critique, vote) + the judge's call.
        let phases = 3 * 3 + 1
        var ratios: [Double] = []
        for i in 0..<runs {
            let start = ContinuousClock.now
            _ = await debate(e, id: "cp\(i)")
            ratios.append((ContinuousClock.now - start).ms / Double(phases * latencyMS))
        }
        print("critical path: agents with \(latencyMS) ms latency, \(phases) sequential phases, \(runs) runs")
        print("  median wall / (phases x latency) = \(Stats.f(Stats.median(ratios), 3)) · target <= 1.05")
    }

    /// One scale measurement in this process: `n` debates at once. Prints "n wall_ms peak_growth_kb".
    static func scaleOnce(_ n: Int, latencyMS: Int) async {
        let e = engine(latency: .milliseconds(latencyMS))
        let baseline = Memory.residentKB()
        let heapBaseline = Memory.heapInUseKB()
        let sampler = Memory.Sampler(heap: n <= 2000)
        let start = ContinuousClock.now
        await withTaskGroup(of: DebateStatus.self) { group in
            for i in 0..<n { group.addTask { await debateStatus(e, id: "s\(n)-\(i)") } }
            for await status in group { precondition(status == .completed) }
        }
        let wall = (ContinuousClock.now - start).ms
        let peak = sampler.stop()
        print("\(n) \(wall) \(max(0, peak.rss - baseline)) \(max(0, peak.heap - heapBaseline)) \(Memory.cpuSeconds())")
    }

    /// One `scale-once` run in a fresh process, so memory freed by one run cannot hide the next run's growth.
    static func scaleRun(_ n: Int, latencyMS: Int) -> (n: Int, wall: Double, growthKB: Int, heapKB: Int, cpu: Double)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        p.arguments = ["scale-once", String(n), String(latencyMS)]
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch {
            print("scale: cannot run \(CommandLine.arguments[0]): \(error)")
            return nil
        }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let f = out.split(whereSeparator: \.isWhitespace)
        guard f.count == 5, let wall = Double(f[1]), let kb = Int(f[2]), let heap = Int(f[3]), let cpu = Double(f[4]) else { return nil }
        return (n, wall, kb, heap, cpu)
    }

    /// Memory per debate in flight (1,000 at once, 200 ms agents) and the wall time of very many at once (10,000,
    /// 1 s agents) against one debate alone.
    static func scale(concurrent: Int, latencyMS: Int, many: Int) async {
        let rows = [1, concurrent / 2, concurrent].compactMap { scaleRun($0, latencyMS: latencyMS) }
        guard let single = rows.first, rows.count == 3 else { return print("scale: measurement failed") }
        print("scale: concurrent debates, each size in a fresh process, agents with \(latencyMS) ms latency (single debate: \(Stats.f(single.wall, 0)) ms)")
        for r in rows.dropFirst() {
            print("  \(r.n) debates: wall \(Stats.f(r.wall, 0)) ms · ratio to single \(Stats.f(r.wall / single.wall, 3)) (target <= 1.2) · peak memory growth \(Stats.f(Double(r.growthKB) / Double(r.n), 1)) KB/debate in flight (target <= 25; live heap \(Stats.f(Double(r.heapKB) / Double(r.n), 1)) KB)")
        }
        let (mid, top) = (rows[1], rows[2])
        print("  marginal: \(Stats.f(Double(top.growthKB - mid.growthKB) / Double(top.n - mid.n), 1)) KB per extra debate from \(mid.n) to \(top.n) (linear growth check)")
        guard let one = scaleRun(1, latencyMS: 1000), let all = scaleRun(many, latencyMS: 1000) else { return print("scale: measurement failed") }
        print("  \(many) debates at once, 1 s agents: wall \(Stats.f(all.wall / 1000, 1)) s vs one debate \(Stats.f(one.wall / 1000, 1)) s · ratio \(Stats.f(all.wall / one.wall, 2)) (target <= 1.3) · CPU \(Stats.f(all.cpu * 1000 / Double(many), 2)) ms/debate · peak RSS growth \(Stats.f(Double(all.growthKB) / Double(many), 1)) KB/debate")
    }
}

/// Counts events, standing in for a consumer.
final class EventCounter: Sendable {
    let count = Mutex(0)
    var sink: DebateEventSink { { [self] _ in count.withLock { $0 += 1 } } }
}

extension Duration {
    var ms: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}

/// Replies with fixed text: isolates the engine's own cost from the demo agents' text generation.
struct ConstantAgent: Agent {
    let identity: AgentIdentity
    let others: [String]
    func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
        switch request.phase {
        case .vote: return AgentReply(text: "VOTE: \(request.candidates[0].agent)\nCONFIDENCE: 0.8\nREASONING: fine")
        case .critique: return AgentReply(text: "ISSUES: vague\nSEVERITY: 3")
        case .judge: return AgentReply(text: "FINAL ANSWER: done\nCONFIDENCE: 0.9")
        default: return AgentReply(text: "An answer of moderate length about the question at hand, with a recommendation.")
        }
    }
}

extension EngineBench {
    static func constantOverhead(iterations: Int) async {
        let names = ["a", "b", "c"]
        let agents: [any Agent] = names.map { ConstantAgent(identity: AgentIdentity(name: $0, provider: "test", model: "const"), others: names) }
        let e = DebateEngine(agents: agents, config: DebateConfig(rounds: 3, consensus: .judge, seed: 1, earlyStop: false), signer: ReceiptSigner())
        for i in 0..<50 { _ = await debate(e, id: "w\(i)") }
        var samples: [Double] = []
        for i in 0..<iterations {
            let start = ContinuousClock.now
            _ = await debate(e, id: "c\(i)")
            samples.append((ContinuousClock.now - start).ms)
        }
        print("engine alone (constant-reply agents): median \(Stats.f(Stats.median(samples), 3)) ms/debate")
    }
}
