import Foundation

/// Where a debate is in its life. Terminal states never change again.
public enum DebateStatus: String, Sendable, Codable, CaseIterable {
    case created, running, completed, error, cancelled, timeout

    public var isTerminal: Bool {
        switch self {
        case .created, .running: return false
        case .completed, .error, .cancelled, .timeout: return true
        }
    }
}

/// One answer in the transcript (a proposal, a revision, a judgment or a synthesis).
public struct DebateMessage: Sendable, Codable, Equatable {
    /// `proposal`, `revision`, `judgment` or `synthesis`.
    public var role: String
    public var agent: String
    public var content: String
    public var round: Int
    public var timestamp: Double

    public init(role: String, agent: String, content: String, round: Int, timestamp: Double) {
        self.role = role
        self.agent = agent
        self.content = content
        self.round = round
        self.timestamp = timestamp
    }
}

public struct Critique: Sendable, Codable, Equatable {
    public var agent: String
    public var target: String
    public var issues: [String]
    public var suggestions: [String]
    /// 0 (cosmetic) to 10 (fatal).
    public var severity: Double
    public var round: Int

    public init(agent: String, target: String, issues: [String], suggestions: [String], severity: Double, round: Int) {
        self.agent = agent
        self.target = target
        self.issues = issues
        self.suggestions = suggestions
        self.severity = severity
        self.round = round
    }
}

public struct Vote: Sendable, Codable, Equatable {
    public var agent: String
    /// The name of the agent whose answer was chosen.
    public var choice: String
    public var confidence: Double
    public var reasoning: String
    public var round: Int

    public init(agent: String, choice: String, confidence: Double, reasoning: String, round: Int) {
        self.agent = agent
        self.choice = choice
        self.confidence = confidence
        self.reasoning = reasoning
        self.round = round
    }
}

/// Why one agent disagrees with the outcome.
public struct Dissent: Sendable, Codable, Equatable {
    public var agent: String
    public var choice: String?
    public var reason: String

    public init(agent: String, choice: String?, reason: String) {
        self.agent = agent
        self.choice = choice
        self.reason = reason
    }
}

public struct ConsensusResult: Sendable, Codable, Equatable {
    public var method: ConsensusMethod
    public var reached: Bool
    /// A figure someone gave or counted: the winner's share of the vote weight, or the judge's own confidence.
    /// nil when there is none (no valid vote, a judge that gave none): never a default.
    public var confidence: Double?
    public var finalAnswer: String
    /// The agent whose answer won, when one did.
    public var winner: String?
    public var supportingAgents: [String]
    public var dissentingAgents: [String]
    public var dissent: [Dissent]
    /// Human explanation: "2 of 3 weighted votes (71%) for demo-skeptic", "no consensus: 1 of 3 votes valid".
    public var summary: String
    /// Valid votes of the deciding round, and how many were needed (the quorum); nil in records written before
    /// quorums and for `none`.
    public var validVotes: Int?
    public var quorum: Int?

    public init(method: ConsensusMethod, reached: Bool, confidence: Double?, finalAnswer: String, winner: String?,
                supportingAgents: [String], dissentingAgents: [String], dissent: [Dissent], summary: String,
                validVotes: Int? = nil, quorum: Int? = nil) {
        self.method = method
        self.reached = reached
        self.confidence = confidence
        self.finalAnswer = finalAnswer
        self.winner = winner
        self.supportingAgents = supportingAgents
        self.dissentingAgents = dissentingAgents
        self.dissent = dissent
        self.summary = summary
        self.validVotes = validVotes
        self.quorum = quorum
    }

    enum CodingKeys: String, CodingKey {
        case method, reached, confidence, winner, dissent, summary, quorum
        case finalAnswer = "final_answer", supportingAgents = "supporting_agents"
        case dissentingAgents = "dissenting_agents", validVotes = "valid_votes"
    }

    /// The Codable shape's fields as values, for the consensus event: written by the record's own writer
    /// (`storedJSON`) and read back, instead of encoded generically and parsed back twice (2.5% of a demo debate's
    /// CPU in the service, docs/benchmarks.md).
    var jsonFields: [String: JSONValue] {
        var w = JSONObjectWriter(capacity: 512)
        w.write(self)
        return JSONValue.parse(bytes: w.finished())?.objectValue ?? [:]
    }

    /// `confidence` is written as null when absent: readers see every key.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(reached, forKey: .reached)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(finalAnswer, forKey: .finalAnswer)
        try c.encode(winner, forKey: .winner)
        try c.encode(supportingAgents, forKey: .supportingAgents)
        try c.encode(dissentingAgents, forKey: .dissentingAgents)
        try c.encode(dissent, forKey: .dissent)
        try c.encode(summary, forKey: .summary)
        try c.encodeIfPresent(validVotes, forKey: .validVotes)
        try c.encodeIfPresent(quorum, forKey: .quorum)
    }
}

/// A step an agent failed: an error, a timeout or a reply that could not be understood.
public struct AgentFailure: Sendable, Codable, Equatable {
    public var agent: String
    public var round: Int
    public var phase: DebatePhase
    public var error: String
    /// True when the agent was removed from the panel after this failure.
    public var removed: Bool
    /// `timeout`, `rate_limit`, `server`, `network`, `auth`, `quota`, `bad_response`, `bad_reply` (the reply did not parse), `error` (unclassified) or `cancelled`; absent in
    /// records written before failures were classified.
    public var kind: String?

    public init(agent: String, round: Int, phase: DebatePhase, error: String, removed: Bool, kind: String? = nil) {
        self.agent = agent
        self.round = round
        self.phase = phase
        self.error = error
        self.removed = removed
        self.kind = kind
    }
}

/// How positions moved in one round, and how many of its critiques and votes were valid.
public struct RoundSummary: Sendable, Codable, Equatable {
    public var round: Int
    /// `converged`, `refining` or `diverging`; `initial` for round 1 (nothing to compare with).
    public var convergence: String
    /// Each agent's similarity to its own previous answer.
    public var similarity: [String: Double]
    /// Whether the votes of this round met the consensus rule, with its quorum of valid votes.
    public var consensusReached: Bool
    /// Critiques and votes asked for this round and how many came back valid; nil in older records.
    public var critiques: Count?
    public var votes: Count?

    public struct Count: Sendable, Codable, Equatable {
        public var valid: Int
        public var requested: Int
        /// Replies that needed their one repair attempt (valid or not after it).
        public var repaired: Int
        public init(valid: Int, requested: Int, repaired: Int = 0) { (self.valid, self.requested, self.repaired) = (valid, requested, repaired) }
        var json: JSONValue { ["valid": .int(valid), "requested": .int(requested), "repaired": .int(repaired)] }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            valid = try c.decode(Int.self, forKey: .valid)
            requested = try c.decode(Int.self, forKey: .requested)
            repaired = try c.decodeIfPresent(Int.self, forKey: .repaired) ?? 0
        }
    }

    /// The Codable shape, built directly.
    var json: JSONValue {
        var o: [String: JSONValue] = ["round": .int(round), "convergence": .string(convergence),
                                      "similarity": .object(similarity.mapValues(JSONValue.double)), "consensus_reached": .bool(consensusReached)]
        if let critiques { o["critiques"] = critiques.json }
        if let votes { o["votes"] = votes.json }
        return .object(o)
    }

    public init(round: Int, convergence: String, similarity: [String: Double], consensusReached: Bool,
                critiques: Count? = nil, votes: Count? = nil) {
        self.round = round
        self.convergence = convergence
        self.similarity = similarity
        self.consensusReached = consensusReached
        self.critiques = critiques
        self.votes = votes
    }

    enum CodingKeys: String, CodingKey {
        case round, convergence, similarity, critiques, votes
        case consensusReached = "consensus_reached"
    }
}

/// Under blind review, the labels under which one reader saw the answers of one round for one `purpose` (`critique`,
/// `vote` or `judge`): label -> agent. Derived from the debate's seed, so a rerun shows the same.
public struct ReviewLabels: Sendable, Codable, Equatable {
    public var round: Int
    public var reader: String
    public var purpose: String
    /// label -> agent, by label. Kept as pairs: a record holds one of these per reader, phase and round, and a
    /// dictionary of three took about twice the memory (docs/benchmarks.md, issue 25, seventh step).
    public private(set) var pairs: [Pair]

    public struct Pair: Sendable, Equatable {
        public var label: String
        public var agent: String
    }

    public var labels: [String: String] {
        Dictionary(pairs.map { ($0.label, $0.agent) }, uniquingKeysWith: { a, _ in a })
    }

    public init(round: Int, reader: String, purpose: String, labels: [String: String]) {
        self.init(round: round, reader: reader, purpose: purpose, pairs: labels.map { Pair(label: $0.key, agent: $0.value) })
    }

    init(round: Int, reader: String, purpose: String, pairs: [Pair]) {
        self.round = round
        self.reader = reader
        self.purpose = purpose
        self.pairs = pairs.sorted { $0.label < $1.label }
    }

    enum CodingKeys: String, CodingKey {
        case round, reader, purpose, labels
    }

    /// A label as a key, so the labels are written in their order.
    struct LabelKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(round: c.decode(Int.self, forKey: .round), reader: c.decode(String.self, forKey: .reader),
                      purpose: c.decode(String.self, forKey: .purpose), labels: c.decode([String: String].self, forKey: .labels))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(round, forKey: .round)
        try c.encode(reader, forKey: .reader)
        try c.encode(purpose, forKey: .purpose)
        try c.encode(InOrder(pairs: pairs), forKey: .labels)
    }

    /// The pairs as one JSON object, in their order.
    struct InOrder: Encodable {
        let pairs: [Pair]
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: LabelKey.self)
            for pair in pairs { try c.encode(pair.agent, forKey: LabelKey(stringValue: pair.label)) }
        }
    }
}

/// The whole debate: the one JSON shape returned by the API, printed by `aragora ask --json`,
/// stored, exported and hashed (in part) into the receipt.
public struct DebateRecord: Sendable, Codable, Equatable {
    public var id: String
    public var task: String
    public var context: String?
    public var status: DebateStatus
    public var agents: [AgentIdentity]
    public var judge: AgentIdentity?
    /// Rounds requested.
    public var rounds: Int
    public var roundsUsed: Int
    public var consensusMethod: ConsensusMethod
    /// Critics, voters and the judge see answers as "Answer A", "Answer B"..., not agents' names.
    public var blind: Bool
    /// Valid votes needed for consensus; nil: more than half of the panel.
    public var quorum: Int?
    /// Under blind review, who was shown as which label (per round and reader).
    public var reviewLabels: [ReviewLabels] = []
    public var consensus: ConsensusResult?
    public var messages: [DebateMessage]
    public var critiques: [Critique]
    public var votes: [Vote]
    public var roundSummaries: [RoundSummary]
    public var failures: [AgentFailure]
    public var usage: TokenUsage
    /// The same, per agent (by name).
    public var agentUsage: [String: TokenUsage] = [:]
    public var seed: UInt64
    public var metadata: [String: JSONValue]
    public var createdAt: Double
    public var startedAt: Double?
    public var completedAt: Double?
    public var error: String?
    public var receipt: Receipt?
    /// The instance of the service that runs (or last ran) the debate; a takeover after a crash changes it.
    public var instanceID: String?

    public init(id: String, task: String, context: String? = nil, agents: [AgentIdentity], judge: AgentIdentity? = nil,
                rounds: Int, consensusMethod: ConsensusMethod, seed: UInt64, metadata: [String: JSONValue] = [:],
                createdAt: Double, blind: Bool = false, quorum: Int? = nil) {
        self.blind = blind
        self.quorum = quorum
        self.id = id
        self.task = task
        self.context = context
        self.status = .created
        self.agents = agents
        self.judge = judge
        self.rounds = rounds
        self.roundsUsed = 0
        self.consensusMethod = consensusMethod
        self.consensus = nil
        self.messages = []
        self.critiques = []
        self.votes = []
        self.roundSummaries = []
        self.failures = []
        self.usage = TokenUsage()
        self.seed = seed
        self.metadata = metadata
        self.createdAt = createdAt
    }

    public var consensusReached: Bool { consensus?.reached ?? false }
    public var confidence: Double? { consensus?.confidence }
    /// The quorum of valid votes this debate needs: `quorum`, else more than half of the panel.
    public var requiredVotes: Int { quorum ?? (agents.count / 2 + 1) }
    public var finalAnswer: String? { consensus?.finalAnswer }
    public var durationSeconds: Double? {
        guard let s = startedAt, let e = completedAt else { return nil }
        return max(0, e - s)
    }

    /// Each agent's latest proposal or revision.
    public func latestAnswers() -> [Position] {
        var latest: [String: String] = [:]
        for m in messages where m.role == "proposal" || m.role == "revision" { latest[m.agent] = m.content }
        return agents.compactMap { a in latest[a.name].map { Position(agent: a.name, content: $0) } }
    }

    /// The record's one JSON shape, used by the store, the API, the checkpoint, `aragora ask --json` and
    /// the exports. `consensus_reached`, `confidence`, `final_answer` and `duration_seconds` are derived: written
    /// for readers, ignored when decoding. Times are ISO 8601 strings (numbers are accepted when decoding).
    enum CodingKeys: String, CodingKey {
        case id, task, context, status, agents, judge, rounds
        case roundsUsed = "rounds_used", consensusMethod = "consensus_method", consensus, blind, quorum
        case reviewLabels = "review_labels"
        case consensusReached = "consensus_reached", confidence, finalAnswer = "final_answer"
        case messages, critiques, votes, roundSummaries = "round_summaries", failures, usage, seed, metadata
        case agentUsage = "usage_by_agent"
        case createdAt = "created_at", startedAt = "started_at", completedAt = "completed_at"
        case durationSeconds = "duration_seconds", error, receipt, instanceID = "instance_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        task = try c.decode(String.self, forKey: .task)
        context = try c.decodeIfPresent(String.self, forKey: .context)
        status = try c.decode(DebateStatus.self, forKey: .status)
        agents = try c.decode([AgentIdentity].self, forKey: .agents)
        judge = try c.decodeIfPresent(AgentIdentity.self, forKey: .judge)
        rounds = try c.decode(Int.self, forKey: .rounds)
        roundsUsed = try c.decode(Int.self, forKey: .roundsUsed)
        consensusMethod = try c.decode(ConsensusMethod.self, forKey: .consensusMethod)
        consensus = try c.decodeIfPresent(ConsensusResult.self, forKey: .consensus)
        blind = try c.decodeIfPresent(Bool.self, forKey: .blind) ?? false
        quorum = try c.decodeIfPresent(Int.self, forKey: .quorum)
        reviewLabels = try c.decodeIfPresent([ReviewLabels].self, forKey: .reviewLabels) ?? []
        messages = try c.decode([DebateMessage].self, forKey: .messages)
        critiques = try c.decode([Critique].self, forKey: .critiques)
        votes = try c.decode([Vote].self, forKey: .votes)
        roundSummaries = try c.decodeIfPresent([RoundSummary].self, forKey: .roundSummaries) ?? []
        failures = try c.decodeIfPresent([AgentFailure].self, forKey: .failures) ?? []
        usage = try c.decodeIfPresent(TokenUsage.self, forKey: .usage) ?? TokenUsage()
        agentUsage = try c.decodeIfPresent([String: TokenUsage].self, forKey: .agentUsage) ?? [:]
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        metadata = try c.decodeIfPresent([String: JSONValue].self, forKey: .metadata) ?? [:]
        createdAt = try Timestamp.decode(c, .createdAt) ?? 0
        startedAt = try Timestamp.decode(c, .startedAt)
        completedAt = try Timestamp.decode(c, .completedAt)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        receipt = try c.decodeIfPresent(Receipt.self, forKey: .receipt)
        instanceID = try c.decodeIfPresent(String.self, forKey: .instanceID)
    }

    /// Optional fields are written as `null` rather than left out: readers see every key of the shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(task, forKey: .task)
        try c.encode(context, forKey: .context)
        try c.encode(status, forKey: .status)
        try c.encode(agents, forKey: .agents)
        try c.encode(judge, forKey: .judge)
        try c.encode(rounds, forKey: .rounds)
        try c.encode(roundsUsed, forKey: .roundsUsed)
        try c.encode(consensusMethod, forKey: .consensusMethod)
        try c.encode(consensus, forKey: .consensus)
        try c.encode(blind, forKey: .blind)
        try c.encode(quorum, forKey: .quorum)
        try c.encode(reviewLabels, forKey: .reviewLabels)
        try c.encode(consensusReached, forKey: .consensusReached)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(finalAnswer, forKey: .finalAnswer)
        try c.encode(messages, forKey: .messages)
        try c.encode(critiques, forKey: .critiques)
        try c.encode(votes, forKey: .votes)
        try c.encode(roundSummaries, forKey: .roundSummaries)
        try c.encode(failures, forKey: .failures)
        try c.encode(usage, forKey: .usage)
        try c.encode(agentUsage, forKey: .agentUsage)
        try c.encode(seed, forKey: .seed)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(Timestamp.iso8601(createdAt), forKey: .createdAt)
        try c.encode(startedAt.map(Timestamp.iso8601), forKey: .startedAt)
        try c.encode(completedAt.map(Timestamp.iso8601), forKey: .completedAt)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(error, forKey: .error)
        try c.encode(receipt, forKey: .receipt)
        try c.encode(instanceID, forKey: .instanceID)
    }
}

extension DebateRecord {
    /// The record as key-sorted JSON (indented for people by default): what `aragora ask --json` prints.
    public func jsonData(pretty: Bool = true) throws -> Data {
        let value = try JSONValue(encoding: self)
        return Data((pretty ? value.prettySerialized() : value.serialized()).utf8)
    }

    public static func decode(_ data: Data) throws -> DebateRecord {
        try JSONDecoder().decode(DebateRecord.self, from: data)
    }
}
