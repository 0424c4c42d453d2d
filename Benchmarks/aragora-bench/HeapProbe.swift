import AragoraCore
import Foundation

/// Where a waiting debate's memory goes: live heap per debate while every debate waits on its agents in the first
/// phase, for the engine with demo agents, the engine with agents that only sleep, and bare Swift tasks shaped like
/// a debate (one task, a group of three children sleeping). `aragora-bench heap-probe [N]`.
enum HeapProbe {
    /// Sleeps, then answers with fixed text: the engine's own memory, without the demo agents' text.
    struct SleepingAgent: Agent {
        let identity: AgentIdentity
        func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
            try await Task.sleep(for: .seconds(30))
            return AgentReply(text: "fine")
        }
    }

    static func run(n: Int) async {
        let demo = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0, latency: .seconds(30)) },
                                config: DebateConfig(rounds: 3, consensus: .judge, seed: 1, earlyStop: false), signer: ReceiptSigner())
        let sleeping = DebateEngine(agents: ["a", "b", "c"].map { SleepingAgent(identity: AgentIdentity(name: $0, provider: "test", model: "sleep")) },
                                    config: DebateConfig(rounds: 3, consensus: .judge, seed: 1, earlyStop: false), signer: ReceiptSigner())
        if let only = ProcessInfo.processInfo.environment["HEAP_PROBE_ONLY"] {
            // For an allocation profile (perf probe on malloc): start the debates, let them wait, exit.
            let engine = only == "demo" ? demo : sleeping
            for i in 0..<n { Task { _ = await EngineBench.debate(engine, id: "p\(i)") } }
            try? await Task.sleep(for: .seconds(1))
            return
        }
        print("inline sizes (bytes): DebateRecord \(MemoryLayout<DebateRecord>.size), DebateCheckpoint \(MemoryLayout<DebateCheckpoint>.size), "
              + "DebateEngine \(MemoryLayout<DebateEngine>.size), DebateConfig \(MemoryLayout<DebateConfig>.size), "
              + "PhaseRequest \(MemoryLayout<PhaseRequest>.size), DebateContext \(MemoryLayout<DebateContext>.size), "
              + "AgentReply \(MemoryLayout<AgentReply>.size), DebateEvent \(MemoryLayout<DebateEvent>.size)")
        print("live heap per debate waiting in its first phase (\(n) debates):")
        // Bare tasks first: each measurement waits for the previous one's memory to be freed, but not perfectly.
        let bare = await measure(n) { _ in
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { try? await Task.sleep(for: .seconds(30)) } }
            }
        }
        print("  bare tasks (one task, a group of three sleeping children): \(Stats.f(bare, 1)) KB")
        for (name, engine) in [("engine + sleeping agents", sleeping), ("engine + demo agents", demo)] {
            let kb = await measure(n) { i in _ = await EngineBench.debate(engine, id: "p\(i)") }
            print("  \(name): \(Stats.f(kb, 1)) KB")
        }
    }

    /// Starts `n` copies of `work`, waits until they all wait, samples the live heap, cancels them.
    static func measure(_ n: Int, _ work: @escaping @Sendable (Int) async -> Void) async -> Double {
        let before = Memory.heapInUseKB()
        let tasks = (0..<n).map { i in Task { await work(i) } }
        try? await Task.sleep(for: .seconds(1))
        let during = Memory.heapInUseKB()
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
        try? await Task.sleep(for: .milliseconds(500))
        return Double(during - before) / Double(n)
    }
}
