import Foundation

// The debate record as `JSONValue`: the fast path used to store and serve records (JSONEncoder is several
// times slower on Linux). The shape matches the Codable conformance key for key; a round-trip test
// (`DebateRecord.decode(record.jsonData())`) keeps the two in step.

extension AgentIdentity {
    public var json: JSONValue {
        ["name": .string(name), "provider": .string(provider), "model": .string(model), "role": .string(role),
         "persona": JSONValue(persona)]
    }
}

extension TokenUsage {
    public var json: JSONValue {
        ["input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens), "cost_usd": .double(costUSD)]
    }
}

extension DebateMessage {
    public var json: JSONValue {
        ["role": .string(role), "agent": .string(agent), "content": .string(content), "round": .int(round),
         "timestamp": .double(timestamp)]
    }
}

extension Critique {
    public var json: JSONValue {
        ["agent": .string(agent), "target": .string(target), "issues": JSONValue(issues), "suggestions": JSONValue(suggestions),
         "severity": .double(severity), "round": .int(round)]
    }
}

extension Vote {
    public var json: JSONValue {
        ["agent": .string(agent), "choice": .string(choice), "confidence": .double(confidence), "reasoning": .string(reasoning),
         "round": .int(round)]
    }
}

extension Dissent {
    public var json: JSONValue { ["agent": .string(agent), "choice": JSONValue(choice), "reason": .string(reason)] }
}

extension ConsensusResult {
    public var json: JSONValue {
        ["method": .string(method.rawValue), "reached": .bool(reached), "confidence": .double(confidence),
         "final_answer": .string(finalAnswer), "winner": JSONValue(winner), "supporting_agents": JSONValue(supportingAgents),
         "dissenting_agents": JSONValue(dissentingAgents), "dissent": .array(dissent.map(\.json)), "summary": .string(summary)]
    }
}

extension AgentFailure {
    public var json: JSONValue {
        ["agent": .string(agent), "round": .int(round), "phase": .string(phase.rawValue), "error": .string(error),
         "removed": .bool(removed)]
    }
}

extension RoundSummary {
    public var json: JSONValue {
        ["round": .int(round), "convergence": .string(convergence), "similarity": .object(similarity.mapValues(JSONValue.double)),
         "consensus_reached": .bool(consensusReached)]
    }
}

extension Receipt {
    public var json: JSONValue {
        ["version": .int(version), "payload": payload, "digest": .string(digest), "signature": .string(signature),
         "public_key": .string(publicKey), "algorithm": .string(algorithm)]
    }
}

extension DebateRecord {
    public var json: JSONValue {
        [
            "id": .string(id), "debate_id": .string(id), "task": .string(task), "question": .string(task),
            "context": JSONValue(context), "status": .string(status.rawValue), "agents": .array(agents.map(\.json)),
            "judge": judge?.json ?? .null, "rounds": .int(rounds), "rounds_used": .int(roundsUsed),
            "consensus_method": .string(consensusMethod.rawValue), "consensus_reached": .bool(consensusReached),
            "confidence": .double(confidence), "final_answer": JSONValue(finalAnswer), "consensus": consensus?.json ?? .null,
            "messages": .array(messages.map(\.json)), "critiques": .array(critiques.map(\.json)), "votes": .array(votes.map(\.json)),
            "round_summaries": .array(roundSummaries.map(\.json)), "failures": .array(failures.map(\.json)),
            "usage": usage.json, "seed": seed <= UInt64(Int.max) ? .int(Int(seed)) : .double(Double(seed)),
            "metadata": .object(metadata), "created_at": .string(Timestamp.iso8601(createdAt)),
            "started_at": startedAt.map { .string(Timestamp.iso8601($0)) } ?? .null,
            "completed_at": completedAt.map { .string(Timestamp.iso8601($0)) } ?? .null,
            "duration_seconds": durationSeconds.map(JSONValue.double) ?? .null, "error": JSONValue(error),
            "receipt": receipt?.json ?? .null,
        ]
    }
}

extension DebateCheckpoint {
    /// Where to resume, without the record (which is stored beside it).
    public var stateJSON: JSONValue {
        ["round": .int(round), "step": .string(step.rawValue), "active": JSONValue(active),
         "consecutive_failures": .object(consecutiveFailures.mapValues(JSONValue.int)), "seq": .int(seq),
         "agent_seq": .object(agentSeq.mapValues(JSONValue.int))]
    }

    /// Rebuilds a checkpoint from its stored state and record; nil when the state is unreadable.
    public init?(record: DebateRecord, state: JSONValue) {
        guard let round = state["round"]?.intValue, let step = state["step"]?.stringValue.flatMap(Step.init(rawValue:)),
              let active = state["active"]?.arrayValue?.compactMap(\.stringValue), let seq = state["seq"]?.intValue else { return nil }
        self.init(record: record, round: round, step: step, active: active,
                  consecutiveFailures: (state["consecutive_failures"]?.objectValue ?? [:]).compactMapValues(\.intValue),
                  seq: seq, agentSeq: (state["agent_seq"]?.objectValue ?? [:]).compactMapValues(\.intValue))
    }
}
