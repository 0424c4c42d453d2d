import Foundation

/// How the panel's final answer is decided.
public enum ConsensusMethod: String, Sendable, Codable, CaseIterable {
    /// More than half of the confidence-weighted votes.
    case majority
    /// At least two thirds of the confidence-weighted votes.
    case supermajority
    /// Every agent but the winner's author votes for the winner.
    case unanimous
    /// Votes weighted by confidence and by the voter's ELO rating; more than half wins.
    case weighted
    /// A judge reads the final answers, critiques and votes and writes the final answer.
    case judge
    /// No vote: one agent writes a synthesis of all positions.
    case none

    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// Everything that shapes one debate run, besides its agents and question.
public struct DebateConfig: Sendable {
    public var rounds: Int
    public var consensus: ConsensusMethod
    /// Seeds the demo agents; the same seed gives the same transcript.
    public var seed: UInt64
    /// Upper bound for one agent call; a call past it is that agent's failure for that step.
    public var callTimeout: Duration
    /// Stop before `rounds` when consensus is reached and every position has converged.
    public var earlyStop: Bool
    /// Convergence thresholds (similarity of an agent's answer to its own previous one).
    public var convergedThreshold: Double
    public var divergingThreshold: Double
    /// Upper bound for the whole debate; past it the debate ends with status `timeout`.
    public var debateTimeout: Duration?
    /// ELO ratings by agent name, for the `weighted` method (missing agents count as 1500).
    public var ratings: [String: Double]
    /// Most the debate may spend, in USD: it stops before a phase whose projected cost would pass it.
    public var budgetUSD: Double?
    /// Blind review: critics, voters and the judge see "Answer A", "Answer B"..., shuffled per reader.
    public var blind: Bool
    /// Valid votes needed for consensus; nil: more than half of the panel.
    public var quorum: Int?

    public init(rounds: Int = 3, consensus: ConsensusMethod = .judge, seed: UInt64 = 0,
                callTimeout: Duration = .seconds(120), earlyStop: Bool = true,
                convergedThreshold: Double = 0.85, divergingThreshold: Double = 0.40,
                debateTimeout: Duration? = nil, ratings: [String: Double] = [:], budgetUSD: Double? = nil,
                blind: Bool = true, quorum: Int? = nil) {
        self.blind = blind
        self.quorum = quorum
        self.rounds = rounds
        self.consensus = consensus
        self.seed = seed
        self.callTimeout = callTimeout
        self.earlyStop = earlyStop
        self.convergedThreshold = convergedThreshold
        self.divergingThreshold = divergingThreshold
        self.debateTimeout = debateTimeout
        self.ratings = ratings
        self.budgetUSD = budgetUSD
    }
}
