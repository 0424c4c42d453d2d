import AragoraCore
import Foundation
import Synchronization
import Testing

/// What an LLM agent relies on: prompts in the format the parser reads, the call's deadline, classified
/// failures, and streaming as `token_delta` events.
@Suite struct AgentSeamTests {
    static let panel = [AgentIdentity(name: "alpha", provider: "test", model: "m"), AgentIdentity(name: "beta", provider: "test", model: "m"),
                        AgentIdentity(name: "gamma", provider: "test", model: "m", persona: "skeptic")]
    static let context = DebateContext(debateID: "deb_p", question: "Ship on Friday?", context: "a small team", agents: panel, seed: 1)

    @Test(arguments: DebatePhase.allCases)
    func everyPromptStatesItsReplyFormat(_ phase: DebatePhase) {
        let request = PhaseRequest(phase: phase, round: 2, ownAnswer: "mine", target: Position(agent: "beta", content: "theirs"),
                                   candidates: [Position(agent: "beta", content: "b"), Position(agent: "gamma", content: "c")])
        let prompt = PromptBuilder.prompt(for: request, in: Self.context, as: Self.panel[0])
        #expect(prompt.system.contains(PromptBuilder.replyFormat(phase)))
        #expect(prompt.user.contains("Ship on Friday?"))
        #expect(prompt.user.contains("a small team"))
        if phase == .vote { #expect(prompt.user.contains("beta, gamma")) }
        if phase == .critique { #expect(prompt.user.contains("theirs")) }
    }

    /// A reply written exactly as each prompt asks is read by the parser as meant.
    @Test func repliesInTheRequestedFormatParse() throws {
        let critique = try ReplyParser.critique(#"{"issues": ["no rollback plan"], "suggestions": ["add one"], "severity": 8}"#)
        #expect(critique == ReplyParser.ParsedCritique(issues: ["no rollback plan"], suggestions: ["add one"], severity: 8))
        let vote = try ReplyParser.vote(#"{"choice": "gamma", "confidence": 0.7, "reasoning": "safest"}"#, labels: ["beta", "gamma"])
        #expect(vote == ReplyParser.ParsedVote(choice: "gamma", confidence: 0.7, reasoning: "safest"))
        let judgment = try ReplyParser.judgment(#"{"winner": "beta", "confidence": 0.9, "final_answer": "Ship on Monday."}"#,
                                                labels: ["beta", "gamma"])
        #expect(judgment == ReplyParser.ParsedJudgment(finalAnswer: "Ship on Monday.", confidence: 0.9, choice: "beta"))
        #expect(try ReplyParser.answer("Wait until Monday.\n\nRecommendation: ship Monday") .hasPrefix("Wait"))
    }

    @Test func callsKnowTheirDeadline() async {
        let seen = Mutex<[Duration]>([])
        let agents = ["a", "b"].map { name in
            ScriptedAgent(name) { req, _ in
                if let left = req.timeRemaining { seen.withLock { $0.append(left) } }
                return "\(name) answers with enough words here."
            }
        }
        _ = await runDebate(agents, config: DebateConfig(rounds: 1, consensus: .none, callTimeout: .seconds(600)))
        let left = seen.withLock { $0 }
        #expect(!left.isEmpty)
        // The call's own timeout, less the moments before the agent saw it (generous: a busy machine is slow).
        #expect(left.allSatisfy { $0 <= .seconds(600) && $0 > .seconds(500) })
    }

    @Test func failuresAreClassified() async {
        let quota = ScriptedAgent("broke") { req, _ in
            if req.phase == .propose { throw AgentError.quota("credit balance is too low") }
            return "unused"
        }
        let log = EventLog()
        let r = await runDebate([quota, ScriptedAgent.voting("a"), ScriptedAgent.voting("b")],
                                config: DebateConfig(rounds: 1, consensus: .majority), log: log)
        let failure = r.failures.first { $0.agent == "broke" }
        #expect(failure?.kind == "quota")
        #expect(failure?.removed == true)
        #expect(failure?.error == "quota exhausted: credit balance is too low")
        #expect(log.of(.agentError).first?.data["kind"] == "quota")
        #expect(AgentError.server("overloaded", retryAfter: .seconds(2)).isRetryable)
        #expect(!AgentError.auth("bad key").isRetryable)
    }

    @Test func streamedTextArrivesAsDeltasBeforeItsMessage() async throws {
        let log = EventLog()
        let engine = DebateEngine(agents: demoPanel(latency: .milliseconds(16)), config: DebateConfig(rounds: 1, consensus: .judge, seed: 4))
        let record = await engine.run(engine.newRecord(id: "deb_stream", question: "Stream it?"), sink: log.sink)
        let events = log.events
        #expect(events.map(\.seq) == Array(1...events.count), "deltas take part in the gap-free sequence")
        for message in events.filter({ $0.type == .agentMessage }) {
            let agent = try #require(message.agent)
            let deltas = events.filter { $0.type == .tokenDelta && $0.agent == agent && $0.seq < message.seq && $0.round == message.round }
            #expect(!deltas.isEmpty)
            #expect(deltas.compactMap { $0.data["delta"]?.stringValue }.joined() == message.data["content"]?.stringValue,
                    "the deltas spell the message")
        }
        let judgeDeltas = events.filter { $0.type == .tokenDelta && $0.data["phase"] == "judge" }
        #expect(!judgeDeltas.isEmpty, "the judgment streams too")
        #expect(record.status == .completed)
    }

    @Test func instantDemoAgentsDoNotStream() async {
        let log = EventLog()
        _ = await runDebate(demoPanel(), config: DebateConfig(rounds: 1, consensus: .majority, seed: 2), log: log)
        #expect(log.of(.tokenDelta).isEmpty)
    }
}
