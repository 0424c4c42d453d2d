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

    // The grammar of textual entries, as regular expressions: the server checks input with them and the OpenAPI
    // document publishes them, so both say the same. A field: up to 200 of letters, digits and `._/:-`, spaces
    // inside but not at either end. A model name that goes into a URL path is escaped as one segment there.
    public static let fieldPattern = "[A-Za-z0-9._/:-](?:[A-Za-z0-9._/: -]{0,198}[A-Za-z0-9._/:-])?"

    /// A role, as the engine knows them.
    public static var rolePattern: String { "(?:" + knownRoles.sorted().joined(separator: "|") + ")" }

    /// One entry: `provider`, `provider:field` or `provider|model|persona|role` (parts may be empty; the role is
    /// one of `knownRoles`).
    public static func entryPattern(providers: [String]) -> String {
        let f = fieldPattern
        return "(?:\(providers.joined(separator: "|")))(?::\(f)|\\|(?:\(f))?(?:\\|(?:\(f))?(?:\\|\(rolePattern)?)?)?)?"
    }

    /// A comma-separated list of `entries` entries, spaces allowed around each, anchored.
    public static func listPattern(providers: [String], entries: ClosedRange<Int>? = nil) -> String {
        let entry = entryPattern(providers: providers)
        let more = entries.map { "{\($0.lowerBound - 1),\($0.upperBound - 1)}" } ?? "*"
        return "^ *\(entry) *(?:, *\(entry) *)\(more)$"
    }

    private static let entryRegex = try! NSRegularExpression(pattern: "^" + entryPattern(providers: providerNames) + "$")
    private static let listRegex = try! NSRegularExpression(pattern: listPattern(providers: providerNames))
    private static let fieldRegex = try! NSRegularExpression(pattern: "^" + fieldPattern + "$")

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Why a text entry does not match the grammar: an unknown provider, or a malformed rest.
    private static func rejection(_ raw: String) -> AgentSpecError {
        let provider = raw.split(whereSeparator: { $0 == ":" || $0 == "|" }).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if raw.trimmingCharacters(in: .whitespaces).isEmpty { return .empty }
        return providerNames.contains(provider) ? .malformed(raw) : .unknownProvider(provider)
    }

    /// Parses one textual entry.
    public static func parse(_ raw: String) throws(AgentSpecError) -> AgentSpec {
        guard matches(entryRegex, raw) else { throw rejection(raw) }
        if raw.contains("|") {
            let parts = raw.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            func part(_ i: Int) -> String? { i < parts.count && !parts[i].isEmpty ? parts[i] : nil }
            return AgentSpec(provider: parts[0], model: part(1), persona: part(2), role: part(3))
        }
        if let colon = raw.firstIndex(of: ":") {
            let provider = String(raw[..<colon])
            let rest = String(raw[raw.index(after: colon)...])
            if knownRoles.contains(rest.lowercased()) { return AgentSpec(provider: provider, role: rest.lowercased()) }
            return AgentSpec(provider: provider, persona: rest)
        }
        return AgentSpec(provider: raw)
    }

    /// Parses a comma-separated list (spaces around entries allowed, no empty entries).
    public static func parseList(_ raw: String) throws(AgentSpecError) -> [AgentSpec] {
        guard matches(listRegex, raw) else {
            for entry in raw.split(separator: ",", omittingEmptySubsequences: false) {
                _ = try parse(entry.trimmingCharacters(in: CharacterSet(charactersIn: " ")))
            }
            throw .malformed(raw)
        }
        var specs: [AgentSpec] = []
        for entry in raw.split(separator: ",") { specs.append(try parse(entry.trimmingCharacters(in: CharacterSet(charactersIn: " ")))) }
        return specs
    }

    /// Parses a JSON value: an array of strings or objects `{provider, model?, persona?, role?}`, or a
    /// comma-separated string.
    public static func parse(json: JSONValue) throws(AgentSpecError) -> [AgentSpec] {
        switch json {
        case .string(let s): return try parseList(s)
        case .array(let items):
            var specs: [AgentSpec] = []
            for item in items {
                switch item {
                case .string(let s): specs.append(try parse(s))
                case .object(let o): specs.append(try parse(object: o, item))
                default: throw .malformed(item.serialized())
                }
            }
            return specs
        default: throw .malformed(json.serialized())
        }
    }

    private static func parse(object o: [String: JSONValue], _ item: JSONValue) throws(AgentSpecError) -> AgentSpec {
        guard let provider = o["provider"]?.stringValue else { throw .malformed(item.serialized()) }
        guard providerNames.contains(provider) else { throw .unknownProvider(provider) }
        func field(_ key: String) throws(AgentSpecError) -> String? {
            switch o[key] {
            case nil, .null?: return nil
            case .string(let s)? where matches(fieldRegex, s): return s
            default: throw .malformed(item.serialized())
            }
        }
        let role: String?
        switch o["role"] {
        case nil, .null?: role = nil
        case .string(let r)? where knownRoles.contains(r): role = r
        default: throw .malformed(item.serialized())
        }
        return AgentSpec(provider: provider, model: try field("model"), persona: try field("persona"), role: role)
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
        if let ascii = asciiSlug(s) { return ascii }
        let lowered = s.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "-" }
        return String(lowered).split(separator: "-").joined(separator: "-")
    }

    /// The same slug for ASCII text, byte by byte: Character's letter and number tests made every debate's
    /// creation spend about 2% in naming its agents (docs/benchmarks.md). Nil when `s` is not ASCII.
    static func asciiSlug(_ s: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for var b in s.utf8 {
            guard b < 0x80 else { return nil }
            if b >= 65 && b <= 90 { b += 32 }
            let kept = (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == UInt8(ascii: ".")
            if kept {
                out.append(b)
            } else if let last = out.last, last != UInt8(ascii: "-") {
                out.append(UInt8(ascii: "-"))
            }
        }
        if out.last == UInt8(ascii: "-") { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
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
    /// Unique agent names in order: a second `demo-skeptic` becomes `demo-skeptic-2`. A numbered name never
    /// takes one another agent already has (`demo` twice and `demo:6` twice: `demo`, `demo-2`, `demo-6`, `demo-6-2`).
    public func uniqueNames() -> [String] {
        var taken: Set<String> = []
        return map { spec in
            let base = spec.baseName
            var name = base
            var n = 1
            while taken.contains(name) {
                n += 1
                name = "\(base)-\(n)"
            }
            taken.insert(name)
            return name
        }
    }
}

extension AgentSpec: CustomStringConvertible {
    /// The entry as a user would write it (`provider`, or `provider|model|persona|role`); `parse` reads it back.
    public var description: String {
        guard model != nil || persona != nil || role != nil else { return provider }
        if model == nil, role == nil, let persona { return "\(provider):\(persona)" }  // the short form parse reads back
        var parts = [provider, model ?? "", persona ?? "", role ?? ""]
        while parts.last == "" { parts.removeLast() }
        return parts.joined(separator: "|")
    }
}
