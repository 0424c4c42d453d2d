import AragoraCore
import AragoraDebates
import Foundation

/// What `debate`, `follow_up` and `get_debate` return about a debate, as `structuredContent` (with the schema the
/// tools declare) and as text for clients that show only text. Only what was measured: a confidence nobody gave is
/// null, a debate still running has no answer yet.
enum DebateResultShape {
    static func json(_ r: DebateRecord, soFar: String? = nil) -> JSONValue {
        let consensus: JSONValue = r.consensus.map { c in
            .object([
                "reached": .bool(c.reached), "method": .string(c.method.rawValue), "confidence": c.confidence.map(JSONValue.double) ?? .null,
                "supporting_agents": .array(c.supportingAgents.map(JSONValue.string)), "summary": .string(c.summary),
                "valid_votes": c.validVotes.map(JSONValue.int) ?? .null, "quorum": c.quorum.map(JSONValue.int) ?? .null,
            ])
        } ?? .null
        return [
            "debate_id": .string(r.id), "status": .string(r.status.rawValue), "question": .string(r.task),
            "final_answer": r.consensus.map { .string($0.finalAnswer) } ?? .null,
            "consensus": consensus,
            "dissent": .array((r.consensus?.dissent ?? []).map { d in
                ["agent": .string(d.agent), "choice": d.choice.map(JSONValue.string) ?? .null, "reason": .string(d.reason)]
            }),
            "rounds_used": .int(r.roundsUsed),
            "cost_usd": .double(r.usage.costUSD),
            "tokens": ["input": .int(r.usage.inputTokens), "output": .int(r.usage.outputTokens)],
            "receipt_digest": r.receipt.map { .string($0.digest) } ?? .null,
            "error": r.error.map(JSONValue.string) ?? .null,
            "so_far": soFar.map(JSONValue.string) ?? .null,
        ]
    }

    static func nullable(_ type: String) -> JSONValue { ["type": [.string(type), "null"]] }

    /// The JSON Schema of `json`; `extra` adds properties (get_debate's transcript).
    static func schema(extra: [String: JSONValue] = [:]) -> JSONValue {
        let string: JSONValue = ["type": "string"]
        var properties: [String: JSONValue] = [
            "debate_id": string,
            "status": ["type": "string", "enum": .array(DebateStatus.allCases.map { .string($0.rawValue) })],
            "question": string,
            "final_answer": nullable("string"),
            "consensus": ["type": ["object", "null"], "properties": [
                "reached": ["type": "boolean"], "method": string, "confidence": nullable("number"),
                "supporting_agents": ["type": "array", "items": string], "summary": string,
                "valid_votes": nullable("integer"), "quorum": nullable("integer"),
            ], "required": ["reached", "method", "confidence", "supporting_agents", "summary", "valid_votes", "quorum"]],
            "dissent": ["type": "array", "items": ["type": "object", "properties": [
                "agent": string, "choice": nullable("string"), "reason": string,
            ], "required": ["agent", "choice", "reason"]]],
            "rounds_used": ["type": "integer"],
            "cost_usd": ["type": "number"],
            "tokens": ["type": "object", "properties": ["input": ["type": "integer"], "output": ["type": "integer"]], "required": ["input", "output"]],
            "receipt_digest": nullable("string"),
            "error": nullable("string"),
            "so_far": nullable("string"),
        ]
        properties.merge(extra) { _, new in new }
        return ["type": "object", "properties": .object(properties), "required": .array(properties.keys.sorted().map(JSONValue.string))]
    }

    /// For people and models reading text: the outcome first, then dissent, cost and how to check it.
    static func text(_ r: DebateRecord, soFar: String? = nil) -> String {
        var lines: [String] = []
        switch r.status {
        case .completed:
            if let c = r.consensus {
                let confidence = c.confidence.map { String(format: "%.2f", $0) } ?? "not given"
                lines.append("\(c.reached ? "Consensus reached" : "No consensus") (\(c.method.rawValue), confidence \(confidence)).")
                lines.append("Final answer:\n\(c.finalAnswer)")
                if !c.dissent.isEmpty {
                    lines.append("Dissent:\n" + c.dissent.map { "- \($0.agent)\($0.choice.map { " (voted \($0))" } ?? ""): \($0.reason)" }.joined(separator: "\n"))
                }
            } else {
                lines.append("Completed without a result.")
            }
        case .created, .running:
            lines.append("Still running after the wait: debate \(r.id) goes on. Call get_debate with this id for the result.")
            if let soFar { lines.append("So far: \(soFar)") }
        default:
            lines.append("Debate \(r.status.rawValue)\(r.error.map { ": \($0)" } ?? ".")")
        }
        lines.append("Debate \(r.id) · \(r.roundsUsed) of \(r.rounds) rounds · \(r.usage.inputTokens + r.usage.outputTokens) tokens · "
                     + "$\(String(format: "%.4f", r.usage.costUSD))" + (r.receipt.map { " · receipt sha256 \($0.digest)" } ?? ""))
        return lines.joined(separator: "\n\n")
    }
}
