import Foundation

/// The `data` of one event type: a `Codable` type per event, emitted by the engine (`DebateRun`), decoded by readers
/// (`DebateEvent.payload(as:)`: the command line's view, tests), and described in the OpenAPI document.
///
/// Events are emitted on the hot path, so each payload also builds its JSON directly (`json`), as `TokenUsage.json`
/// does; `EventPayloadTests` proves `json` is exactly the Codable shape for every type, so the two cannot drift.
public protocol DebateEventPayload: Codable, Sendable, Equatable {
    static var eventType: DebateEventType { get }
    var json: JSONValue { get }
}

extension DebateEvent {
    /// The typed payload, when this event is of `T`'s type and its data decodes as `T`.
    public func payload<T: DebateEventPayload>(as type: T.Type) -> T? {
        guard self.type == T.eventType else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(data.serialized().utf8))
    }
}

/// `debate_start`: what is about to be debated, by whom.
public struct DebateStartEvent: DebateEventPayload {
    public static let eventType = DebateEventType.debateStart
    public var task: String
    public var agents: [String]
    public var rounds: Int
    public var consensus: String
    public var judge: String?

    public init(task: String, agents: [String], rounds: Int, consensus: String, judge: String?) {
        (self.task, self.agents, self.rounds, self.consensus, self.judge) = (task, agents, rounds, consensus, judge)
    }

    enum CodingKeys: String, CodingKey { case task, agents, rounds, consensus, judge }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(agents, forKey: .agents)
        try c.encode(rounds, forKey: .rounds)
        try c.encode(consensus, forKey: .consensus)
        try c.encode(judge, forKey: .judge)
    }

    public var json: JSONValue {
        ["task": .string(task), "agents": JSONValue(agents), "rounds": .int(rounds), "consensus": .string(consensus), "judge": JSONValue(judge)]
    }
}

/// `round_start`: a round begins (`propose` or `revise`), with how the previous one ended.
public struct RoundStartEvent: DebateEventPayload {
    public static let eventType = DebateEventType.roundStart
    public var round: Int
    public var totalRounds: Int
    public var phase: String
    public var agents: [String]
    public var previousRound: RoundSummary?

    public init(round: Int, totalRounds: Int, phase: String, agents: [String], previousRound: RoundSummary?) {
        (self.round, self.totalRounds, self.phase, self.agents, self.previousRound) = (round, totalRounds, phase, agents, previousRound)
    }

    enum CodingKeys: String, CodingKey { case round, totalRounds = "total_rounds", phase, agents, previousRound = "previous_round" }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["round": .int(round), "total_rounds": .int(totalRounds), "phase": .string(phase), "agents": JSONValue(agents)]
        if let previousRound { o["previous_round"] = previousRound.json }
        return .object(o)
    }
}

/// `agent_message`: a proposal or revision, with the debate's spend so far.
public struct AgentMessageEvent: DebateEventPayload {
    public static let eventType = DebateEventType.agentMessage
    public var content: String
    /// `proposal` or `revision`.
    public var role: String
    public var phase: String
    public var debateUsage: TokenUsage

    public init(content: String, role: String, phase: String, debateUsage: TokenUsage) {
        (self.content, self.role, self.phase, self.debateUsage) = (content, role, phase, debateUsage)
    }

    enum CodingKeys: String, CodingKey { case content, role, phase, debateUsage = "debate_usage" }

    public var json: JSONValue {
        ["content": .string(content), "role": .string(role), "phase": .string(phase), "debate_usage": debateUsage.json]
    }
}

/// `token_delta`: a piece of text as an agent writes it (live only).
public struct TokenDeltaEvent: DebateEventPayload {
    public static let eventType = DebateEventType.tokenDelta
    public var delta: String
    public var phase: String

    public init(delta: String, phase: String) { (self.delta, self.phase) = (delta, phase) }

    public var json: JSONValue { ["delta": .string(delta), "phase": .string(phase)] }
}

/// `critique`: one agent's critique of another's answer (the event's `agent` is the critic).
public struct CritiqueEvent: DebateEventPayload {
    public static let eventType = DebateEventType.critique
    public var target: String
    public var issues: [String]
    public var suggestions: [String]
    public var severity: Double
    public var debateUsage: TokenUsage

    public init(_ c: Critique, debateUsage: TokenUsage) {
        (target, issues, suggestions, severity, self.debateUsage) = (c.target, c.issues, c.suggestions, c.severity, debateUsage)
    }

    enum CodingKeys: String, CodingKey { case target, issues, suggestions, severity, debateUsage = "debate_usage" }

    public var json: JSONValue {
        ["target": .string(target), "issues": JSONValue(issues), "suggestions": JSONValue(suggestions), "severity": .double(severity),
         "debate_usage": debateUsage.json]
    }
}

/// `vote`: one agent's vote (the event's `agent` is the voter).
public struct VoteEvent: DebateEventPayload {
    public static let eventType = DebateEventType.vote
    public var choice: String
    public var confidence: Double
    public var reasoning: String
    public var debateUsage: TokenUsage

    public init(_ v: Vote, debateUsage: TokenUsage) {
        (choice, confidence, reasoning, self.debateUsage) = (v.choice, v.confidence, v.reasoning, debateUsage)
    }

    enum CodingKeys: String, CodingKey { case choice, confidence, reasoning, debateUsage = "debate_usage" }

    public var json: JSONValue {
        ["choice": .string(choice), "confidence": .double(confidence), "reasoning": .string(reasoning), "debate_usage": debateUsage.json]
    }
}

/// `synthesis`: the judge's final answer (`method` judge) or the synthesis of all positions (`none`).
public struct SynthesisEvent: DebateEventPayload {
    public static let eventType = DebateEventType.synthesis
    public var content: String
    public var method: String
    public var debateUsage: TokenUsage

    public init(content: String, method: String, debateUsage: TokenUsage) {
        (self.content, self.method, self.debateUsage) = (content, method, debateUsage)
    }

    enum CodingKeys: String, CodingKey { case content, method, debateUsage = "debate_usage" }

    public var json: JSONValue { ["content": .string(content), "method": .string(method), "debate_usage": debateUsage.json] }
}

/// `consensus`: the outcome (the record's `consensus`) and every round's summary.
public struct ConsensusEvent: DebateEventPayload {
    public static let eventType = DebateEventType.consensus
    public var result: ConsensusResult
    public var roundSummaries: [RoundSummary]

    public init(_ result: ConsensusResult, roundSummaries: [RoundSummary]) { (self.result, self.roundSummaries) = (result, roundSummaries) }

    enum CodingKeys: String, CodingKey { case roundSummaries = "round_summaries" }

    /// The result's own keys, flat, beside `round_summaries`.
    public init(from decoder: any Decoder) throws {
        result = try ConsensusResult(from: decoder)
        roundSummaries = try decoder.container(keyedBy: CodingKeys.self).decode([RoundSummary].self, forKey: .roundSummaries)
    }

    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }

    public var json: JSONValue {
        var o = result.jsonFields
        o["round_summaries"] = .array(roundSummaries.map(\.json))
        return .object(o)
    }
}

/// `agent_error`: a step an agent failed (the record's `failures` entry).
public struct AgentErrorEvent: DebateEventPayload {
    public static let eventType = DebateEventType.agentError
    public var failure: AgentFailure

    public init(_ failure: AgentFailure) { self.failure = failure }
    public init(from decoder: any Decoder) throws { failure = try AgentFailure(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try failure.encode(to: encoder) }
    public var json: JSONValue { JSONValue(shape: failure) }
}

/// `debate_end`: how the debate ended, what it cost, and its receipt's digest.
public struct DebateEndEvent: DebateEventPayload {
    public static let eventType = DebateEventType.debateEnd
    public var status: DebateStatus
    public var roundsUsed: Int
    public var consensusReached: Bool
    public var confidence: Double?
    public var finalAnswer: String?
    public var durationSeconds: Double
    public var usage: TokenUsage
    public var usageByAgent: [String: TokenUsage]
    public var error: String?
    public var receiptDigest: String?

    public init(_ r: DebateRecord) {
        status = r.status
        roundsUsed = r.roundsUsed
        consensusReached = r.consensusReached
        confidence = r.confidence
        finalAnswer = r.finalAnswer
        durationSeconds = r.durationSeconds ?? 0
        usage = r.usage
        usageByAgent = r.agentUsage
        error = r.error
        receiptDigest = r.receipt?.digest
    }

    enum CodingKeys: String, CodingKey {
        case status, roundsUsed = "rounds_used", consensusReached = "consensus_reached", confidence, finalAnswer = "final_answer"
        case durationSeconds = "duration_seconds", usage, usageByAgent = "usage_by_agent", error, receiptDigest = "receipt_digest"
    }

    /// Every key but `receipt_digest` is written, null when absent.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(roundsUsed, forKey: .roundsUsed)
        try c.encode(consensusReached, forKey: .consensusReached)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(finalAnswer, forKey: .finalAnswer)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(usage, forKey: .usage)
        try c.encode(usageByAgent, forKey: .usageByAgent)
        try c.encode(error, forKey: .error)
        try c.encodeIfPresent(receiptDigest, forKey: .receiptDigest)
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "status": .string(status.rawValue), "rounds_used": .int(roundsUsed), "consensus_reached": .bool(consensusReached),
            "confidence": JSONValue(confidence), "final_answer": JSONValue(finalAnswer), "duration_seconds": .double(durationSeconds),
            "usage": usage.json, "usage_by_agent": .object(usageByAgent.mapValues(\.json)), "error": JSONValue(error),
        ]
        if let receiptDigest { o["receipt_digest"] = .string(receiptDigest) }
        return .object(o)
    }
}

/// `debate_resumed` (live only, never stored): the debate was taken over from a checkpoint and goes on from `from_seq`.
public struct DebateResumedEvent: DebateEventPayload {
    public static let eventType = DebateEventType.debateResumed
    public var fromSeq: Int
    public var debateID: String

    public init(fromSeq: Int, debateID: String) { (self.fromSeq, self.debateID) = (fromSeq, debateID) }

    enum CodingKeys: String, CodingKey { case fromSeq = "from_seq", debateID = "debate_id" }

    public var json: JSONValue { ["from_seq": .int(fromSeq), "debate_id": .string(debateID)] }
}
