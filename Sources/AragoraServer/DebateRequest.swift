import AragoraCore
import Foundation

/// Reads a `POST /api/debates` body (CONTRACT §4) into a `DebateInput`: shape errors are 400, values out of
/// range 422, each naming the field.
enum DebateRequest {
    static func input(from body: JSONValue, config: ServerConfiguration) throws(APIError) -> DebateInput {
        guard case .object(let o) = body else { throw .badRequest("the body must be a JSON object") }
        if let c = o["config"], c.objectValue == nil, c != .null { throw .badRequest("config must be an object", details: ["field": "config"]) }
        let cfg = o["config"]?.objectValue ?? [:]
        func present(_ v: JSONValue?) -> JSONValue? { v == .null ? nil : v }

        guard let raw = present(o["question"] ?? o["task"]) else {
            throw .badRequest("question (or task) is required", code: "missing_field", details: ["field": "question"])
        }
        guard let question = raw.stringValue else { throw .badRequest("question must be a string", details: ["field": "question"]) }

        var rounds: Int?
        if let r = present(o["rounds"] ?? cfg["rounds"]) {
            guard let n = r.intValue else { throw .badRequest("rounds must be an integer", details: ["field": "rounds"]) }
            rounds = n
        }
        var consensus = ConsensusMethod.judge
        if let c = present(o["consensus"] ?? cfg["consensus"]) {
            guard let name = c.stringValue, let method = ConsensusMethod(rawValue: name.lowercased()) else {
                throw .badRequest("consensus must be one of: \(ConsensusMethod.names)", details: ["field": "consensus"])
            }
            consensus = method
        }
        var specs: [AgentSpec]?
        if let a = present(o["agents"] ?? cfg["agents"]) {
            do { specs = try AgentSpec.parse(json: a) } catch { throw .badRequest("agents: \(error)", details: ["field": "agents"]) }
        }
        var context: String?
        if let c = present(o["context"]) {
            guard let s = c.stringValue else { throw .badRequest("context must be a string", details: ["field": "context"]) }
            context = s
        }
        var metadata: [String: JSONValue] = [:]
        if let m = present(o["metadata"]) {
            guard let obj = m.objectValue else { throw .badRequest("metadata must be an object", details: ["field": "metadata"]) }
            metadata = obj
        }
        var budget: Double?
        if let b = present(o["budget_limit_usd"]) {
            guard let v = b.doubleValue else { throw .badRequest("budget_limit_usd must be a number", details: ["field": "budget_limit_usd"]) }
            budget = v
        }
        var seed: UInt64?
        if let s = present(o["seed"] ?? cfg["seed"]) {
            guard let v = s.intValue, v >= 0 else { throw .badRequest("seed must be a non-negative integer", details: ["field": "seed"]) }
            seed = UInt64(v)
        }
        do {
            return try DebateInput(question: question, specs: specs, rounds: rounds, consensus: consensus, context: context,
                                   metadata: metadata, budgetLimitUSD: budget, seed: seed, config: config)
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
