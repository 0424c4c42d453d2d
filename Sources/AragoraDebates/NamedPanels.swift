import AragoraCore
import Foundation

/// A panel saved under a name (`ARAGORA_PANELS_FILE`), offered by the OpenAI-compatible endpoint as the model
/// `aragora/<name>`. Unset fields take the service's defaults, as a debate request that omits them would.
public struct NamedPanel: Sendable, Equatable {
    public var name: String
    public var agents: [AgentSpec]?
    public var rounds: Int?
    public var consensus: ConsensusMethod?
    public var blind: Bool?
    public var budgetUSD: Double?
}

/// `ARAGORA_PANELS_FILE`: a JSON object, name -> `{agents, rounds, consensus, blind, budget}`. Read at startup; a file
/// that is not valid stops the start with the entry and the reason.
public enum NamedPanels {
    static let keys: Set<String> = ["agents", "rounds", "consensus", "blind", "budget"]

    public static func load(_ path: String, maxRounds: Int) throws(ConfigurationError) -> [String: NamedPanel] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError("ARAGORA_PANELS_FILE: cannot read \(path)") }
        guard let entries = JSONValue.parse(data)?.objectValue else {
            throw ConfigurationError("ARAGORA_PANELS_FILE: \(path) is not a JSON object of name -> panel")
        }
        var panels: [String: NamedPanel] = [:]
        for (name, value) in entries {
            func bad(_ why: String) -> ConfigurationError { ConfigurationError("ARAGORA_PANELS_FILE: panel '\(name)': \(why)") }
            guard name.range(of: #"^[A-Za-z0-9._-]{1,64}$"#, options: .regularExpression) != nil else {
                throw bad("names are 1-64 letters, digits, '.', '_' or '-'")
            }
            guard let o = value.objectValue else { throw bad("must be an object {agents, rounds, consensus, blind, budget}") }
            if let unknown = o.keys.sorted().first(where: { !keys.contains($0) }) { throw bad("unknown field '\(unknown)'") }
            var panel = NamedPanel(name: name)
            if let agents = o["agents"] {
                do { panel.agents = try AgentSpec.parse(json: agents) } catch { throw bad("agents: \(error)") }
                guard DebateLimits.agents.contains(panel.agents!.count) else {
                    throw bad("agents must list \(DebateLimits.agents.lowerBound) to \(DebateLimits.agents.upperBound) entries")
                }
            }
            if let rounds = o["rounds"] {
                guard let r = rounds.intValue, (1...maxRounds).contains(r) else { throw bad("rounds must be an integer from 1 to \(maxRounds)") }
                panel.rounds = r
            }
            if let consensus = o["consensus"] {
                guard let m = consensus.stringValue.flatMap(ConsensusMethod.init(rawValue:)) else {
                    throw bad("consensus must be one of \(ConsensusMethod.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                panel.consensus = m
            }
            if let blind = o["blind"] {
                guard let b = blind.boolValue else { throw bad("blind must be true or false") }
                panel.blind = b
            }
            if let budget = o["budget"] {
                guard let b = budget.doubleValue, b >= 0, b.isFinite else { throw bad("budget must be a number of US dollars, 0 or more") }
                panel.budgetUSD = b
            }
            panels[name] = panel
        }
        return panels
    }
}
