import AragoraCore

/// The figures of one configuration over the items it answered, and paired comparisons between configurations.
public struct EvalSummary: Sendable, Equatable {
    public var configuration: String
    public var correct: Int
    public var total: Int
    public var low: Double
    public var high: Double
    public var calls: Int
    public var usage: TokenUsage
    public var seconds: Double

    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }

    /// One row per configuration, in the order first seen.
    public static func rows(_ outcomes: [EvalOutcome]) -> [EvalSummary] {
        var order: [String] = []
        var byConfiguration: [String: [EvalOutcome]] = [:]
        for o in outcomes {
            if byConfiguration[o.configuration] == nil { order.append(o.configuration) }
            byConfiguration[o.configuration, default: []].append(o)
        }
        return order.map { name in
            let list = byConfiguration[name]!
            let correct = list.filter(\.correct).count
            let (low, high) = EvalStatistics.wilson(correct: correct, total: list.count)
            return EvalSummary(configuration: name, correct: correct, total: list.count, low: low, high: high,
                               calls: list.map(\.calls).reduce(0, +), usage: list.map(\.usage).reduce(TokenUsage(), +),
                               seconds: list.map(\.seconds).reduce(0, +))
        }
    }

    /// `first` against `second` on the items both answered: how many only each got right, and the exact McNemar p.
    public struct Comparison: Sendable, Equatable {
        public var first: String
        public var second: String
        public var items: Int
        public var onlyFirst: Int
        public var onlySecond: Int
        public var p: Double
    }

    public static func compare(_ first: String, _ second: String, in outcomes: [EvalOutcome]) -> Comparison {
        let a = Dictionary(outcomes.filter { $0.configuration == first }.map { ($0.item, $0.correct) }, uniquingKeysWith: { x, _ in x })
        let b = Dictionary(outcomes.filter { $0.configuration == second }.map { ($0.item, $0.correct) }, uniquingKeysWith: { x, _ in x })
        let shared = Set(a.keys).intersection(b.keys)
        let onlyFirst = shared.filter { a[$0]! && !b[$0]! }.count
        let onlySecond = shared.filter { !a[$0]! && b[$0]! }.count
        return Comparison(first: first, second: second, items: shared.count, onlyFirst: onlyFirst, onlySecond: onlySecond,
                          p: EvalStatistics.mcnemar(onlyFirst: onlyFirst, onlySecond: onlySecond))
    }
}
