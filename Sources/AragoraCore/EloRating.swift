import Foundation

/// ELO ratings: start 1500, K = 32. After a debate the winning answer's author beats every other agent;
/// with no consensus every pair draws. All pairs are scored against the ratings from before the debate.
public enum EloRating {
    public static let initial = 1500.0
    public static let k = 32.0

    /// Probability that a player rated `a` beats one rated `b`.
    public static func expected(_ a: Double, _ b: Double) -> Double {
        1 / (1 + pow(10, (b - a) / 400))
    }

    public enum Outcome: String, Sendable, Codable {
        case win, loss, draw
    }

    public struct Change: Sendable, Equatable {
        public var agent: String
        public var before: Double
        public var after: Double
        public var outcome: Outcome

        public init(agent: String, before: Double, after: Double, outcome: Outcome) {
            self.agent = agent
            self.before = before
            self.after = after
            self.outcome = outcome
        }
    }

    /// New ratings for `participants` after a debate won by `winner` (nil: no consensus, all draw).
    public static func update(ratings: [String: Double], participants: [String], winner: String?) -> [Change] {
        let before = Dictionary(participants.map { ($0, ratings[$0] ?? initial) }, uniquingKeysWith: { a, _ in a })
        var delta: [String: Double] = [:]
        func score(_ a: String, _ b: String, _ sa: Double) {
            let ea = expected(before[a]!, before[b]!)
            delta[a, default: 0] += k * (sa - ea)
            delta[b, default: 0] += k * ((1 - sa) - (1 - ea))
        }
        if let winner, participants.contains(winner) {
            for other in participants where other != winner { score(winner, other, 1) }
        } else {
            for i in participants.indices {
                for j in participants.indices where j > i { score(participants[i], participants[j], 0.5) }
            }
        }
        return participants.map { name in
            let outcome: Outcome = winner == nil || !participants.contains(winner!) ? .draw : (name == winner ? .win : .loss)
            return Change(agent: name, before: before[name]!, after: before[name]! + (delta[name] ?? 0), outcome: outcome)
        }
    }
}
