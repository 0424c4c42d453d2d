import Foundation

/// Who an agent is: shown in transcripts, used as the key for votes and ELO ratings.
public struct AgentIdentity: Sendable, Codable, Equatable, Hashable {
    /// Unique within a debate; votes name agents by it.
    public var name: String
    public var provider: String
    public var model: String
    public var role: String
    public var persona: String?

    public init(name: String, provider: String, model: String, role: String = "proposer", persona: String? = nil) {
        self.name = name
        self.provider = provider
        self.model = model
        self.role = role
        self.persona = persona
    }
}

/// Tokens consumed by one call (or a whole debate) and what they cost.
public struct TokenUsage: Sendable, Codable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var costUSD: Double
    /// Some of the counts were estimated from the text's length (the provider reported none). Written only when true.
    public var estimated: Bool

    public init(inputTokens: Int = 0, outputTokens: Int = 0, costUSD: Double = 0, estimated: Bool = false) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
        self.estimated = estimated
    }

    public static func + (a: TokenUsage, b: TokenUsage) -> TokenUsage {
        TokenUsage(inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens,
                   costUSD: a.costUSD + b.costUSD, estimated: a.estimated || b.estimated)
    }

    /// The Codable shape, built directly (events carry it often).
    public var json: JSONValue {
        var o: [String: JSONValue] = ["input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens), "cost_usd": .double(costUSD)]
        if estimated { o["estimated"] = .bool(true) }
        return .object(o)
    }

    /// A rough token count for text a provider did not count: about four characters per token.
    public static func estimateTokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens", outputTokens = "output_tokens", costUSD = "cost_usd", estimated
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inputTokens = try c.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0
        outputTokens = try c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        costUSD = try c.decodeIfPresent(Double.self, forKey: .costUSD) ?? 0
        estimated = try c.decodeIfPresent(Bool.self, forKey: .estimated) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputTokens, forKey: .inputTokens)
        try c.encode(outputTokens, forKey: .outputTokens)
        try c.encode(costUSD, forKey: .costUSD)
        if estimated { try c.encode(true, forKey: .estimated) }
    }
}

/// What an agent returns for one phase request.
public struct AgentReply: Sendable {
    public var text: String
    public var usage: TokenUsage
    /// Characters of quoted material left out of the prompt to fit the model's context window (see
    /// `PromptBuilder.fit`); recorded in the debate's `metadata.context_trimmed`.
    public var contextTrimmedCharacters: Int

    public init(text: String, usage: TokenUsage = TokenUsage(), contextTrimmedCharacters: Int = 0) {
        self.text = text
        self.usage = usage
        self.contextTrimmedCharacters = contextTrimmedCharacters
    }
}

/// The steps of a debate. Each agent call serves exactly one phase.
public enum DebatePhase: String, Sendable, Codable, CaseIterable {
    case propose, revise, critique, vote, judge, synthesize
}

/// An answer by a named agent, as shown to other agents.
public struct Position: Sendable, Codable, Equatable {
    public var agent: String
    public var content: String

    public init(agent: String, content: String) {
        self.agent = agent
        self.content = content
    }
}

/// One call's instructions. Fields not relevant to `phase` are empty.
public struct PhaseRequest: Sendable {
    struct Fields: Sendable {
        var phase: DebatePhase
        var round: Int
        var ownAnswer: String?
        var critiquesReceived: [Critique]
        var target: Position?
        var candidates: [Position]
        var critiques: [Critique]
        var votes: [Vote]
        var deadline: ContinuousClock.Instant?
        var repair: Repair?
    }

    /// One box per call, shared by the copies the engine and the agent keep while the call is pending (`Shared`).
    private var shared: Shared<Fields>

    public var phase: DebatePhase {
        get { shared.fields.phase }
        set { shared = shared.with(\.phase, newValue) }
    }
    public var round: Int {
        get { shared.fields.round }
        set { shared = shared.with(\.round, newValue) }
    }
    /// The agent's own current answer (revise).
    public var ownAnswer: String? {
        get { shared.fields.ownAnswer }
        set { shared = shared.with(\.ownAnswer, newValue) }
    }
    /// Critiques aimed at this agent's answer in the previous round (revise).
    public var critiquesReceived: [Critique] {
        get { shared.fields.critiquesReceived }
        set { shared = shared.with(\.critiquesReceived, newValue) }
    }
    /// The answer to critique (critique).
    public var target: Position? {
        get { shared.fields.target }
        set { shared = shared.with(\.target, newValue) }
    }
    /// Answers to choose from (vote: excludes the voter), to judge or to synthesize.
    public var candidates: [Position] {
        get { shared.fields.candidates }
        set { shared = shared.with(\.candidates, newValue) }
    }
    /// Everything said this round, for judge and synthesis calls.
    public var critiques: [Critique] {
        get { shared.fields.critiques }
        set { shared = shared.with(\.critiques, newValue) }
    }
    public var votes: [Vote] {
        get { shared.fields.votes }
        set { shared = shared.with(\.votes, newValue) }
    }
    /// When the engine stops waiting for this call: a provider fits its timeouts and retries before it.
    public var deadline: ContinuousClock.Instant? {
        get { shared.fields.deadline }
        set { shared = shared.with(\.deadline, newValue) }
    }
    /// Set on the second try of a machine-read reply: what was wrong with the first one.
    public var repair: Repair? {
        get { shared.fields.repair }
        set { shared = shared.with(\.repair, newValue) }
    }

    public struct Repair: Sendable {
        public var previousReply: String
        public var problem: String
        public init(previousReply: String, problem: String) { (self.previousReply, self.problem) = (previousReply, problem) }
    }

    /// The JSON shape the reply must have (critique, vote, judgment); nil for prose.
    public var schema: ReplySchema? { ReplySchema.of(self) }

    public init(phase: DebatePhase, round: Int, ownAnswer: String? = nil, critiquesReceived: [Critique] = [],
                target: Position? = nil, candidates: [Position] = [], critiques: [Critique] = [], votes: [Vote] = [],
                deadline: ContinuousClock.Instant? = nil) {
        shared = Shared(Fields(phase: phase, round: round, ownAnswer: ownAnswer, critiquesReceived: critiquesReceived,
                               target: target, candidates: candidates, critiques: critiques, votes: votes,
                               deadline: deadline, repair: nil))
    }

    /// Time left before `deadline` (nil: no deadline).
    public var timeRemaining: Duration? { deadline.map { max(.zero, ContinuousClock.now.duration(to: $0)) } }
}

/// What every call in a debate knows about the debate itself.
public struct DebateContext: Sendable {
    struct Fields: Sendable {
        var debateID: String
        var question: String
        var context: String?
        var agents: [AgentIdentity]
        var seed: UInt64
    }

    /// One box per debate, shared by every call's copy (`Shared`).
    private var shared: Shared<Fields>

    public var debateID: String {
        get { shared.fields.debateID }
        set { shared = shared.with(\.debateID, newValue) }
    }
    public var question: String {
        get { shared.fields.question }
        set { shared = shared.with(\.question, newValue) }
    }
    public var context: String? {
        get { shared.fields.context }
        set { shared = shared.with(\.context, newValue) }
    }
    public var agents: [AgentIdentity] {
        get { shared.fields.agents }
        set { shared = shared.with(\.agents, newValue) }
    }
    public var seed: UInt64 {
        get { shared.fields.seed }
        set { shared = shared.with(\.seed, newValue) }
    }

    public init(debateID: String, question: String, context: String? = nil, agents: [AgentIdentity], seed: UInt64) {
        shared = Shared(Fields(debateID: debateID, question: question, context: context, agents: agents, seed: seed))
    }
}

/// Receives a reply's text as it is written (streaming agents). Called from the agent's task; must not block.
public typealias TokenSink = @Sendable (String) -> Void

/// A debate participant: an LLM provider client or an offline demo agent.
///
/// Implementations must be safe to call concurrently: every call of one phase runs at once.
/// Throwing is the normal way to report a failure; the engine isolates it to this agent and step. Throw an
/// `AgentError` to say what kind of failure it was.
public protocol Agent: Sendable {
    var identity: AgentIdentity { get }
    func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply
    /// Like `respond`, handing the text to `onDelta` as it is written; the reply still carries the whole text.
    /// The engine uses it for answers, judgments and syntheses (emitted as `token_delta` events).
    func stream(to request: PhaseRequest, in context: DebateContext, onDelta: TokenSink) async throws -> AgentReply
    var respondsInstantly: Bool { get }
}

extension Agent {
    /// True for agents that never suspend (pure computation, such as zero-latency demo agents).
    /// The engine calls them inline instead of spawning a task per call: concurrency buys nothing for them.
    public var respondsInstantly: Bool { false }

    /// Agents that cannot stream reply all at once.
    public func stream(to request: PhaseRequest, in context: DebateContext, onDelta: TokenSink) async throws -> AgentReply {
        try await respond(to: request, in: context)
    }
}

/// A failed call, classified so the engine records what went wrong and a provider knows whether to retry.
/// Messages carry the provider's own words, never a credential.
public enum AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider is rate limiting us (429); retry after `retryAfter` when it said.
    case rateLimit(String, retryAfter: Duration?)
    /// The provider failed or is overloaded (5xx, 529); worth retrying.
    case server(String, retryAfter: Duration?)
    /// The connection failed or broke before a reply (refused, reset, DNS, TLS); worth retrying.
    case network(String)
    /// The credentials were refused.
    case auth(String)
    /// The account is out of credit or over its quota: retrying will not help.
    case quota(String)
    /// The provider answered with something that is not a usable reply (or refused the request as malformed).
    case badResponse(String)
    /// No reply before the call's deadline.
    case timeout(String)
    /// Not sent: the provider's circuit breaker is open after repeated failures.
    case unavailable(String, retryAfter: Duration?)

    /// `rate_limit`, `server`, `network`, `auth`, `quota`, `bad_response`, `timeout` or `unavailable`: recorded
    /// with the failure.
    public var kind: String {
        switch self {
        case .rateLimit: return "rate_limit"
        case .server: return "server"
        case .network: return "network"
        case .auth: return "auth"
        case .quota: return "quota"
        case .badResponse: return "bad_response"
        case .timeout: return "timeout"
        case .unavailable: return "unavailable"
        }
    }

    public var isRetryable: Bool {
        switch self {
        case .rateLimit, .server, .network: return true
        case .auth, .quota, .badResponse, .timeout, .unavailable: return false
        }
    }

    /// How long the provider asked us to wait before trying again.
    public var retryAfter: Duration? {
        switch self {
        case .rateLimit(_, let after), .server(_, let after), .unavailable(_, let after): return after
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .rateLimit(let m, let after): return "rate limited: " + m + (after.map { " (retry after \($0.seconds.formatted2)s)" } ?? "")
        case .server(let m, let after): return "provider error: " + m + (after.map { " (retry after \($0.seconds.formatted2)s)" } ?? "")
        case .network(let m): return "network error: \(m)"
        case .auth(let m): return "authentication failed: \(m)"
        case .quota(let m): return "quota exhausted: \(m)"
        case .badResponse(let m): return "bad response: \(m)"
        case .timeout(let m): return "timed out: \(m)"
        case .unavailable(let m, _): return "unavailable: \(m)"
        }
    }
}
