/// The instructions an LLM agent receives for one call: a system prompt (its role, the reply format of this
/// phase) and a user message (the question and what it must respond to). The formats are the ones
/// `ReplyParser` reads, written here once for every provider.
public struct Prompt: Sendable, Equatable {
    public var system: String
    public var user: String

    public init(system: String, user: String) {
        self.system = system
        self.user = user
    }
}

public enum PromptBuilder {
    public static func prompt(for request: PhaseRequest, in context: DebateContext, as agent: AgentIdentity) -> Prompt {
        Prompt(system: system(request.phase, agent: agent, panel: context.agents), user: user(request, context, agent: agent))
    }

    /// The reply format of each phase, as `ReplyParser` expects it. Stated in the prompt even when the provider
    /// is also given the schema: some servers take no schema at all.
    public static func replyFormat(_ phase: DebatePhase) -> String {
        switch phase {
        case .propose, .revise, .synthesize:
            return "Reply with your answer as plain prose (no JSON), ending with a line 'Recommendation: ...'."
        case .critique:
            return "Reply with JSON only: \(ReplySchema.critique.example) with at most three short issues and suggestions; severity is an integer from 0 (cosmetic) to 10 (fatal)."
        case .vote:
            return "Reply with JSON only: \(ReplySchema.vote(labels: []).example); choice is exactly one of the labels listed, confidence a number from 0 to 1 (such as 0.7), reasoning one short sentence."
        case .judge:
            return "Reply with JSON only: \(ReplySchema.judgment(labels: []).example); winner is the label of the answer you side with, confidence a number from 0 to 1 (such as 0.7); the final answer must stand on its own."
        }
    }

    static func system(_ phase: DebatePhase, agent: AgentIdentity, panel: [AgentIdentity]) -> String {
        var lines = ["You are \(agent.name), one of \(panel.count) agents debating a question to reach the best answer."]
        if let persona = agent.persona { lines.append("Argue as a \(persona).") }
        switch phase {
        case .propose: lines.append("Propose your answer to the question.")
        case .revise: lines.append("Revise your answer in the light of the critiques you received; change it where they are right.")
        case .critique: lines.append("Critique another agent's answer: what is wrong or missing, and how to fix it.")
        case .vote: lines.append("Vote for the best answer among the other agents'.")
        case .judge: lines.append("You are the judge: weigh the final answers, critiques and votes and write the panel's final answer.")
        case .synthesize: lines.append("Write one synthesis of all positions: where they agree, where they differ, what to do.")
        }
        lines.append(replyFormat(phase))
        return lines.joined(separator: "\n")
    }

    public static func user(_ request: PhaseRequest, _ context: DebateContext, agent: AgentIdentity) -> String {
        var parts = ["Question: \(context.question)"]
        if let background = context.context, !background.isEmpty { parts.append("Context:\n\(background)") }
        switch request.phase {
        case .propose:
            break
        case .revise:
            if let own = request.ownAnswer { parts.append("Your current answer:\n\(own)") }
            parts.append(critiques(request.critiquesReceived, heading: "Critiques of your answer"))
        case .critique:
            if let target = request.target { parts.append("The answer to critique (\(target.agent)):\n\(target.content)") }
        case .vote:
            parts.append(answers(request.candidates))
            parts.append("Labels you may vote for: \(request.candidates.map(\.agent).joined(separator: ", ")).")
        case .judge:
            parts.append(answers(request.candidates))
            parts.append("Labels of the answers: \(request.candidates.map(\.agent).joined(separator: ", ")).")
            parts.append(critiques(request.critiques, heading: "Critiques this round"))
            if !request.votes.isEmpty {
                parts.append("Votes:\n" + request.votes.map { "- \($0.agent) voted \($0.choice) (confidence \($0.confidence)): \($0.reasoning)" }
                    .joined(separator: "\n"))
            }
        case .synthesize:
            parts.append(answers(request.candidates))
            parts.append(critiques(request.critiques, heading: "Critiques this round"))
        }
        parts.append("Round \(request.round). \(replyFormat(request.phase))")
        if let repair = request.repair {
            let previous = repair.previousReply.count > 600 ? String(repair.previousReply.prefix(600)) + "..." : repair.previousReply
            parts.append("Your previous reply could not be used: \(repair.problem).\nIt was:\n\(previous)\n\n"
                         + "Reply again, with JSON only, in exactly the format above.")
        }
        return parts.joined(separator: "\n\n")
    }

    /// The context rule: a prompt whose estimated size (four characters a token) leaves less than
    /// `reserveTokens` of a `contextTokens` window for the reply is cut in the middle of its user message, where
    /// the quoted answers and critiques sit; the question at its head and the reply instructions (and the names one
    /// may vote for) at its tail are kept, and a marker says how much was left out. Prompts only ever quote the
    /// latest round, so this happens with long answers or small local models, not with long debates as such.
    /// Returns the prompt and the number of characters removed.
    public static func fit(_ prompt: Prompt, contextTokens: Int, reserveTokens: Int) -> (Prompt, trimmed: Int) {
        let budget = max(1000, (contextTokens - reserveTokens) * 4) - prompt.system.count
        guard prompt.user.count > budget else { return (prompt, 0) }
        let keepHead = budget * 2 / 5, keepTail = budget * 2 / 5
        let cut = prompt.user.count - keepHead - keepTail
        let user = String(prompt.user.prefix(keepHead)) + "\n\n[... \(cut) characters of quoted material left out to fit the context window ...]\n\n"
            + String(prompt.user.suffix(keepTail))
        return (Prompt(system: prompt.system, user: user), cut)
    }

    static func answers(_ positions: [Position]) -> String {
        "Answers:\n" + positions.map { "### \($0.agent)\n\($0.content)" }.joined(separator: "\n\n")
    }

    static func critiques(_ list: [Critique], heading: String) -> String {
        guard !list.isEmpty else { return "\(heading): none." }
        return "\(heading):\n" + list.map { c in
            "- \(c.agent) on \(c.target) (severity \(Int(c.severity))): " + (c.issues + c.suggestions.map { "suggests: \($0)" })
                .joined(separator: "; ")
        }.joined(separator: "\n")
    }
}
