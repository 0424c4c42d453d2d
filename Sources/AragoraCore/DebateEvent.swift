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

    /// The envelope as one compact JSON object (sorted keys).
    public var json: JSONValue {
        [
            "type": .string(type.rawValue), "data": data, "timestamp": .double(timestamp),
            "round": round.map(JSONValue.int) ?? .null, "agent": JSONValue(agent), "seq": .int(seq),
            "agent_seq": agentSeq.map(JSONValue.int) ?? .null, "loop_id": .string(loopID),
        ]
    }

    public func serialized() -> String { json.serialized() }

    public static func parse(_ value: JSONValue) -> DebateEvent? {
        guard let o = value.objectValue, let t = o["type"]?.stringValue.flatMap(DebateEventType.init(rawValue:)),
              let seq = o["seq"]?.intValue, let loop = o["loop_id"]?.stringValue else { return nil }
        return DebateEvent(type: t, data: o["data"] ?? .null, timestamp: o["timestamp"]?.doubleValue ?? 0,
                           round: o["round"]?.intValue, agent: o["agent"]?.stringValue, seq: seq,
                           agentSeq: o["agent_seq"]?.intValue, loopID: loop)
    }
}

/// Receives a debate's events in order. Called from the engine's task; must not block.
public typealias DebateEventSink = @Sendable (DebateEvent) -> Void
