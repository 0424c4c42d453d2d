import Foundation

/// One entry of an `agents` list, as users write it (CONTRACT §4):
/// `provider`, `provider:role`, `provider|model|persona|role`, or a JSON object `{provider, model, persona, role}`.
public struct AgentSpec: Sendable, Equatable, Codable {
    public var provider: String
    public var model: String?
    public var persona: String?
    public var role: String?

    public init(provider: String, model: String? = nil, persona: String? = nil, role: String? = nil) {
        self.provider = provider
        self.model = model
        self.persona = persona
        self.role = role
    }

    /// Roles the engine gives meaning to; any other word after `provider:` is a persona.
    public static let knownRoles: Set<String> = ["proposer", "critic", "synthesizer", "judge"]

    public static let providerNames = [
        "anthropic-api", "openai-api", "gemini", "grok", "mistral", "deepseek", "openrouter", "ollama",
        "openai-compatible", "demo",
    ]

    /// Parses one textual entry.
    public static func parse(_ raw: String) throws(AgentSpecError) -> AgentSpec {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .empty }
        if text.contains("|") {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard parts.count <= 4 else { throw .malformed(raw) }
            func part(_ i: Int) -> String? { i < parts.count && !parts[i].isEmpty ? parts[i] : nil }
            guard let provider = part(0) else { throw .malformed(raw) }
            return try AgentSpec(provider: provider, model: part(1), persona: part(2), role: part(3)).validated()
        }
        if let colon = text.firstIndex(of: ":") {
            let provider = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
            let rest = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard !provider.isEmpty, !rest.isEmpty else { throw .malformed(raw) }
            let lower = rest.lowercased()
            if knownRoles.contains(lower) { return try AgentSpec(provider: provider, role: lower).validated() }
            return try AgentSpec(provider: provider, persona: rest).validated()
        }
        return try AgentSpec(provider: text).validated()
    }

    /// Parses a comma-separated list.
    public static func parseList(_ raw: String) throws(AgentSpecError) -> [AgentSpec] {
        var specs: [AgentSpec] = []
        for entry in raw.split(separator: ",") { specs.append(try parse(String(entry))) }
        return specs
    }

    /// Parses a JSON value: an array of strings or objects, or a comma-separated string.
    public static func parse(json: JSONValue) throws(AgentSpecError) -> [AgentSpec] {
        switch json {
        case .string(let s): return try parseList(s)
        case .array(let items):
            var specs: [AgentSpec] = []
            for item in items {
                switch item {
                case .string(let s): specs.append(try parse(s))
                case .object(let o):
                    guard let provider = o["provider"]?.stringValue, !provider.isEmpty else {
                        throw .malformed(item.serialized())
                    }
                    specs.append(try AgentSpec(provider: provider, model: o["model"]?.stringValue,
                                               persona: o["persona"]?.stringValue,
                                               role: o["role"]?.stringValue?.lowercased()).validated())
                default: throw .malformed(item.serialized())
                }
            }
            return specs
        default: throw .malformed(json.serialized())
        }
    }

    func validated() throws(AgentSpecError) -> AgentSpec {
        var spec = self
        spec.provider = provider.lowercased()
        guard AgentSpec.providerNames.contains(spec.provider) else { throw .unknownProvider(provider) }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./: "))
        for field in [model, persona, role].compactMap({ $0 }) {
            guard field.count <= 200, field.unicodeScalars.allSatisfy(allowed.contains) else {
                throw .malformed(field)
            }
        }
        return spec
    }

    /// The name shown in transcripts and used for votes and ratings: `demo-skeptic`, `anthropic-api-judge`.
    public var baseName: String {
        var name = provider
        if let persona { name += "-" + AgentSpec.slug(persona) }
        else if let model, provider != "demo" { name += "-" + AgentSpec.slug(model) }
        if let role, role != "proposer", persona == nil { name += "-" + role }
        return name
    }

    static func slug(_ s: String) -> String {
        let lowered = s.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "-" }
        return String(lowered).split(separator: "-").joined(separator: "-")
    }
}

public enum AgentSpecError: Error, Equatable, CustomStringConvertible {
    case empty
    case malformed(String)
    case unknownProvider(String)

    public var description: String {
        switch self {
        case .empty: return "empty agent entry"
        case .malformed(let s): return "malformed agent entry '\(s)' (use provider, provider:role, provider|model|persona|role)"
        case .unknownProvider(let p):
            return "unknown provider '\(p)' (known: \(AgentSpec.providerNames.joined(separator: ", ")))"
        }
    }
}

extension Array where Element == AgentSpec {
    /// Unique agent names in order: a second `demo-skeptic` becomes `demo-skeptic-2`.
    public func uniqueNames() -> [String] {
        var seen: [String: Int] = [:]
        return map { spec in
            let base = spec.baseName
            let n = (seen[base] ?? 0) + 1
            seen[base] = n
            return n == 1 ? base : "\(base)-\(n)"
        }
    }
}
