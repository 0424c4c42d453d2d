import AragoraCore
import Foundation

/// What one configuration answered to one item: the raw replies and what was read from them, whether it is right,
/// and what it cost. One line of `results.jsonl`.
public struct EvalOutcome: Sendable, Equatable, Codable {
    public var item: String
    /// The configuration; `single` outcomes name their agent (`single:demo-skeptic`).
    public var configuration: String
    public var raw: [String]
    /// The answer read from the replies (the majority of them, for several); nil when none could be read.
    public var extracted: String?
    public var correct: Bool
    public var calls: Int
    public var usage: TokenUsage
    public var seconds: Double
    /// The stored debate, for `debate:R`.
    public var debateID: String?

    enum CodingKeys: String, CodingKey {
        case item, configuration, raw, extracted, correct, calls, usage, seconds, debateID = "debate_id"
    }

    /// Every key on every line; no answer read and no debate are null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(item, forKey: .item)
        try c.encode(configuration, forKey: .configuration)
        try c.encode(raw, forKey: .raw)
        try c.encode(extracted, forKey: .extracted)
        try c.encode(correct, forKey: .correct)
        try c.encode(calls, forKey: .calls)
        try c.encode(usage, forKey: .usage)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(debateID, forKey: .debateID)
    }
}

/// Answers items under each configuration with the same agents and seeds. Debates go through `debate`, which the
/// command line points at the debate service (so they are stored like any other) and tests at an engine.
public struct EvalRunner: Sendable {
    public typealias DebateCall = @Sendable (_ question: String, _ rounds: Int, _ seed: UInt64) async -> DebateRecord

    public var agents: [any Agent]
    public var seed: UInt64
    public var debate: DebateCall

    public init(agents: [any Agent], seed: UInt64, debate: @escaping DebateCall) {
        self.agents = agents
        self.seed = seed
        self.debate = debate
    }

    /// The outcomes of one item under one configuration (`single`: one per agent).
    public func run(_ item: EvalItem, _ configuration: EvalConfiguration) async -> [EvalOutcome] {
        switch configuration {
        case .single:
            var out: [EvalOutcome] = []
            for agent in agents {
                out.append(await answers(item, by: [agent], samples: 1, configuration: "single:\(agent.identity.name)"))
            }
            return out
        case .selfConsistency(let n):
            guard let first = agents.first else { return [] }
            return [await answers(item, by: [first], samples: n, configuration: configuration.description)]
        case .majority:
            return [await answers(item, by: agents, samples: 1, configuration: configuration.description)]
        case .debate(let rounds):
            let started = ContinuousClock.now
            let record = await debate(item.prompt, rounds, itemSeed(item, "debate"))
            let raw = record.finalAnswer ?? ""
            let extracted = AnswerExtractor.extract(raw, kind: item.kind, choices: item.choices?.count ?? 4)
            let calls = record.messages.count + record.critiques.count + record.votes.count + record.failures.count
            return [EvalOutcome(item: item.id, configuration: configuration.description, raw: [raw], extracted: extracted,
                                correct: extracted == item.answer, calls: calls, usage: record.usage,
                                seconds: (ContinuousClock.now - started).seconds, debateID: record.id)]
        }
    }

    /// The configurations an item's outcomes under `configuration` carry: one per agent for `single`.
    public func outcomeNames(_ configuration: EvalConfiguration) -> [String] {
        if case .single = configuration { return agents.map { "single:\($0.identity.name)" } }
        return [configuration.description]
    }

    /// `samples` answers from each of `by`, one call each, read and put to a majority vote (a tie or no readable
    /// answer: none).
    func answers(_ item: EvalItem, by panel: [any Agent], samples: Int, configuration: String) async -> EvalOutcome {
        let started = ContinuousClock.now
        var raw: [String] = [], read: [String] = [], usage = TokenUsage(), calls = 0
        for agent in panel {
            for sample in 0..<samples {
                let context = DebateContext(debateID: "eval-\(item.id)", question: item.prompt, agents: [agent.identity],
                                            seed: itemSeed(item, configuration, agent.identity.name, String(sample)))
                calls += 1
                do {
                    let reply = try await agent.respond(to: PhaseRequest(phase: .propose, round: 1), in: context)
                    raw.append(reply.text)
                    usage = usage + reply.usage
                    if let answer = AnswerExtractor.extract(reply.text, kind: item.kind, choices: item.choices?.count ?? 4) { read.append(answer) }
                } catch {
                    raw.append("error: \(error)")
                }
            }
        }
        let extracted = Self.majority(read)
        return EvalOutcome(item: item.id, configuration: configuration, raw: raw, extracted: extracted, correct: extracted == item.answer,
                           calls: calls, usage: usage, seconds: (ContinuousClock.now - started).seconds, debateID: nil)
    }

    /// The answer given most often; nil on a tie at the top or with none.
    static func majority(_ answers: [String]) -> String? {
        let counts = Dictionary(answers.map { ($0, 1) }, uniquingKeysWith: +)
        guard let top = counts.values.max() else { return nil }
        let leaders = counts.filter { $0.value == top }
        return leaders.count == 1 ? leaders.first!.key : nil
    }

    func itemSeed(_ item: EvalItem, _ parts: String...) -> UInt64 {
        var rng = SeededRandom(seed: seed, ([item.id] + parts).joined(separator: "/"))
        return rng.next()
    }
}
