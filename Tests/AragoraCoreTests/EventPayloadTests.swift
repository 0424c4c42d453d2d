import AragoraCore
import Foundation
import Testing

/// Every event's `data` is its payload type's Codable shape: what the engine emits (built directly, for speed) is what
/// the type encodes, and it decodes back to the same payload.
@Suite struct EventPayloadTests {
    static let types: [DebateEventType: any DebateEventPayload.Type] = [
        .debateStart: DebateStartEvent.self, .roundStart: RoundStartEvent.self, .agentMessage: AgentMessageEvent.self,
        .tokenDelta: TokenDeltaEvent.self, .critique: CritiqueEvent.self, .vote: VoteEvent.self, .synthesis: SynthesisEvent.self,
        .consensus: ConsensusEvent.self, .agentError: AgentErrorEvent.self, .debateEnd: DebateEndEvent.self,
        .debateResumed: DebateResumedEvent.self,
    ]

    /// Debates that between them emit every event type the engine emits: a judged one (signed), one with method none
    /// and an agent that fails its critiques.
    static func events() async -> [DebateEvent] {
        let log = EventLog()
        let judged = DebateEngine(agents: demoPanel(), config: DebateConfig(rounds: 2, consensus: .judge, seed: 4, earlyStop: false),
                                  signer: ReceiptSigner())
        _ = await judged.run(judged.newRecord(id: "deb_events1", question: "Should we adopt a monorepo?"), sink: log.sink)
        let flaky = ScriptedAgent("flaky") { req, _ in
            if req.phase == .critique { throw AgentError.badResponse("no critique today") }
            return "flaky thinks the answer is option flaky because reasons."
        }
        _ = await runDebate([ScriptedAgent.voting("a"), ScriptedAgent.voting("b"), flaky], config: DebateConfig(rounds: 1, consensus: .none, seed: 2),
                            log: log)
        return log.events
    }

    func check<P: DebateEventPayload>(_ type: P.Type, _ event: DebateEvent) throws {
        let payload = try #require(event.payload(as: P.self), "\(event.type) does not decode as \(P.self): \(event.data)")
        #expect(payload.json == event.data, "\(P.self).json")
        #expect(JSONValue(shape: payload) == event.data, "\(P.self)'s Codable shape")
    }

    @Test func everyEmittedPayloadIsItsTypesShape() async throws {
        let events = await Self.events()
        let seen = Set(events.map(\.type))
        #expect(seen == Set(Self.types.keys).subtracting([.tokenDelta, .debateResumed]), "\(seen)")
        for event in events {
            let type = try #require(Self.types[event.type])
            try check(type, event)
        }
        // The two the engine's debates above do not emit: a streamed piece and a takeover.
        for (type, payload) in [(DebateEventType.tokenDelta, TokenDeltaEvent(delta: "Tea", phase: "propose").json),
                                (.debateResumed, DebateResumedEvent(fromSeq: 7, debateID: "deb_x").json)] {
            try check(Self.types[type]!, DebateEvent(type: type, data: payload, timestamp: 0, round: nil, agent: nil, seq: 1, agentSeq: nil, loopID: "deb_x"))
        }
        let judgment = try #require(events.compactMap { $0.payload(as: SynthesisEvent.self) }.first { $0.method == "judge" })
        #expect(!judgment.content.isEmpty)
        #expect(events.compactMap { $0.payload(as: DebateEndEvent.self) }.first?.receiptDigest?.count == 64)
        #expect(events.compactMap { $0.payload(as: AgentErrorEvent.self) }.first?.failure.agent == "flaky")
    }

    /// The consensus event's fields are built directly from the result: they must be the result's own Codable shape,
    /// with every optional present and absent.
    @Test func theConsensusEventCarriesTheResultsShape() throws {
        let results = [
            ConsensusResult(method: .majority, reached: true, confidence: 0.1 + 0.2, finalAnswer: "A \"q\"", winner: "a",
                            supportingAgents: ["a", "b"], dissentingAgents: ["c"],
                            dissent: [Dissent(agent: "c", choice: "b", reason: "r"), Dissent(agent: "d", choice: nil, reason: "")],
                            summary: "2 of 3", validVotes: 3, quorum: 2),
            ConsensusResult(method: .judge, reached: false, confidence: nil, finalAnswer: "", winner: nil, supportingAgents: [],
                            dissentingAgents: [], dissent: [], summary: "none"),
        ]
        for result in results {
            var fields = try #require(ConsensusEvent(result, roundSummaries: []).json.objectValue)
            #expect(fields.removeValue(forKey: "round_summaries") == .array([]))
            #expect(JSONValue.object(fields) == JSONValue(shape: result))
        }
    }

    @Test func aPayloadOfAnotherTypeIsNotDecoded() async throws {
        let start = try #require(await Self.events().first)
        #expect(start.payload(as: DebateStartEvent.self) != nil)
        #expect(start.payload(as: VoteEvent.self) == nil)
    }
}
