import Foundation

/// Applies a vote-counting consensus method to one round's valid votes.
///
/// Below the quorum (`quorum` valid votes; by default more than half of the panel) there is no consensus,
/// whatever the votes say, and no confidence: a share of too few votes is not a figure anyone gave.
/// Each vote weighs its confidence (times the voter's ELO / 1500 for `weighted`). The answer with the
/// largest weight wins; a tie at the top is never consensus. Its share of all the weight decides
/// `majority` (> 1/2), `weighted` (> 1/2) and `supermajority` (>= 2/3). `unanimous` needs every agent other
/// than the winner's author to have voted for it (agents never vote for themselves).
public struct ConsensusRule: Sendable {
    public var method: ConsensusMethod
    public var ratings: [String: Double]

    public init(method: ConsensusMethod, ratings: [String: Double] = [:]) {
        self.method = method
        self.ratings = ratings
    }

    public struct Tally: Sendable, Equatable {
        /// Agent name -> summed vote weight, for agents that received votes.
        public var weights: [String: Double]
        public var total: Double
        /// The unique leader, nil on a tie or with no votes.
        public var leader: String?
        public var share: Double
        public var tiedLeaders: [String]
    }

    public func tally(_ votes: [Vote], order: [String]) -> Tally {
        var weights: [String: Double] = [:]
        var total = 0.0
        for v in votes {
            let w = weight(of: v)
            weights[v.choice, default: 0] += w
            total += w
        }
        let top = weights.values.max() ?? 0
        let leaders = order.filter { n in weights[n].map { abs($0 - top) < 1e-9 } ?? false }
        let leader = leaders.count == 1 && top > 0 ? leaders[0] : nil
        return Tally(weights: weights, total: total, leader: leader, share: total > 0 ? top / total : 0,
                     tiedLeaders: leaders.count > 1 ? leaders : [])
    }

    func weight(of vote: Vote) -> Double {
        let c = max(0, vote.confidence)
        guard method == .weighted else { return c }
        return c * (ratings[vote.agent] ?? EloRating.initial) / EloRating.initial
    }

    /// Decides the outcome of `votes` among `agents` (the active panel, in order) and their `answers`;
    /// `requested` votes were asked for (by default as many as came), `quorum` valid ones are needed (the engine
    /// always says how many: `DebateRecord.requiredVotes`).
    /// For `judge` and `none` this is the provisional vote-based outcome (majority rule) used for early stop.
    public func decide(votes: [Vote], agents: [String], answers: [Position], requested: Int? = nil, quorum: Int = 0) -> ConsensusResult {
        let requested = requested ?? votes.count
        let t = tally(votes, order: agents)
        let answerOf = Dictionary(answers.map { ($0.agent, $0.content) }, uniquingKeysWith: { a, _ in a })
        guard votes.count >= quorum else {
            let dissent = votes.map { Dissent(agent: $0.agent, choice: $0.choice, reason: $0.reasoning) }
            return ConsensusResult(method: method, reached: false, confidence: nil, finalAnswer: Self.noConsensusAnswer(answers),
                                   winner: nil, supportingAgents: [], dissentingAgents: agents, dissent: dissent,
                                   summary: "no consensus: \(votes.count) of \(requested) votes valid (\(quorum) needed)",
                                   validVotes: votes.count, quorum: quorum)
        }
        guard let winner = t.leader else {
            let summary = votes.isEmpty ? "no votes were cast"
                : "tie between \(t.tiedLeaders.joined(separator: ", ")) at \(Self.percent(t.share)) each"
            let dissent = votes.map { Dissent(agent: $0.agent, choice: $0.choice, reason: $0.reasoning) }
            return ConsensusResult(method: method, reached: false, confidence: votes.isEmpty ? nil : t.share,
                                   finalAnswer: Self.noConsensusAnswer(answers), winner: nil, supportingAgents: [],
                                   dissentingAgents: agents, dissent: dissent, summary: summary, validVotes: votes.count, quorum: quorum)
        }
        let supporters = votes.filter { $0.choice == winner }.map(\.agent)
        let dissenters = votes.filter { $0.choice != winner && $0.agent != winner }
        let voted = Set(votes.map(\.agent))
        let abstained = agents.filter { $0 != winner && !voted.contains($0) }
        let reached: Bool
        switch method {
        case .majority, .weighted, .judge, .none: reached = t.share > 0.5
        case .supermajority: reached = t.share >= 2.0 / 3.0 - 1e-9
        case .unanimous: reached = dissenters.isEmpty && abstained.isEmpty
        }
        var dissent = dissenters.map { Dissent(agent: $0.agent, choice: $0.choice, reason: $0.reasoning) }
        dissent += abstained.map { Dissent(agent: $0, choice: nil, reason: "cast no valid vote") }
        let weightWord = method == .weighted ? "ELO-weighted" : "confidence-weighted"
        let rule: String
        switch method {
        case .supermajority: rule = "needs at least 67%"
        case .unanimous: rule = reached ? "every other agent agreed" : "\(dissent.count) agent(s) did not agree"
        default: rule = "needs more than 50%"
        }
        let summary = "\(supporters.count) of \(votes.count) votes (\(Self.percent(t.share)) \(weightWord)) for \(winner); \(rule)"
        return ConsensusResult(
            method: method, reached: reached, confidence: t.share,
            finalAnswer: reached ? (answerOf[winner] ?? "") : Self.noConsensusAnswer(answers), winner: winner,
            supportingAgents: [winner] + supporters.filter { $0 != winner },
            dissentingAgents: dissent.map(\.agent), dissent: dissent, summary: summary, validVotes: votes.count, quorum: quorum)
    }

    static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

    /// Without consensus the final answer is still useful: every position, labelled.
    static func noConsensusAnswer(_ answers: [Position]) -> String {
        guard !answers.isEmpty else { return "" }
        return "No consensus. Positions:\n" + answers.map { "- \($0.agent): \($0.content)" }.joined(separator: "\n")
    }
}
