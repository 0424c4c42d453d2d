import Foundation

/// Event types of CONTRACT §5.
public enum DebateEventType: String, Sendable, Codable, CaseIterable {
    case debateStart = "debate_start"
    case roundStart = "round_start"
    case agentMessage = "agent_message"
    case tokenDelta = "token_delta"
    case critique
    case vote
    case consensus
    case synthesis
    case agentError = "agent_error"
    case debateEnd = "debate_end"
    case heartbeat
    case error
    /// Live only, never stored: the debate was taken over from a checkpoint and goes on from `seq` (= `data.from_seq`).
    /// A follower drops whatever it was shown after that seq; the events that follow are the ones stored.
    case debateResumed = "debate_resumed"

}

/// The envelope every live event travels in, over WebSocket, SSE, polling and the CLI.
/// `seq` counts from 1 per debate without gaps; `agentSeq` counts per agent.
public struct DebateEvent: Sendable, Codable, Equatable {
    public var type: DebateEventType
    public var data: JSONValue
    public var timestamp: Double
    public var round: Int?
    public var agent: String?
    public var seq: Int
    public var agentSeq: Int?
    public var loopID: String

    public init(type: DebateEventType, data: JSONValue, timestamp: Double, round: Int?, agent: String?, seq: Int,
                agentSeq: Int?, loopID: String) {
        self.type = type
        self.data = data
        self.timestamp = timestamp
        self.round = round
        self.agent = agent
        self.seq = seq
        self.agentSeq = agentSeq
        self.loopID = loopID
    }

    enum CodingKeys: String, CodingKey {
        case type, data, timestamp, round, agent, seq, agentSeq = "agent_seq", loopID = "loop_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(DebateEventType.self, forKey: .type)
        data = try c.decodeIfPresent(JSONValue.self, forKey: .data) ?? .null
        timestamp = try c.decodeIfPresent(Double.self, forKey: .timestamp) ?? 0
        round = try c.decodeIfPresent(Int.self, forKey: .round)
        agent = try c.decodeIfPresent(String.self, forKey: .agent)
        seq = try c.decode(Int.self, forKey: .seq)
        agentSeq = try c.decodeIfPresent(Int.self, forKey: .agentSeq)
        loopID = try c.decode(String.self, forKey: .loopID)
    }

    /// Every envelope key is present; absent values are `null` (CONTRACT §5).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(data, forKey: .data)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(round, forKey: .round)
        try c.encode(agent, forKey: .agent)
        try c.encode(seq, forKey: .seq)
        try c.encode(agentSeq, forKey: .agentSeq)
        try c.encode(loopID, forKey: .loopID)
    }

    /// The envelope as one compact JSON object, as it travels on every channel and is stored: the bytes of its
    /// `Codable` shape (the same keys in the same order, `JSONShapeTests`), written field by field because every
    /// event of every debate passes here and the generic encoder's metadata lookups were most of its cost.
    public func serialized() -> String {
        var w = JSONObjectWriter(capacity: 160)
        w.add("type", .string(type.rawValue))
        w.add("data", data)
        w.add("timestamp", .double(timestamp))
        w.add("round", round.map(JSONValue.int) ?? .null)
        w.add("agent", agent.map(JSONValue.string) ?? .null)
        w.add("seq", .int(seq))
        w.add("agent_seq", agentSeq.map(JSONValue.int) ?? .null)
        w.add("loop_id", .string(loopID))
        return String(decoding: w.finished(), as: UTF8.self)
    }

    /// Reads an envelope back; nil when the text is not one.
    public static func decode(_ text: String) -> DebateEvent? {
        try? JSONDecoder().decode(DebateEvent.self, from: Data(text.utf8))
    }
}

/// Receives a debate's events in order. Called from the engine's task; must not block.
public typealias DebateEventSink = @Sendable (DebateEvent) -> Void
