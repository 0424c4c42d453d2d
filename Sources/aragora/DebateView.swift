import AragoraCore
import Foundation

/// Renders debate events as readable terminal text, one block per event.
struct DebateView {
    let term: Terminal
    var quiet = false

    /// The event as text; nil for events not shown (deltas, heartbeats) or, quiet, anything but failures and the
    /// outcome. Payloads are read through their types (`DebateEventPayload`), never by key.
    func render(_ e: DebateEvent) -> String? {
        let agent = e.agent ?? "?"
        switch e.type {
        case .debateStart:
            guard !quiet, let d = e.payload(as: DebateStartEvent.self) else { return nil }
            var line = term.bold("Debate: ") + d.task
            line += "\n" + term.dim("Agents: \(d.agents.joined(separator: ", ")) · \(d.rounds) rounds · consensus: \(d.consensus)")
            if let judge = d.judge { line += term.dim(" (judge: \(judge))") }
            return line
        case .roundStart:
            guard !quiet, let d = e.payload(as: RoundStartEvent.self) else { return nil }
            return "\n" + term.bold(term.cyan("── Round \(d.round) of \(d.totalRounds) · \(d.phase) ──"))
        case .agentMessage:
            guard !quiet, let d = e.payload(as: AgentMessageEvent.self) else { return nil }
            let verb = d.role == "revision" ? "revises" : "proposes"
            return term.bold("▸ \(agent) \(verb):") + "\n" + term.wrap(d.content, indent: "    ")
        case .critique:
            guard !quiet, let d = e.payload(as: CritiqueEvent.self) else { return nil }
            let sev = "severity \(Self.number(d.severity))/10"
            let colored = d.severity >= 7 ? term.red(sev) : (d.severity >= 4 ? term.yellow(sev) : term.green(sev))
            var text = "  ✎ \(agent) → \(d.target) (\(colored))"
            for issue in d.issues { text += "\n" + term.wrap("- " + issue, indent: "      ") }
            for s in d.suggestions { text += "\n" + term.dim(term.wrap("suggests: " + s, indent: "      ")) }
            return text
        case .vote:
            guard !quiet, let d = e.payload(as: VoteEvent.self) else { return nil }
            return "  ☑ \(agent) votes for \(term.bold(d.choice)) (confidence \(Self.number(d.confidence)))\n"
                + term.dim(term.wrap(d.reasoning, indent: "      "))
        case .agentError:
            guard let f = e.payload(as: AgentErrorEvent.self)?.failure else { return nil }
            let removed = f.removed ? " — removed from the panel" : ""
            return term.red("  ✗ \(agent) failed to \(f.phase.rawValue): \(f.error)\(removed)")
        case .synthesis:
            guard !quiet, let d = e.payload(as: SynthesisEvent.self) else { return nil }
            let what = d.method == "judge" ? "judges" : "synthesizes"
            return "\n" + term.bold("▸ \(agent) \(what):") + "\n" + term.wrap(d.content, indent: "    ")
        case .consensus:
            return e.payload(as: ConsensusEvent.self).map(consensus)
        case .debateEnd:
            return e.payload(as: DebateEndEvent.self).map(end)
        case .tokenDelta, .heartbeat, .error, .debateResumed:
            return nil
        }
    }

    func consensus(_ event: ConsensusEvent) -> String {
        let c = event.result
        var out = ""
        if !quiet, !event.roundSummaries.isEmpty {
            out += "\n" + term.bold("Convergence: ")
            out += event.roundSummaries.map { r in
                let minSim = r.similarity.values.min().map { " min \(Self.number($0))" } ?? ""
                // How many of the round's critiques and votes were valid, when the record says.
                let counts = [("critiques", r.critiques), ("votes", r.votes)].compactMap { name, count -> String? in
                    count.map { "\($0.valid)/\($0.requested) \(name) valid" }
                }
                return "R\(r.round) \(r.convergence)\(minSim)" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")
            }.joined(separator: " · ")
        }
        let method = c.method.rawValue
        let head = c.reached ? term.green("Consensus reached") : term.yellow(c.method == .none ? "No vote (synthesis)" : "No consensus")
        out += "\n\n" + term.bold("══ Result ══") + "\n"
        let confidence = c.confidence.map(Self.number) ?? "not given"
        out += "\(term.bold(head)) · method \(method) · confidence \(confidence)\n"
        out += term.dim("  " + c.summary) + "\n"
        out += term.bold("Final answer:") + "\n" + term.wrap(c.finalAnswer, indent: "    ")
        if !c.supportingAgents.isEmpty { out += "\n" + term.bold("Supporting: ") + c.supportingAgents.joined(separator: ", ") }
        if !c.dissent.isEmpty {
            out += "\n" + term.bold("Dissenting:")
            for x in c.dissent {
                let choice = x.choice.map { " (preferred \($0))" } ?? ""
                out += "\n" + term.wrap("- \(x.agent)\(choice): \(x.reason)", indent: "    ")
            }
        }
        return out
    }

    func end(_ d: DebateEndEvent) -> String {
        let status = d.status.rawValue
        var out = "\n" + term.bold("Status: ") + (d.status == .completed ? term.green(status) : term.red(status))
        if let error = d.error { out += " — \(error)" }
        out += " · rounds used \(d.roundsUsed) · \(Self.number(d.durationSeconds))s"
        out += " · tokens \(d.usage.inputTokens) in / \(d.usage.outputTokens) out"
        out += " · cost $\(String(format: "%.4f", d.usage.costUSD))"
        if d.usage.estimated { out += " (token counts partly estimated)" }
        // Per agent, when real providers were involved (demo agents cost nothing).
        if d.usageByAgent.values.contains(where: { $0.costUSD > 0 }) {
            for (agent, u) in d.usageByAgent.sorted(by: { $0.key < $1.key }) {
                out += "\n    \(agent): \(u.inputTokens) in / \(u.outputTokens) out · $\(String(format: "%.4f", u.costUSD))"
            }
        }
        if let digest = d.receiptDigest { out += "\n" + term.bold("Receipt: ") + "sha256 \(digest)" }
        return out
    }

    static func number(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
