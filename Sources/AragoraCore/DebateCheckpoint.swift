import Foundation

/// Everything needed to continue a debate after a restart, saved after every completed phase: the record
/// so far, and where to resume (`progress`), which is stored beside the record.
public struct DebateCheckpoint: Sendable, Equatable {
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

    /// A fresh start for a new (or never checkpointed) debate.
    public init(starting record: DebateRecord) {
        self.init(record: record, active: record.agents.map(\.name))
    }

    /// Where to resume, without the record: the stored form of a checkpoint.
    public struct Progress: Sendable, Codable, Equatable {
        public var round: Int
        public var step: Step
        public var active: [String]
        public var consecutiveFailures: [String: Int]
        public var seq: Int
        public var agentSeq: [String: Int]

        public init(round: Int, step: Step, active: [String], consecutiveFailures: [String: Int], seq: Int, agentSeq: [String: Int]) {
            self.round = round
            self.step = step
            self.active = active
            self.consecutiveFailures = consecutiveFailures
            self.seq = seq
            self.agentSeq = agentSeq
        }

        enum CodingKeys: String, CodingKey {
            case round, step, active, seq
            case consecutiveFailures = "consecutive_failures", agentSeq = "agent_seq"
        }
    }

    public var progress: Progress {
        Progress(round: round, step: step, active: active, consecutiveFailures: consecutiveFailures, seq: seq, agentSeq: agentSeq)
    }

    public init(record: DebateRecord, progress p: Progress) {
        self.init(record: record, round: p.round, step: p.step, active: p.active, consecutiveFailures: p.consecutiveFailures,
                  seq: p.seq, agentSeq: p.agentSeq)
    }
}
