import AragoraCore

/// A debate's transcript sized for a model's context: every round's messages and critiques, each cut to a share of
/// `budget` characters (whole when it fits), or one round in full. A cut says so and how to get the rest.
enum TranscriptSummary {
    static let defaultBudget = 8_000

    static func render(_ r: DebateRecord, round only: Int? = nil, budget: Int = defaultBudget) -> String {
        let messages = r.messages.filter { only == nil || $0.round == only }
        let critiques = r.critiques.filter { only == nil || $0.round == only }
        let votes = r.votes.filter { only == nil || $0.round == only }
        // Full text for one round; else each piece gets an equal share of the budget, at least 160 characters.
        let pieces = max(1, messages.count + critiques.count + votes.count)
        let share = only != nil ? Int.max : max(160, budget / pieces)
        var cut = false
        func excerpt(_ text: String) -> String {
            let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            guard flat.count > share else { return flat }
            cut = true
            return String(flat.prefix(share)) + "…"
        }
        var lines = ["Question: \(r.task)"]
        if let context = r.context, !context.isEmpty { lines.append("Context: \(excerpt(context))") }
        let rounds = Set(messages.map(\.round) + critiques.map(\.round) + votes.map(\.round)).sorted()
        for n in rounds {
            lines.append("")
            lines.append("Round \(n)")
            for m in messages where m.round == n { lines.append("- \(m.agent) (\(m.role)): \(excerpt(m.content))") }
            for c in critiques where c.round == n {
                lines.append("- \(c.agent) on \(c.target), severity \(String(format: "%.1f", c.severity)): \(excerpt(c.issues.joined(separator: "; ")))")
            }
            for v in votes where v.round == n {
                lines.append("- \(v.agent) votes \(v.choice) (confidence \(String(format: "%.2f", v.confidence))): \(excerpt(v.reasoning))")
            }
        }
        if rounds.isEmpty { lines.append(only.map { "Round \($0) has nothing yet." } ?? "Nothing said yet.") }
        for f in r.failures where only == nil || f.round == only {
            lines.append("- \(f.agent) failed in round \(f.round) \(f.phase.rawValue): \(excerpt(f.error))")
        }
        if cut { lines.append("\n(Long texts are cut; get_debate with round=N shows a round in full.)") }
        return lines.joined(separator: "\n")
    }
}
