import AragoraCore

/// The `data` of each event type (the `DebateEventPayload` types of AragoraCore), as OpenAPI schemas: exact (no
/// other members allowed), and checked against every event a debate emits by `EventPayloadSchemaTests`.
extension OpenAPIDocument {
    /// Component name of an event type's payload schema: `EventData_debate_start`.
    static func eventDataName(_ type: DebateEventType) -> String { "EventData_" + type.rawValue }

    static func exact(_ properties: [String: Schema], required: [String]) -> Schema {
        var o = object(properties, required: required).objectValue!
        o["additionalProperties"] = false
        return .object(o)
    }

    static func strings(_ values: [String]) -> Schema { ["type": "string", "enum": JSONValue(values)] }

    static var eventSchemas: [String: Schema] {
        let usage = ref("Usage")
        let phases = strings(DebatePhase.allCases.map(\.rawValue))
        let methods = strings(ConsensusMethod.allCases.map(\.rawValue))
        var schemas: [String: Schema] = [
            "Usage": exact(["input_tokens": integer, "output_tokens": integer, "cost_usd": number, "estimated": boolean],
                           required: ["input_tokens", "output_tokens", "cost_usd"]),
            "Count": exact(["valid": integer, "requested": integer, "repaired": integer], required: ["valid", "requested", "repaired"]),
            "RoundSummary": exact(["round": integer, "convergence": string, "similarity": ["type": "object", "additionalProperties": number],
                                   "consensus_reached": boolean, "critiques": ref("Count"), "votes": ref("Count")],
                                  required: ["round", "convergence", "similarity", "consensus_reached"]),
            "Dissent": exact(["agent": string, "choice": string, "reason": string], required: ["agent", "reason"]),
        ]
        let data: [DebateEventType: Schema] = [
            .debateStart: exact(["task": string, "agents": array(string), "rounds": integer, "consensus": methods, "judge": nullable("string")],
                                required: ["task", "agents", "rounds", "consensus", "judge"]),
            .roundStart: exact(["round": integer, "total_rounds": integer, "phase": strings(["propose", "revise"]), "agents": array(string),
                                "previous_round": ref("RoundSummary")],
                               required: ["round", "total_rounds", "phase", "agents"]),
            .agentMessage: exact(["content": string, "role": strings(["proposal", "revision"]), "phase": strings(["propose", "revise"]),
                                  "debate_usage": usage],
                                 required: ["content", "role", "phase", "debate_usage"]),
            .tokenDelta: exact(["delta": string, "phase": phases], required: ["delta", "phase"]),
            .critique: exact(["target": string, "issues": array(string), "suggestions": array(string), "severity": number, "debate_usage": usage],
                             required: ["target", "issues", "suggestions", "severity", "debate_usage"]),
            .vote: exact(["choice": string, "confidence": number, "reasoning": string, "debate_usage": usage],
                         required: ["choice", "confidence", "reasoning", "debate_usage"]),
            .synthesis: exact(["content": string, "method": strings(["judge", "none"]), "debate_usage": usage],
                              required: ["content", "method", "debate_usage"]),
            .consensus: exact(["method": methods, "reached": boolean, "confidence": nullable("number"), "final_answer": string,
                               "winner": nullable("string"), "supporting_agents": array(string), "dissenting_agents": array(string),
                               "dissent": array(ref("Dissent")), "summary": string, "valid_votes": integer, "quorum": integer,
                               "round_summaries": array(ref("RoundSummary"))],
                              required: ["method", "reached", "confidence", "final_answer", "winner", "supporting_agents",
                                         "dissenting_agents", "dissent", "summary", "round_summaries"]),
            .agentError: exact(["agent": string, "round": integer, "phase": phases, "error": string, "removed": boolean, "kind": string],
                               required: ["agent", "round", "phase", "error", "removed"]),
            .debateEnd: exact(["status": strings(DebateStatus.allCases.map(\.rawValue)), "rounds_used": integer, "consensus_reached": boolean,
                               "confidence": nullable("number"), "final_answer": nullable("string"), "duration_seconds": number,
                               "usage": usage, "usage_by_agent": ["type": "object", "additionalProperties": usage],
                               "error": nullable("string"), "receipt_digest": string],
                              required: ["status", "rounds_used", "consensus_reached", "confidence", "final_answer", "duration_seconds",
                                         "usage", "usage_by_agent", "error"]),
            .debateResumed: exact(["from_seq": integer, "debate_id": string], required: ["from_seq", "debate_id"]),
        ]
        for (type, schema) in data { schemas[eventDataName(type)] = schema }
        return schemas
    }
}
