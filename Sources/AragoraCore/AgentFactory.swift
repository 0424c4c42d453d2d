import Foundation

/// Turns agent specs into agents, knowing which providers are usable here (have credentials).
public struct AgentFactory: Sendable {
    public typealias Maker = @Sendable (_ spec: AgentSpec, _ name: String) throws -> any Agent

    var makers: [String: Maker] = [:]

    /// A factory that knows the offline demo agents, waiting `demoLatency` before each reply.
    public init(demoLatency: Duration = .zero) {
        makers["demo"] = { spec, name in
            DemoAgent(name: name, persona: spec.persona ?? spec.model ?? Self.defaultPersona(for: name),
                      role: spec.role ?? "proposer", latency: demoLatency)
        }
    }

    public mutating func register(_ provider: String, _ maker: @escaping Maker) {
        makers[provider] = maker
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
