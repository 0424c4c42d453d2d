import Foundation

/// Everything needed to continue a debate after a restart, saved after every completed phase: the record so
/// far, and where to resume (`progress`), which is stored beside the record. Progress fields read as the
/// checkpoint's own (`checkpoint.round`).
@dynamicMemberLookup
public struct DebateCheckpoint: Sendable, Equatable {
    public enum Step: String, Sendable, Codable {
        case answer, critique, vote, finalize, done
    }

    /// Where to resume, without the record: the stored form of a checkpoint.
    public struct Progress: Sendable, Codable, Equatable {
        /// Round of `step`, from 1.
        public var round: Int
        public var step: Step
        /// Names of the agents still on the panel.
        public var active: [String]
        public var consecutiveFailures: [String: Int]
        /// Last event sequence number emitted, overall and per agent.
        public var seq: Int
        public var agentSeq: [String: Int]
        /// The current round's critiques, valid of requested, kept until its summary is written (after the votes).
        public var critiques: RoundSummary.Count?

        public init(round: Int = 1, step: Step = .answer, active: [String], consecutiveFailures: [String: Int] = [:],
                    seq: Int = 0, agentSeq: [String: Int] = [:]) {
            self.round = round
            self.step = step
            self.active = active
            self.consecutiveFailures = consecutiveFailures
            self.seq = seq
            self.agentSeq = agentSeq
        }

        enum CodingKeys: String, CodingKey {
            case round, step, active, seq, critiques
            case consecutiveFailures = "consecutive_failures", agentSeq = "agent_seq"
        }
    }

    public var record: DebateRecord
    public var progress: Progress

    public init(record: DebateRecord, progress: Progress) {
        self.record = record
        self.progress = progress
    }

    /// A fresh start for a new (or never checkpointed) debate.
    public init(starting record: DebateRecord) {
        self.init(record: record, progress: Progress(active: record.agents.map(\.name)))
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<Progress, T>) -> T {
        get { progress[keyPath: keyPath] }
        set { progress[keyPath: keyPath] = newValue }
    }
}
