import AragoraDebates
import AragoraCore
import Foundation

/// Reads a `POST /api/debates` body (CONTRACT §4) into a `DebateInput`: shape errors are 400, values out of
/// range 422, each naming the field.
enum DebateRequest {
    static func input(from body: JSONValue, config: ServerConfiguration,
                      defaultPanel: [AgentSpec] = AgentFactory.defaultDemoSpecs) throws(APIError) -> DebateInput {
        guard case .object(let o) = body else { throw .badRequest("the body must be a JSON object") }
        if let c = o["config"], c.objectValue == nil, c != .null { throw .badRequest("config must be an object", details: ["field": "config"]) }
        let cfg = o["config"]?.objectValue ?? [:]
        /// A field's value, null meaning absent; each place it may be given is type-checked (the top level wins
        /// over `config`), so what the OpenAPI document declares is exactly what is accepted.
        func field<T>(_ key: String, in places: [[String: JSONValue]] = [o], _ expected: String,
                      _ convert: (JSONValue) -> T?) throws(APIError) -> T? {
            var found: T?
            for place in places {
                guard let v = place[key], v != .null else { continue }
                guard let t = convert(v) else { throw .badRequest("\(key) must be \(expected)", details: ["field": .string(key)]) }
                if found == nil { found = t }
            }
            return found
        }
        let question = try field("question", "a string") { $0.stringValue }
        let task = try field("task", "a string") { $0.stringValue }
        guard let text = question ?? task else {
            throw .badRequest("question (or task) is required", code: "missing_field", details: ["field": "question"])
        }
        let rounds = try field("rounds", in: [o, cfg], "an integer") { $0.intValue }
        // Values in `config` are held to the same limits as those at the top level, even when overridden.
        for case let r? in [o["rounds"]?.intValue, cfg["rounds"]?.intValue] where !(1...config.maxRounds).contains(r) {
            throw .unprocessable("rounds must be between 1 and \(config.maxRounds)",
                                 details: ["field": "rounds", "min": 1, "max": .int(config.maxRounds)])
        }
        let consensus = try field("consensus", in: [o, cfg], "one of: \(ConsensusMethod.names)") { ConsensusMethod(rawValue: $0.stringValue ?? "") }
        var specs: [AgentSpec]?
        for place in [o, cfg] {
            guard let v = place["agents"], v != .null else { continue }
            let parsed: [AgentSpec]
            do { parsed = try AgentSpec.parse(json: v) } catch { throw .badRequest("agents: \(error)", details: ["field": "agents"]) }
            guard DebateLimits.agents.contains(parsed.count) else {
                throw .badRequest("agents must list \(DebateLimits.agents.lowerBound) to \(DebateLimits.agents.upperBound) entries, got \(parsed.count)",
                                  details: ["field": "agents"])
            }
            if specs == nil { specs = parsed }
        }
        let context = try field("context", "a string") { $0.stringValue }
        let metadata = try field("metadata", "an object") { $0.objectValue }
        let budget = try field("budget_limit_usd", "a number") { $0.doubleValue }
        let seed = try field("seed", in: [o, cfg], "a non-negative integer") { v -> UInt64? in v.intValue.flatMap { $0 >= 0 ? UInt64($0) : nil } }
        let blind = try field("blind", in: [o, cfg], "a boolean") { $0.boolValue }
        let quorum = try field("quorum", in: [o, cfg], "an integer") { $0.intValue }
        // As for rounds: a value in `config` is held to the limits even when the top level overrides it.
        for case let q? in [o["quorum"]?.intValue, cfg["quorum"]?.intValue] where !(1...DebateLimits.agents.upperBound).contains(q) {
            throw .unprocessable("quorum must be between 1 and \(DebateLimits.agents.upperBound)",
                                 details: ["field": "quorum", "min": 1, "max": .int(DebateLimits.agents.upperBound)])
        }
        do {
            return try DebateInput(question: text, specs: specs, rounds: rounds, consensus: consensus ?? .judge, context: context,
                                   metadata: metadata ?? [:], budgetLimitUSD: budget, seed: seed, blind: blind ?? true, quorum: quorum,
                                   defaultPanel: defaultPanel, config: config)
        } catch {
            throw APIError(inputError: error)
        }
    }
}

extension APIError {
    init(inputError e: DebateInputError) {
        var details: [String: JSONValue] = ["field": .string(e.field)]
        if let min = e.min { details["min"] = .int(min) }
        if let max = e.max { details["max"] = .int(max) }
        switch e.kind {
        case .invalid: self.init(.badRequest, "invalid_request", e.message, details: .object(details))
        case .outOfRange: self.init(.unprocessableContent, "out_of_range", e.message, details: .object(details))
        case .misconfigured: self.init(.internalServerError, "misconfigured", "the server's default agents are misconfigured")
        }
    }
}
