import AragoraCore
import Foundation

/// A validated `POST /api/debates` body (CONTRACT §4).
struct DebateRequest {
    var question: String
    var rounds: Int
    var consensus: ConsensusMethod
    var specs: [AgentSpec]
    var context: String?
    var metadata: [String: JSONValue]
    var budgetLimitUSD: Double?
    var seed: UInt64?

    /// Parses and validates; every problem becomes a 400 (shape) or 422 (range) naming the field.
    init(json body: JSONValue, config: ServerConfiguration) throws(APIError) {
        guard case .object(let o) = body else { throw .badRequest("the body must be a JSON object") }
        let cfg = o["config"]?.objectValue ?? [:]
        if let c = o["config"], c.objectValue == nil, c != .null { throw .badRequest("config must be an object", details: ["field": "config"]) }

        guard let raw = o["question"] ?? o["task"], raw != .null else {
            throw .badRequest("question (or task) is required", code: "missing_field", details: ["field": "question"])
        }
        guard let q = raw.stringValue else { throw .badRequest("question must be a string", details: ["field": "question"]) }
        let question = q.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !question.isEmpty else { throw .badRequest("question is empty", details: ["field": "question"]) }
        guard question.count <= 10_000 else {
            throw .unprocessable("question is longer than 10,000 characters", details: ["field": "question", "max": 10_000])
        }
        self.question = question

        let roundsValue = o["rounds"] ?? cfg["rounds"]
        if let r = roundsValue, r != .null {
            guard let n = r.intValue else { throw .badRequest("rounds must be an integer", details: ["field": "rounds"]) }
            guard (1...config.maxRounds).contains(n) else {
                throw .unprocessable("rounds must be between 1 and \(config.maxRounds)", details: ["field": "rounds", "min": 1, "max": .int(config.maxRounds)])
            }
            rounds = n
        } else {
            rounds = config.defaultRounds
        }

        let consensusValue = o["consensus"] ?? cfg["consensus"]
        if let c = consensusValue, c != .null {
            guard let name = c.stringValue, let method = ConsensusMethod(rawValue: name.lowercased()) else {
                throw .badRequest("consensus must be one of: \(ConsensusMethod.names)", details: ["field": "consensus"])
            }
            consensus = method
        } else {
            consensus = .judge
        }

        if let a = o["agents"] ?? cfg["agents"], a != .null {
            do { specs = try AgentSpec.parse(json: a) } catch {
                throw .badRequest("agents: \(error)", details: ["field": "agents"])
            }
        } else if let defaults = config.defaultAgents {
            do { specs = try AgentSpec.parseList(defaults) } catch {
                throw APIError(.internalServerError, "misconfigured", "ARAGORA_DEFAULT_AGENTS is invalid")
            }
        } else {
            specs = AgentFactory.defaultDemoSpecs
        }
        guard (2...10).contains(specs.count) else {
            throw .badRequest("agents must list 2 to 10 entries, got \(specs.count)", details: ["field": "agents"])
        }

        if let c = o["context"], c != .null {
            guard let s = c.stringValue else { throw .badRequest("context must be a string", details: ["field": "context"]) }
            guard s.count <= 100_000 else {
                throw .unprocessable("context is longer than 100,000 characters", details: ["field": "context", "max": 100_000])
            }
            context = s
        }
        if let m = o["metadata"], m != .null {
            guard let obj = m.objectValue else { throw .badRequest("metadata must be an object", details: ["field": "metadata"]) }
            metadata = obj
        } else {
            metadata = [:]
        }
        if let b = o["budget_limit_usd"], b != .null {
            guard let v = b.doubleValue else { throw .badRequest("budget_limit_usd must be a number", details: ["field": "budget_limit_usd"]) }
            guard v >= 0 else { throw .unprocessable("budget_limit_usd must not be negative", details: ["field": "budget_limit_usd"]) }
            budgetLimitUSD = v
        }
        if let s = o["seed"] ?? cfg["seed"], s != .null {
            guard let v = s.intValue, v >= 0 else { throw .badRequest("seed must be a non-negative integer", details: ["field": "seed"]) }
            seed = UInt64(v)
        }
    }
}
