import AragoraCore
import Foundation

/// Renders debate events as readable terminal text, one block per event.
struct DebateView {
    let term: Terminal
    var quiet = false

    func render(_ e: DebateEvent) -> String? {
        let d = e.data
        let agent = e.agent ?? "?"
        switch e.type {
        case .debateStart:
            guard !quiet else { return nil }
            var line = term.bold("Debate: ") + (d["task"]?.stringValue ?? "")
            let agents = d["agents"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? ""
            line += "\n" + term.dim("Agents: \(agents) · \(d["rounds"]?.intValue ?? 0) rounds · consensus: \(d["consensus"]?.stringValue ?? "")")
            if let judge = d["judge"]?.stringValue { line += term.dim(" (judge: \(judge))") }
            return line
        case .roundStart:
            guard !quiet else { return nil }
            let r = d["round"]?.intValue ?? 0, total = d["total_rounds"]?.intValue ?? 0
            return "\n" + term.bold(term.cyan("── Round \(r) of \(total) · \(d["phase"]?.stringValue ?? "") ──"))
        case .agentMessage:
            guard !quiet else { return nil }
            let verb = d["role"]?.stringValue == "revision" ? "revises" : "proposes"
            return term.bold("▸ \(agent) \(verb):") + "\n" + term.wrap(d["content"]?.stringValue ?? "", indent: "    ")
        case .critique:
            guard !quiet else { return nil }
            let severity = d["severity"]?.doubleValue ?? 0
            let sev = "severity \(Self.number(severity))/10"
            let colored = severity >= 7 ? term.red(sev) : (severity >= 4 ? term.yellow(sev) : term.green(sev))
            var text = "  ✎ \(agent) → \(d["target"]?.stringValue ?? "?") (\(colored))"
            for issue in d["issues"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                text += "\n" + term.wrap("- " + issue, indent: "      ")
            }
            for s in d["suggestions"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                text += "\n" + term.dim(term.wrap("suggests: " + s, indent: "      "))
            }
            return text
        case .vote:
            guard !quiet else { return nil }
            let conf = Self.number(d["confidence"]?.doubleValue ?? 0)
            return "  ☑ \(agent) votes for \(term.bold(d["choice"]?.stringValue ?? "?")) (confidence \(conf))\n"
                + term.dim(term.wrap(d["reasoning"]?.stringValue ?? "", indent: "      "))
        case .agentError:
            let removed = d["removed"]?.boolValue == true ? " — removed from the panel" : ""
            return term.red("  ✗ \(agent) failed to \(d["phase"]?.stringValue ?? "reply"): \(d["error"]?.stringValue ?? "")\(removed)")
        case .synthesis:
            guard !quiet else { return nil }
            let what = d["method"]?.stringValue == "judge" ? "judges" : "synthesizes"
            return "\n" + term.bold("▸ \(agent) \(what):") + "\n" + term.wrap(d["content"]?.stringValue ?? "", indent: "    ")
        case .consensus:
            return consensus(d)
        case .debateEnd:
            return end(d)
        case .tokenDelta, .heartbeat, .error, .debateResumed:
            return nil
        }
    }

    func consensus(_ d: JSONValue) -> String {
        var out = ""
        if !quiet, let rounds = d["round_summaries"]?.arrayValue, !rounds.isEmpty {
            out += "\n" + term.bold("Convergence: ")
            out += rounds.map { r in
                let sims = (r["similarity"]?.objectValue ?? [:]).values.compactMap(\.doubleValue)
                let minSim = sims.min().map { " min \(Self.number($0))" } ?? ""
                // How many of the round's critiques and votes were valid, when the record says.
                let counts = [("critiques", r["critiques"]), ("votes", r["votes"])].compactMap { name, c -> String? in
                    guard let valid = c?["valid"]?.intValue, let asked = c?["requested"]?.intValue else { return nil }
                    return "\(valid)/\(asked) \(name) valid"
                }
                return "R\(r["round"]?.intValue ?? 0) \(r["convergence"]?.stringValue ?? "")\(minSim)"
                    + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")
            }.joined(separator: " · ")
        }
        let reached = d["reached"]?.boolValue == true
        let method = d["method"]?.stringValue ?? ""
        let head = reached ? term.green("Consensus reached") : term.yellow(method == "none" ? "No vote (synthesis)" : "No consensus")
        out += "\n\n" + term.bold("══ Result ══") + "\n"
        let confidence = d["confidence"]?.doubleValue.map(Self.number) ?? "not given"
        out += "\(term.bold(head)) · method \(method) · confidence \(confidence)\n"
        out += term.dim("  " + (d["summary"]?.stringValue ?? "")) + "\n"
        out += term.bold("Final answer:") + "\n" + term.wrap(d["final_answer"]?.stringValue ?? "", indent: "    ")
        let supporting = d["supporting_agents"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !supporting.isEmpty { out += "\n" + term.bold("Supporting: ") + supporting.joined(separator: ", ") }
        let dissent = d["dissent"]?.arrayValue ?? []
        if !dissent.isEmpty {
            out += "\n" + term.bold("Dissenting:")
            for x in dissent {
                let choice = x["choice"]?.stringValue.map { " (preferred \($0))" } ?? ""
                out += "\n" + term.wrap("- \(x["agent"]?.stringValue ?? "?")\(choice): \(x["reason"]?.stringValue ?? "")", indent: "    ")
            }
        }
        return out
    }

    func end(_ d: JSONValue) -> String {
        let status = d["status"]?.stringValue ?? "?"
        var out = "\n" + term.bold("Status: ") + (status == "completed" ? term.green(status) : term.red(status))
        if let error = d["error"]?.stringValue { out += " — \(error)" }
        out += " · rounds used \(d["rounds_used"]?.intValue ?? 0) · \(Self.number(d["duration_seconds"]?.doubleValue ?? 0))s"
        if let usage = d["usage"] {
            out += " · tokens \(usage["input_tokens"]?.intValue ?? 0) in / \(usage["output_tokens"]?.intValue ?? 0) out"
            out += " · cost $\(String(format: "%.4f", usage["cost_usd"]?.doubleValue ?? 0))"
            if usage["estimated"]?.boolValue == true { out += " (token counts partly estimated)" }
        }
        // Per agent, when real providers were involved (demo agents cost nothing).
        if let byAgent = d["usage_by_agent"]?.objectValue, byAgent.values.contains(where: { ($0["cost_usd"]?.doubleValue ?? 0) > 0 }) {
            for (agent, u) in byAgent.sorted(by: { $0.key < $1.key }) {
                out += "\n    \(agent): \(u["input_tokens"]?.intValue ?? 0) in / \(u["output_tokens"]?.intValue ?? 0) out"
                    + " · $\(String(format: "%.4f", u["cost_usd"]?.doubleValue ?? 0))"
            }
        }
        if let digest = d["receipt_digest"]?.stringValue { out += "\n" + term.bold("Receipt: ") + "sha256 \(digest)" }
        return out
    }

    static func number(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
