import AragoraCore

/// One line per debate event a person would follow (token deltas and heartbeats are not news): what an MCP client
/// shows as the `debate` tool's progress, and an OpenAI client as the panel's reasoning.
public enum ProgressMessage {
    public static func of(_ e: DebateEvent) -> String? {
        let d = e.data
        let agent = e.agent ?? "?"
        let round = e.round.map { "round \($0)" } ?? ""
        switch e.type {
        case .debateStart:
            let agents = d["agents"]?.arrayValue?.count ?? 0, rounds = d["rounds"]?.intValue ?? 0
            return "debate started: \(agents) agents, \(rounds) round\(rounds == 1 ? "" : "s"), \(d["consensus"]?.stringValue ?? "") consensus"
        case .roundStart:
            return "round \(d["round"]?.intValue ?? e.round ?? 0) of \(d["total_rounds"]?.intValue ?? 0): \(d["phase"]?.stringValue ?? "")"
        case .agentMessage:
            return "\(agent): \(d["role"]?.stringValue ?? "message") (\(round))"
        case .critique:
            let severity = d["severity"]?.doubleValue.map { String(format: "%.1f", $0) } ?? "?"
            return "\(agent) critiqued \(d["target"]?.stringValue ?? "?") (severity \(severity))"
        case .vote:
            return "\(agent) voted"
        case .synthesis:
            return "\(agent) wrote the synthesis"
        case .consensus:
            return d["result"]?["reached"]?.boolValue == true || d["reached"]?.boolValue == true ? "consensus reached" : "no consensus"
        case .agentError:
            return "\(agent) failed: \((d["error"]?.stringValue ?? "").prefix(160))"
        case .debateEnd:
            return "debate \(d["status"]?.stringValue ?? "ended")"
        case .debateResumed:
            return "debate resumed on another instance"
        case .tokenDelta, .heartbeat, .error:
            return e.type == .error ? "error: \((d["message"]?.stringValue ?? "").prefix(160))" : nil
        }
    }
}
