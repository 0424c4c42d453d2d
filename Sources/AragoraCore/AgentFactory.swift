import Foundation

/// Turns agent specs into agents, knowing which providers are usable here (have credentials).
public struct AgentFactory: Sendable {
    public typealias Maker = @Sendable (_ spec: AgentSpec, _ name: String) throws -> any Agent

    var makers: [String: Maker] = [:]
    /// What `aragora agents` and `GET /api/agents` show about each provider that can be used.
    public private(set) var listings: [ProviderListing] = []
    /// The panel of a debate that names no agents (and no `ARAGORA_DEFAULT_AGENTS`): the configured providers,
    /// else the demo agents.
    public var defaultPanel: [AgentSpec] = AgentFactory.defaultDemoSpecs

    /// A factory that knows the offline demo agents, waiting `demoLatency` before each reply.
    public init(demoLatency: Duration = .zero) {
        makers["demo"] = { spec, name in
            DemoAgent(name: name, persona: spec.persona ?? spec.model ?? Self.defaultPersona(for: name),
                      role: spec.role ?? "proposer", latency: demoLatency)
        }
    }

    public mutating func register(_ provider: String, listing: ProviderListing? = nil, _ maker: @escaping Maker) {
        makers[provider] = maker
        if let listing {
            listings.removeAll { $0.provider == provider }
            listings.append(listing)
        }
    }

    /// Providers that can be used, in a stable order.
    public var availableProviders: [String] {
        AgentSpec.providerNames.filter { makers[$0] != nil }
    }

    public func make(_ specs: [AgentSpec]) throws(AgentFactoryError) -> [any Agent] {
        let missing = specs.map(\.provider).filter { makers[$0] == nil }
        if !missing.isEmpty {
            throw .unavailable(providers: Array(Set(missing)).sorted(), available: availableProviders)
        }
        var agents: [any Agent] = []
        for (spec, name) in zip(specs, specs.uniqueNames()) {
            do { agents.append(try makers[spec.provider]!(spec, name)) } catch {
                throw .failed(provider: spec.provider, reason: String(describing: error))
            }
        }
        return agents
    }

    /// Rebuilds the agent a stored debate named (after a restart).
    public func make(identity: AgentIdentity) throws(AgentFactoryError) -> any Agent {
        guard let maker = makers[identity.provider] else {
            throw .unavailable(providers: [identity.provider], available: availableProviders)
        }
        let spec = AgentSpec(provider: identity.provider, model: identity.model, persona: identity.persona, role: identity.role)
        do { return try maker(spec, identity.name) } catch { throw .failed(provider: identity.provider, reason: "\(error)") }
    }

    /// `demo`, `demo-2`, ...: plain demo agents take the default personas in turn.
    static func defaultPersona(for name: String) -> String {
        let n = Int(name.split(separator: "-").last ?? "") ?? 1
        return DemoAgent.defaultPersonas[(n - 1) % DemoAgent.defaultPersonas.count]
    }

    /// The default panel: three demo agents with distinct personas.
    public static let defaultDemoSpecs = DemoAgent.defaultPersonas.map { AgentSpec(provider: "demo", persona: $0) }
}

/// A usable provider as listed to users: its default model, whether it was configured explicitly (a key or a
/// server address) and its price per million tokens (nil when unknown).
public struct ProviderListing: Sendable, Equatable {
    public var provider: String
    public var defaultModel: String
    public var configured: Bool
    public var inputPerMTok: Double?
    public var outputPerMTok: Double?
    public var baseURL: String

    public init(provider: String, defaultModel: String, configured: Bool, inputPerMTok: Double?, outputPerMTok: Double?, baseURL: String) {
        self.provider = provider
        self.defaultModel = defaultModel
        self.configured = configured
        self.inputPerMTok = inputPerMTok
        self.outputPerMTok = outputPerMTok
        self.baseURL = baseURL
    }
}

public enum AgentFactoryError: Error, Equatable, CustomStringConvertible {
    case unavailable(providers: [String], available: [String])
    case failed(provider: String, reason: String)

    public var description: String {
        switch self {
        case .unavailable(let p, let a):
            return "no credentials configured for \(p.joined(separator: ", ")); available providers: \(a.joined(separator: ", "))"
        case .failed(let p, let r): return "cannot create a \(p) agent: \(r)"
        }
    }
}
