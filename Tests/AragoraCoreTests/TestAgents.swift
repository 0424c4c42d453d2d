import AragoraCore
import Foundation
import Synchronization

/// An agent whose replies come from a closure: for failure, timing and parsing tests.
struct ScriptedAgent: Agent {
    let identity: AgentIdentity
    let reply: @Sendable (PhaseRequest, DebateContext) async throws -> String

    init(_ name: String, role: String = "proposer", reply: @escaping @Sendable (PhaseRequest, DebateContext) async throws -> String) {
        identity = AgentIdentity(name: name, provider: "test", model: "scripted", role: role)
        self.reply = reply
    }

    func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
        AgentReply(text: try await reply(request, context), usage: TokenUsage(inputTokens: 10, outputTokens: 5, costUSD: 0.001))
    }

    /// Answers sensibly; votes for `votesFor` (or the first candidate) with `confidence`.
    static func voting(_ name: String, for choice: String? = nil, confidence: Double = 0.8) -> ScriptedAgent {
        ScriptedAgent(name) { req, _ in
            switch req.phase {
            case .propose, .revise: return "\(name) thinks the answer is option \(name) because reasons."
            case .critique: return #"{"issues": ["weak evidence"], "suggestions": [], "severity": 4}"#
            case .vote:
                // `choice` by the answer's text (blind review shows labels, not names).
                let label = choice.flatMap { c in req.candidates.first { $0.content.contains("option \(c) because") }?.agent } ?? req.candidates[0].agent
                return #"{"choice": "\#(label)", "confidence": \#(confidence), "reasoning": "best"}"#
            case .judge: return #"{"winner": "\#(req.candidates[0].agent)", "confidence": 0.9, "final_answer": "judged answer"}"#
            case .synthesize: return "a synthesis of everything"
            }
        }
    }
}

/// Collects events from the engine's sink.
final class EventLog: Sendable {
    private struct State {
        var items: [DebateEvent] = []
        var waiters: [(DebateEventType, CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    var sink: DebateEventSink {
        { [self] e in
            let ready = state.withLock { s in
                s.items.append(e)
                let (now, later) = (s.waiters.filter { $0.0 == e.type }, s.waiters.filter { $0.0 != e.type })
                s.waiters = later
                return now.map(\.1)
            }
            for w in ready { w.resume() }
        }
    }
    var events: [DebateEvent] { state.withLock { $0.items } }

    /// Returns once an event of `type` has been logged.
    func first(_ type: DebateEventType) async {
        await withCheckedContinuation { c in
            let seen = state.withLock { s in
                if s.items.contains(where: { $0.type == type }) { return true }
                s.waiters.append((type, c))
                return false
            }
            if seen { c.resume() }
        }
    }
    func of(_ type: DebateEventType) -> [DebateEvent] { events.filter { $0.type == type } }
}

func demoPanel(_ personas: [String] = DemoAgent.defaultPersonas, latency: Duration = .zero) -> [any Agent] {
    personas.map { DemoAgent(name: "demo-\($0)", persona: $0, latency: latency) }
}

func runDebate(_ agents: [any Agent], question: String = "Should we adopt a monorepo?", config: DebateConfig,
               judge: (any Agent)? = nil, log: EventLog? = nil) async -> DebateRecord {
    let engine = DebateEngine(agents: agents, judge: judge, config: config)
    return await engine.run(engine.newRecord(id: "deb_test", question: question), sink: log?.sink)
}
