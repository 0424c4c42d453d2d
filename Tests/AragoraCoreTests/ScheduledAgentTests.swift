import AragoraCore
import Foundation
import Synchronization
import XCTest

/// Calls to a `ScheduledAgent` run without a task of their own: started, then called back. They must keep every
/// guarantee of calls run in tasks: the repair of a reply outside the schema, deltas before the result, the phase
/// deadline for a call that never answers.
final class ScheduledAgentTests: XCTestCase {
    /// Answers from `script` on another thread after `delay` (nil: never answers), streamed in two pieces when
    /// asked to stream. `respond` fails loudly: the engine must not run these calls in a task.
    struct CallbackAgent: ScheduledAgent {
        let identity: AgentIdentity
        let delay: Duration
        let script: @Sendable (PhaseRequest) -> String?

        init(_ name: String, delay: Duration = .milliseconds(5), script: @escaping @Sendable (PhaseRequest) -> String?) {
            identity = AgentIdentity(name: name, provider: "test", model: "callback")
            (self.delay, self.script) = (delay, script)
        }

        func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
            throw AgentError.badResponse("called through a task")
        }

        func start(_ request: PhaseRequest, in context: DebateContext, streaming: Bool, onDelta: @escaping TokenSink,
                   done: @escaping @Sendable (Result<AgentReply, any Error>) -> Void) {
            guard let text = script(request) else { return }
            let usage = TokenUsage(inputTokens: 10, outputTokens: 5, costUSD: 0.001)
            DispatchQueue.global().asyncAfter(deadline: .now() + delay.seconds) {
                if streaming, let space = text.firstIndex(of: " ") {
                    onDelta(String(text[...space]))
                    onDelta(String(text[text.index(after: space)...]))
                }
                done(.success(AgentReply(text: text, usage: usage)))
            }
        }

        static func voting(_ name: String) -> CallbackAgent {
            CallbackAgent(name) { req in
                switch req.phase {
                case .propose, .revise: return "\(name) thinks the answer is option \(name) because reasons."
                case .critique: return #"{"issues": ["weak evidence"], "suggestions": [], "severity": 4}"#
                case .vote: return #"{"choice": "\#(req.candidates[0].agent)", "confidence": 0.8, "reasoning": "best"}"#
                case .judge: return #"{"winner": "\#(req.candidates[0].agent)", "confidence": 0.9, "final_answer": "judged answer"}"#
                case .synthesize: return "a synthesis of everything"
                }
            }
        }
    }

    func testCallbackCallsRunTheWholeDebateWithStreamedDeltasBeforeEachAnswer() async {
        let log = EventLog()
        let r = await runDebate(["alpha", "beta", "gamma"].map { CallbackAgent.voting($0) },
                                config: DebateConfig(rounds: 2, consensus: .judge, seed: 5), log: log)
        XCTAssertEqual(r.status, .completed, r.error ?? "")
        XCTAssertTrue(r.failures.isEmpty, "\(r.failures)")
        XCTAssertEqual(r.messages.filter { $0.role != "judgment" }.count, 6)
        XCTAssertEqual(r.consensus?.finalAnswer, "judged answer")
        XCTAssertEqual(r.roundSummaries.last?.votes, RoundSummary.Count(valid: 3, requested: 3))
        // Every answer's pieces come before its message, and put together they are its text.
        for message in log.of(.agentMessage) {
            let before = log.events.prefix { $0.seq < message.seq }
                .filter { $0.type == .tokenDelta && $0.agent == message.agent && $0.round == message.round }
            XCTAssertEqual(before.compactMap { $0.data["delta"]?.stringValue }.joined(), message.data["content"]?.stringValue)
        }
        XCTAssertEqual(log.events.map(\.seq), Array(1...log.events.count))
    }

    func testAReplyOutsideTheSchemaIsRepairedThroughTheCallbackToo() async {
        let asked = Mutex<[PhaseRequest]>([])
        let beta = CallbackAgent("beta") { req in
            asked.withLock { $0.append(req) }
            if req.phase == .vote {
                return req.repair == nil ? "I pick the first one, it is best."
                    : #"{"choice": "\#(req.candidates[0].agent)", "confidence": 0.6, "reasoning": "repaired"}"#
            }
            return CallbackAgent.voting("beta").script(req)
        }
        let r = await runDebate([CallbackAgent.voting("alpha"), beta, CallbackAgent.voting("gamma")],
                                config: DebateConfig(rounds: 1, consensus: .majority, seed: 3))
        XCTAssertEqual(asked.withLock { $0.filter { $0.repair != nil }.count }, 1)
        XCTAssertEqual(r.roundSummaries[0].votes, RoundSummary.Count(valid: 3, requested: 3, repaired: 1))
        XCTAssertEqual(r.votes.first { $0.agent == "beta" }?.reasoning, "repaired")
        XCTAssertEqual(r.agentUsage["beta"]?.inputTokens, 10 + 10 + 10 + 10 + 10, "a proposal, two critiques and both vote tries were paid for")
    }

    func testACallThatNeverCallsBackTimesOutAtThePhaseDeadline() async {
        let silent = CallbackAgent("silent") { req in req.phase == .vote ? nil : CallbackAgent.voting("silent").script(req) }
        let started = ContinuousClock.now
        let r = await runDebate([CallbackAgent.voting("alpha"), CallbackAgent.voting("beta"), silent],
                                config: DebateConfig(rounds: 1, consensus: .majority, seed: 2, callTimeout: .milliseconds(300)))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(60), "the debate waited for a call that never answered")
        XCTAssertEqual(r.status, .completed, r.error ?? "")
        let failure = r.failures.first { $0.agent == "silent" }
        XCTAssertEqual(failure?.kind, "timeout")
        XCTAssertEqual(failure?.phase, .vote)
        XCTAssertEqual(r.roundSummaries[0].votes, RoundSummary.Count(valid: 2, requested: 3))
    }
}
