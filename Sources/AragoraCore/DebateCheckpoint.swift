import Foundation

/// Everything needed to continue a debate after a restart, saved after every completed phase.
public struct DebateCheckpoint: Sendable, Codable, Equatable {
    public enum Step: String, Sendable, Codable {
        case answer, critique, vote, finalize, done
    }

    public var record: DebateRecord
    /// Round of `step`, from 1.
    public var round: Int
    public var step: Step
    /// Names of the agents still on the panel.
    public var active: [String]
    public var consecutiveFailures: [String: Int]
    /// Last event sequence number emitted, overall and per agent.
    public var seq: Int
    public var agentSeq: [String: Int]

    public init(record: DebateRecord, round: Int = 1, step: Step = .answer, active: [String], consecutiveFailures: [String: Int] = [:],
                seq: Int = 0, agentSeq: [String: Int] = [:]) {
        self.record = record
        self.round = round
        self.step = step
        self.active = active
        self.consecutiveFailures = consecutiveFailures
        self.seq = seq
        self.agentSeq = agentSeq
    }

    enum CodingKeys: String, CodingKey {
        case record, round, step, active, seq
        case consecutiveFailures = "consecutive_failures", agentSeq = "agent_seq"
    }
}
