/// The record written field by field, in its `Codable` shape: the same keys in the same order, the same bytes
/// (`JSONShapeTests` compares both over records with every optional present and absent). Every checkpoint stores
/// the whole record, and the generic encoder ran at about 100 bytes a microsecond, mostly in its containers and
/// metadata lookups (docs/benchmarks.md, issue 25). A field added to the record or to a type it holds is added
/// here too; the shape test fails until it is (for an optional field, once its record with every optional sets it).
extension DebateRecord {
    public func storedJSON() -> [UInt8] {
        var w = JSONObjectWriter(capacity: 1024 + messages.reduce(0) { $0 + $1.content.utf8.count + 96 })
        w.add("id", string: id)
        w.add("task", string: task)
        w.add("context", string: context)
        w.add("status", string: status.rawValue)
        w.add("agents", objects: agents) { $0.write($1) }
        if let judge { w.add("judge", object: { $0.write(judge) }) } else { w.add("judge", .null) }
        w.add("rounds", int: rounds)
        w.add("rounds_used", int: roundsUsed)
        w.add("consensus_method", string: consensusMethod.rawValue)
        if let consensus { w.add("consensus", object: { $0.write(consensus) }) } else { w.add("consensus", .null) }
        w.add("blind", bool: blind)
        w.add("quorum", int: quorum)
        w.add("review_labels", objects: reviewLabels) { $0.write($1) }
        w.add("consensus_reached", bool: consensusReached)
        w.add("confidence", double: confidence)
        w.add("final_answer", string: finalAnswer)
        w.add("messages", objects: messages) { $0.write($1) }
        w.add("critiques", objects: critiques) { $0.write($1) }
        w.add("votes", objects: votes) { $0.write($1) }
        w.add("round_summaries", objects: roundSummaries) { $0.write($1) }
        w.add("failures", objects: failures) { $0.write($1) }
        w.add("usage", object: { $0.write(usage) })
        w.add("usage_by_agent", object: { o in
            for (name, usage) in agentUsage { o.add(name, object: { $0.write(usage) }) }
        })
        w.add("seed", json: Array(String(seed).utf8))
        w.add("metadata", object: { o in
            for (key, value) in metadata { o.add(key, value) }
        })
        w.add("created_at", string: Timestamp.iso8601(createdAt))
        w.add("started_at", string: startedAt.map(Timestamp.iso8601))
        w.add("completed_at", string: completedAt.map(Timestamp.iso8601))
        w.add("duration_seconds", double: durationSeconds)
        w.add("error", string: error)
        if let receipt { w.add("receipt", object: { $0.write(receipt) }) } else { w.add("receipt", .null) }
        w.add("instance_id", string: instanceID)
        return w.finished()
    }
}

/// Each type's fields, as its `encode(to:)` (or the synthesized one, which leaves out nil optionals) writes them.
extension JSONObjectWriter {
    mutating func write(_ a: AgentIdentity) {
        add("name", string: a.name)
        add("provider", string: a.provider)
        add("model", string: a.model)
        add("role", string: a.role)
        if let persona = a.persona { add("persona", string: persona) }
    }

    mutating func write(_ c: ConsensusResult) {
        add("method", string: c.method.rawValue)
        add("reached", bool: c.reached)
        add("confidence", double: c.confidence)
        add("final_answer", string: c.finalAnswer)
        add("winner", string: c.winner)
        add("supporting_agents", strings: c.supportingAgents)
        add("dissenting_agents", strings: c.dissentingAgents)
        add("dissent", objects: c.dissent) { o, d in
            o.add("agent", string: d.agent)
            if let choice = d.choice { o.add("choice", string: choice) }
            o.add("reason", string: d.reason)
        }
        add("summary", string: c.summary)
        if let validVotes = c.validVotes { add("valid_votes", int: validVotes) }
        if let quorum = c.quorum { add("quorum", int: quorum) }
    }

    mutating func write(_ r: ReviewLabels) {
        add("round", int: r.round)
        add("reader", string: r.reader)
        add("purpose", string: r.purpose)
        add("labels", object: { o in
            for pair in r.pairs { o.add(pair.label, string: pair.agent) }
        })
    }

    mutating func write(_ m: DebateMessage) {
        add("role", string: m.role)
        add("agent", string: m.agent)
        add("content", string: m.content)
        add("round", int: m.round)
        add("timestamp", double: m.timestamp)
    }

    mutating func write(_ c: Critique) {
        add("agent", string: c.agent)
        add("target", string: c.target)
        add("issues", strings: c.issues)
        add("suggestions", strings: c.suggestions)
        add("severity", double: c.severity)
        add("round", int: c.round)
    }

    mutating func write(_ v: Vote) {
        add("agent", string: v.agent)
        add("choice", string: v.choice)
        add("confidence", double: v.confidence)
        add("reasoning", string: v.reasoning)
        add("round", int: v.round)
    }

    mutating func write(_ s: RoundSummary) {
        add("round", int: s.round)
        add("convergence", string: s.convergence)
        add("similarity", object: { o in
            for (agent, value) in s.similarity { o.add(agent, double: value) }
        })
        if let critiques = s.critiques { add("critiques", object: { $0.write(critiques) }) }
        if let votes = s.votes { add("votes", object: { $0.write(votes) }) }
        add("consensus_reached", bool: s.consensusReached)
    }

    mutating func write(_ c: RoundSummary.Count) {
        add("valid", int: c.valid)
        add("requested", int: c.requested)
        add("repaired", int: c.repaired)
    }

    mutating func write(_ f: AgentFailure) {
        add("agent", string: f.agent)
        add("round", int: f.round)
        add("phase", string: f.phase.rawValue)
        add("error", string: f.error)
        add("removed", bool: f.removed)
        if let kind = f.kind { add("kind", string: kind) }
    }

    mutating func write(_ u: TokenUsage) {
        add("input_tokens", int: u.inputTokens)
        add("output_tokens", int: u.outputTokens)
        add("cost_usd", double: u.costUSD)
        if u.estimated { add("estimated", bool: true) }
    }

    mutating func write(_ r: Receipt) {
        add("version", int: r.version)
        add("payload", r.payload)
        add("digest", string: r.digest)
        add("signature", string: r.signature)
        add("algorithm", string: r.algorithm)
        add("public_key", string: r.publicKey)
    }
}
