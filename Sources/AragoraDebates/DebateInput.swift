import AragoraCore
import Foundation

/// What it takes to start a debate, from an HTTP request (`DebateRequest`) or the command line: checked
/// against `DebateLimits` and the configuration in one place (`validated`).
public struct DebateInput: Sendable {
    public var question: String
    public var specs: [AgentSpec]
    /// An extra agent, outside the panel, that judges (`judge` method).
    public var judge: AgentSpec?
    public var rounds: Int
    public var consensus: ConsensusMethod
    public var context: String?
    public var metadata: [String: JSONValue]
    public var budgetLimitUSD: Double?
    public var seed: UInt64?
    /// Per-call timeout; default `ARAGORA_AGENT_TIMEOUT`.
    public var callTimeout: Duration?
    public var earlyStop: Bool
    /// Blind review (default on): critics, voters and the judge see labels, not agents' names.
    public var blind: Bool
    /// Valid votes needed for consensus; nil: more than half of the panel.
    public var quorum: Int?
    /// The question's length as given, before trimming.
    private let questionLength: Int

    public init(question: String, specs: [AgentSpec]? = nil, judge: AgentSpec? = nil, rounds: Int? = nil,
                consensus: ConsensusMethod = .judge, context: String? = nil, metadata: [String: JSONValue] = [:],
                budgetLimitUSD: Double? = nil, seed: UInt64? = nil, callTimeout: Duration? = nil, earlyStop: Bool = true,
                blind: Bool = true, quorum: Int? = nil, defaultPanel: [AgentSpec] = AgentFactory.defaultDemoSpecs, config: ServerConfiguration) throws(DebateInputError) {
        self.question = DebateLimits.trimmed(question)
        questionLength = DebateLimits.length(question)
        if let specs {
            self.specs = specs
        } else if let defaults = config.defaultAgents {
            do { self.specs = try AgentSpec.parseList(defaults) } catch {
                throw DebateInputError(field: "agents", "ARAGORA_DEFAULT_AGENTS is invalid: \(error)", kind: .misconfigured)
            }
        } else {
            self.specs = defaultPanel
        }
        self.judge = judge
        self.rounds = rounds ?? config.defaultRounds
        self.consensus = consensus
        self.context = context
        self.metadata = metadata
        self.budgetLimitUSD = budgetLimitUSD
        self.seed = seed
        self.callTimeout = callTimeout
        self.earlyStop = earlyStop
        self.blind = blind
        self.quorum = quorum
        try validate(config)
    }

    private func validate(_ config: ServerConfiguration) throws(DebateInputError) {
        guard !question.isEmpty else { throw DebateInputError(field: "question", "question is empty") }
        guard questionLength <= DebateLimits.questionCharacters else {
            throw DebateInputError(field: "question", "question is longer than \(DebateLimits.questionCharacters) characters",
                                   kind: .outOfRange, max: DebateLimits.questionCharacters)
        }
        guard (1...config.maxRounds).contains(rounds) else {
            throw DebateInputError(field: "rounds", "rounds must be between 1 and \(config.maxRounds)", kind: .outOfRange,
                                   min: 1, max: config.maxRounds)
        }
        guard DebateLimits.agents.contains(specs.count) else {
            throw DebateInputError(field: "agents", "agents must list \(DebateLimits.agents.lowerBound) to \(DebateLimits.agents.upperBound) entries, got \(specs.count)")
        }
        if let context, DebateLimits.length(context) > DebateLimits.contextCharacters {
            throw DebateInputError(field: "context", "context is longer than \(DebateLimits.contextCharacters) characters",
                                   kind: .outOfRange, max: DebateLimits.contextCharacters)
        }
        // Up to the largest panel, whatever this one's size: a quorum above it is never met, and the result says so
        // ("no consensus: 3 of 3 votes valid (5 needed)").
        if let quorum, !(1...DebateLimits.agents.upperBound).contains(quorum) {
            throw DebateInputError(field: "quorum", "quorum must be between 1 and \(DebateLimits.agents.upperBound)", kind: .outOfRange,
                                   min: 1, max: DebateLimits.agents.upperBound)
        }
        if let budgetLimitUSD, !(budgetLimitUSD.isFinite && budgetLimitUSD >= 0) {
            throw DebateInputError(field: "budget_limit_usd", "budget_limit_usd must not be negative", kind: .outOfRange, min: 0)
        }
    }
}

/// Why a debate cannot start with this input; `field` names the offending input.
public struct DebateInputError: Error, CustomStringConvertible {
    public enum Kind: Sendable { case invalid, outOfRange, misconfigured }
    public var field: String
    public var message: String
    public var kind: Kind
    public var min: Int?
    public var max: Int?

    public init(field: String, _ message: String, kind: Kind = .invalid, min: Int? = nil, max: Int? = nil) {
        self.field = field
        self.message = message
        self.kind = kind
        self.min = min
        self.max = max
    }

    public var description: String { message }
}
