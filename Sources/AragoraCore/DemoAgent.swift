import Foundation
import Synchronization

/// An offline agent with a persona: no network, deterministic for a seed.
///
/// Its text is built from the question's own words, differs between personas, answers the critiques it
/// received when it revises, and its votes follow persona affinities plus seeded noise, so that across
/// questions every consensus outcome (clear win, tie, failed unanimity) occurs.
public struct DemoAgent: ScheduledAgent {
    /// Everything the agent is, behind one reference: each pending call's timer holds a copy of the agent, and the
    /// agent itself then fits in an existential's inline buffer (no box per copy).
    final class Core: Sendable {
        let identity: AgentIdentity
        let persona: DemoPersona
        /// Waited before each reply (`ARAGORA_DEMO_LATENCY_MS`), so demos can be watched and latency simulated.
        let latency: Duration
        /// The topic of the debate this agent answered last: read from the question once per debate, not per reply.
        let topics = TopicCache()

        init(identity: AgentIdentity, persona: DemoPersona, latency: Duration) {
            (self.identity, self.persona, self.latency) = (identity, persona, latency)
        }
    }

    let core: Core
    public var identity: AgentIdentity { core.identity }

    public init(name: String, persona: String, role: String = "proposer", latency: Duration = .zero) {
        let persona = DemoPersona.named(persona)
        core = Core(identity: AgentIdentity(name: name, provider: "demo", model: "demo-\(persona.name)", role: role,
                                            persona: persona.name),
                    persona: persona, latency: latency)
    }

    public var respondsInstantly: Bool { core.latency == .zero }

    /// Personas of the default panel.
    public static let defaultPersonas = ["skeptic", "pragmatist", "visionary"]
    public static let personaNames = DemoPersona.all.map(\.name)

    public func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
        if core.latency > .zero { try await TimerWheel.shared.sleep(for: core.latency) }
        return reply(to: request, in: context)
    }

    /// With a latency, the text comes out in pieces spread over it, as a model writes: one piece per 100 ms of
    /// latency, two to eight (enough to watch, few enough that thousands of concurrent demo debates stay cheap);
    /// without a latency it comes at once.
    public func stream(to request: PhaseRequest, in context: DebateContext, onDelta: TokenSink) async throws -> AgentReply {
        guard core.latency > .zero else { return reply(to: request, in: context) }
        let whole = reply(to: request, in: context)
        let pieces = Self.pieces(of: whole.text, count: min(8, max(2, Int(core.latency / .milliseconds(100)))))
        for piece in pieces {
            try await TimerWheel.shared.sleep(for: core.latency / pieces.count)
            onDelta(piece)
        }
        return whole
    }

    /// Where replies that came due are built: off the timer thread, which must stay quick.
    static let replies = DispatchQueue(label: "aragora-demo-replies", attributes: .concurrent)

    /// The same replies as `respond` and `stream`, waited for on the timer wheel instead of in a task.
    public func start(_ request: PhaseRequest, in context: DebateContext, streaming: Bool,
                      onDelta: @escaping TokenSink, done: @escaping @Sendable (Result<AgentReply, any Error>) -> Void) {
        guard core.latency > .zero else { return done(.success(reply(to: request, in: context))) }
        guard streaming else {
            // Built when due, off the timer thread, so that a pending call holds no reply text.
            _ = TimerWheel.shared.schedule(at: .now + core.latency) {
                Self.replies.async { done(.success(reply(to: request, in: context))) }
            }
            return
        }
        let whole = reply(to: request, in: context)
        let pieces = Self.pieces(of: whole.text, count: min(8, max(2, Int(core.latency / .milliseconds(100)))))
        let step = core.latency / pieces.count
        @Sendable func emit(_ next: Int) {
            _ = TimerWheel.shared.schedule(at: .now + step) {
                onDelta(pieces[next])
                if next + 1 < pieces.count { emit(next + 1) } else { done(.success(whole)) }
            }
        }
        emit(0)
    }

    /// Splits text at spaces into about `count` pieces that concatenate back to it.
    /// Each piece but the last ends with the space after its last word. Cut by byte offsets (spaces are ASCII, so
    /// every cut is a character boundary): splitting into words and joining them back cost more than the reply.
    static func pieces(of text: String, count: Int) -> [String] {
        var text = text
        return text.withUTF8 { bytes -> [String] in
            var spaces: [Int] = []
            for (i, b) in bytes.enumerated() where b == 32 { spaces.append(i) }
            let words = spaces.count + 1
            let size = max(1, (words + count - 1) / count)
            var out: [String] = []
            var start = 0
            // The cut after word number k (1-based) is just past the k-th space.
            for k in stride(from: size, to: words, by: size) {
                let end = spaces[k - 1] + 1
                out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                start = end
            }
            out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
            return out
        }
    }

    func reply(to request: PhaseRequest, in context: DebateContext) -> AgentReply {
        let topic = core.topics.topic(of: context)
        var rng = SeededRandom(seed: context.seed, core.identity.name, request.phase.rawValue, String(request.round),
                               request.target?.agent ?? "")
        let text: String
        switch request.phase {
        case .propose: text = propose(topic, &rng)
        case .revise: text = revise(topic, request, &rng)
        case .critique: text = critique(topic, request, context, &rng)
        case .vote: text = vote(topic, request, context, &rng)
        case .judge: text = judge(topic, request, context, &rng)
        case .synthesize: text = synthesize(topic, request)
        }
        let outputWords = Self.wordCount(text)
        var promptWords = 40 + Self.wordCount(context.question)
        promptWords += Self.wordCount(request.ownAnswer ?? "")
        for c in request.candidates { promptWords += Self.wordCount(c.content) }
        return AgentReply(text: text, usage: TokenUsage(inputTokens: promptWords * 4 / 3, outputTokens: outputWords * 4 / 3))
    }

    // MARK: - Phases

    func propose(_ topic: DemoTopic, _ rng: inout SeededRandom) -> String {
        let stance = topic.fill(rng.pick(core.persona.stances))
        var reasons = core.persona.reasons
        let first = reasons.remove(at: Int(rng.next() % UInt64(reasons.count)))
        let second = rng.pick(reasons)
        return "\(stance) \(topic.fill(first)) \(topic.fill(second))\n\nRecommendation: \(topic.fill(rng.pick(core.persona.recommendations)))"
    }

    func revise(_ topic: DemoTopic, _ request: PhaseRequest, _ rng: inout SeededRandom) -> String {
        let previous = request.ownAnswer ?? propose(topic, &rng)
        let split = Self.split(previous, at: "\n\nRecommendation: ")
        let core = split?.before ?? previous
        var recommendation = split.map { Self.split($0.after, at: "\n\n")?.before ?? $0.after }
            ?? topic.fill(rng.pick(self.core.persona.recommendations))
        let critiques = request.critiquesReceived.sorted { $0.severity > $1.severity }
        guard let strongest = critiques.first else {
            return "\(core)\n\nRecommendation: \(recommendation)\n\nRevision (round \(request.round)): no critiques received; position unchanged."
        }
        let issue = strongest.issues.first ?? "the plan needs more detail"
        var notes: [String] = []
        if strongest.severity >= 7 {
            // A serious objection changes the recommendation itself.
            let alternatives = self.core.persona.recommendations.map(topic.fill).filter { $0 != recommendation }
            recommendation = alternatives.isEmpty ? recommendation : rng.pick(alternatives)
            notes.append("Conceding to \(strongest.agent) that \(Self.lowerFirst(issue)), I changed my recommendation.")
        } else {
            notes.append("\(strongest.agent) argued that \(Self.lowerFirst(issue)); I keep my position but account for it.")
        }
        if let suggestion = critiques.compactMap(\.suggestions.first).first {
            notes.append("Accepted suggestion: \(Self.lowerFirst(suggestion)).")
        }
        if critiques.count > 1 {
            let others = critiques.dropFirst().map(\.agent)
            notes.append("Also considered: \(others.joined(separator: ", ")).")
        }
        return "\(core)\n\nRecommendation: \(recommendation)\n\nRevision (round \(request.round)): \(notes.joined(separator: " "))"
    }

    func critique(_ topic: DemoTopic, _ request: PhaseRequest, _ context: DebateContext, _ rng: inout SeededRandom) -> String {
        let targetPersona = request.target.map { persona(of: $0, topic: topic, in: context) } ?? ""
        let affinity = core.persona.affinity[targetPersona] ?? 0.5
        // Less kind to personas it disagrees with; softer as answers get revised.
        let base = (1 - affinity) * 10 + (rng.unit() * 3 - 1.5)
        let severity = max(1, min(9, (base * (1 - 0.15 * Double(request.round - 1))).rounded()))
        var concerns = core.persona.concerns
        let first = concerns.remove(at: Int(rng.next() % UInt64(concerns.count)))
        let issues = [first] + (severity >= 6 ? [rng.pick(concerns)] : [])
        let issueTexts = issues.map { topic.fill($0) }
        let suggestion = topic.fill(rng.pick(core.persona.suggestions))
        let json: JSONValue = ["issues": JSONValue(issueTexts), "suggestions": JSONValue([suggestion]), "severity": .int(Int(severity))]
        return json.serialized()
    }

    func vote(_ topic: DemoTopic, _ request: PhaseRequest, _ context: DebateContext, _ rng: inout SeededRandom) -> String {
        var best: (name: String, score: Double)?
        for candidate in request.candidates {
            // The noise depends on the answer, not on where it is listed: blind review shuffles the list, and the same
            // answers must get the same vote either way.
            let author = persona(of: candidate, topic: topic, in: context)
            var noise = SeededRandom(seed: context.seed, core.identity.name, "vote", String(request.round), author)
            var score = (core.persona.affinity[author] ?? 0.5) + noise.unit() * 0.45
            // Answers that took this agent's critique on board earn a little credit.
            if candidate.content.containsBytes(of: core.identity.name) { score += 0.05 }
            if best == nil || score > best!.score { best = (candidate.agent, score) }
        }
        let choice = best?.name ?? "nobody"
        let confidence = ((0.5 + rng.unit() * 0.45) * 100).rounded() / 100
        let reasoning = "\(choice) gives the most defensible answer on \(topic.gist): it \(rng.pick(Self.voteReasons))."
        let json: JSONValue = ["choice": .string(choice), "confidence": .double(confidence), "reasoning": .string(reasoning)]
        return json.serialized()
    }

    static let voteReasons = [
        "weighs the costs against the benefits", "names a concrete first step", "responds to the critiques it received",
        "is honest about the risks", "keeps the long-term goal in view", "proposes something we can measure",
    ]

    func judge(_ topic: DemoTopic, _ request: PhaseRequest, _ context: DebateContext, _ rng: inout SeededRandom) -> String {
        var weight: [String: Double] = [:]
        for v in request.votes { weight[v.choice, default: 0] += v.confidence }
        let ranked = request.candidates.sorted { a, b in
            let wa = weight[a.agent] ?? 0, wb = weight[b.agent] ?? 0
            if wa != wb { return wa > wb }
            return (core.persona.affinity[persona(of: a, topic: topic, in: context)] ?? 0.5) > (core.persona.affinity[persona(of: b, topic: topic, in: context)] ?? 0.5)
        }
        guard let winner = ranked.first else {
            return (["winner": .null, "confidence": .null, "final_answer": .string("No answers were given on \(topic.gist).")] as JSONValue).serialized()
        }
        let total = weight.values.reduce(0, +)
        let share = total > 0 ? (weight[winner.agent] ?? 0) / total : 0.5
        let confidence = ((0.55 + 0.4 * share + rng.unit() * 0.05) * 100).rounded() / 100
        let recommendation = Self.split(winner.content, at: "\n\nRecommendation: ")
            .map { Self.split($0.after, at: "\n\n")?.before ?? $0.after } ?? winner.content
        let stance = Self.firstSentence(winner.content)
        // The answer stands on its own: no labels or names, which mean nothing to the reader of the result.
        var answer = "On \(topic.gist), the panel's strongest position: \(stance) Recommended course: \(recommendation)"
        if let runnerUp = ranked.dropFirst().first {
            answer += " Keep in mind the strongest caution raised: \(Self.firstSentence(runnerUp.content))"
        }
        let json: JSONValue = ["winner": .string(winner.agent), "confidence": .double(confidence), "final_answer": .string(answer)]
        return json.serialized()
    }

    func synthesize(_ topic: DemoTopic, _ request: PhaseRequest) -> String {
        let views = request.candidates.map { "\($0.agent) holds that \(Self.lowerFirst(Self.firstSentence($0.content)))" }
        return "Synthesis on \(topic.gist): " + views.joined(separator: " Meanwhile, ")
            + " Common ground: decide with explicit success criteria and revisit the decision with evidence."
    }

    // MARK: - Helpers

    /// The text before and after the first `separator`, nil when it is absent.
    static func split(_ text: String, at separator: String) -> (before: String, after: String)? {
        guard let r = text.firstByteRange(of: separator) else { return nil }
        return (String(text[..<r.lowerBound]), String(text[r.upperBound...]))
    }

    static func wordCount(_ s: String) -> Int {
        var s = s
        // Over the contiguous bytes: the per-byte String.UTF8View iterator cost more than all the rest of a reply.
        return s.withUTF8 { bytes in
            var n = 1
            for b in bytes where b == 32 { n += 1 }
            return n
        }
    }

    /// Whose voice an answer is in: its author's persona when shown by name; under blind review (a label) the
    /// panel persona whose stance opens the text, as a reader would recognise a style.
    func persona(of answer: Position, topic: DemoTopic, in context: DebateContext) -> String {
        if let named = context.agents.first(where: { $0.name == answer.agent })?.persona { return named }
        for agent in context.agents {
            guard let name = agent.persona else { continue }
            if DemoPersona.named(name).stances.contains(where: { topic.opens(answer.content, with: $0) }) { return name }
        }
        return answer.agent
    }

    static func firstSentence(_ text: String) -> String {
        let head = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        if let end = head.firstIndex(where: { $0 == "." || $0 == "?" || $0 == "!" }) { return String(head[...end]) }
        return head
    }

    static func lowerFirst(_ s: String) -> String {
        guard let f = s.first else { return s }
        return f.lowercased() + s.dropFirst()
    }
}

/// The topic of the question an agent answered last, kept between its replies: read from the question once, not
/// per reply. Keyed by the question alone (the topic depends on nothing else), so an agent shared by many debates
/// of the same question (`aragora-bench`) hits too; a miss recomputes, which is cheap and always right.
final class TopicCache: Sendable {
    private let last = Mutex<(question: String, topic: DemoTopic)?>(nil)

    func topic(of context: DebateContext) -> DemoTopic {
        if let hit = last.withLock({ entry in entry.flatMap { $0.question == context.question ? $0.topic : nil } }) {
            return hit
        }
        let topic = DemoTopic(question: context.question)
        last.withLock { $0 = (context.question, topic) }
        return topic
    }
}

/// The question reduced to what demo agents talk about: its gist and two key words.
struct DemoTopic: Sendable {
    var gist: String
    var a: String
    var b: String

    static let stopwords: Set<String> = [
        "should", "would", "could", "shall", "will", "what", "which", "when", "where", "why", "how", "who", "whom",
        "is", "are", "was", "were", "be", "been", "do", "does", "did", "can", "may", "might", "must", "we", "our",
        "us", "you", "your", "they", "their", "it", "its", "the", "a", "an", "and", "or", "but", "if", "then",
        "than", "that", "this", "these", "those", "to", "of", "in", "on", "for", "with", "at", "by", "from", "as",
        "into", "about", "over", "under", "i", "my", "me", "there", "here", "not", "no", "yes", "best", "better",
        "more", "most", "some", "any", "all", "use", "using", "get", "make", "have", "has", "had",
    ]

    init(question: String) {
        var q = question.trimmed()
        while let last = q.last, "?.!".contains(last) { q.removeLast() }
        let lower = q.lowercased()
        for lead in ["should we ", "should i ", "should ", "is it worth ", "is it ", "do we ", "can we ", "would it be ",
                     "what is the best way to ", "what is ", "what are ", "how should we ", "how do we ", "how can we ", "how to "]
        where lower.hasPrefix(lead) {
            q = String(q.dropFirst(lead.count))
            break
        }
        if q.count > 80 { q = String(q.prefix(80)).split(separator: " ").dropLast().joined(separator: " ") }
        gist = q.isEmpty ? "this question" : q
        // The gist's first word is usually its verb ("adopt a monorepo"): a poor thing to talk about.
        let verb = gist.split(separator: " ").count > 1 ? gist.split(separator: " ")[0].lowercased() : ""
        let words = TextSimilarity.tokens(question).map(String.init).filter {
            !Self.stopwords.contains($0) && $0.count >= 3 && $0 != verb
        }
        var unique: [String] = []
        for w in words where !unique.contains(w) { unique.append(w) }
        let ranked = unique.enumerated().sorted { x, y in
            x.element.count != y.element.count ? x.element.count > y.element.count : x.offset < y.offset
        }.map(\.element)
        a = ranked.first ?? "this change"
        b = ranked.dropFirst().first ?? "the current approach"
    }

    /// What `{name}` in a template stands for; nil leaves the placeholder as written.
    func value(of name: Substring) -> String? {
        switch name {
        case "topic": gist
        case "a": a
        case "b": b
        default: nil
        }
    }

    /// The filled template piece by piece, in order: its literal runs and what each `{name}` stands for (an unknown
    /// name as written), until `body` returns false. Rendering and `opens` read templates the same way through it.
    func pieces(of template: String, _ body: (Substring) -> Bool) {
        var rest = Substring(template)
        while let open = rest.utf8.firstIndex(of: UInt8(ascii: "{")),
              let close = rest.utf8[open...].firstIndex(of: UInt8(ascii: "}")) {
            guard body(rest[..<open]) else { return }
            let value = value(of: rest[rest.index(after: open)..<close]).map { Substring($0) } ?? rest[open...close]
            guard body(value) else { return }
            rest = rest[rest.index(after: close)...]
        }
        _ = body(rest)
    }

    /// Every `{name}` replaced by its value; unknown names stay as written.
    func render(_ template: String) -> String {
        var out = ""
        pieces(of: template) { out += $0; return true }
        return out
    }

    func fill(_ template: String) -> String {
        let s = render(template)
        guard let f = s.first, f.isLowercase else { return s }
        return f.uppercased() + s.dropFirst()
    }

    /// `text.hasPrefix(fill(template))`, compared byte for byte as the template is read instead of rendering it:
    /// a demo agent asks this for every stance of every persona on the panel, for each answer it reads under
    /// blind review, and rendering them was a fifth of a demo debate's CPU. Anything but plain ASCII where the
    /// two differ, where the first letter is capitalised or where the prefix ends goes the exact way.
    func opens(_ text: String, with template: String) -> Bool {
        var text = text
        let verdict: Bool? = text.withUTF8 { hay in
            var i = 0
            // Compares `part` with the text's next bytes: true or false, or nil when only the exact way can tell.
            func match(_ part: some Sequence<UInt8>) -> Bool? {
                for byte in part {
                    if byte >= 0x80 && i < 2 { return nil }
                    guard i < hay.count else { return false }
                    let expected = i == 0 && byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
                    if hay[i] != expected { return hay[i] >= 0x80 || expected >= 0x80 ? nil : false }
                    i += 1
                }
                return true
            }
            var same: Bool? = true
            pieces(of: template) { piece in
                same = match(piece.utf8)
                return same == true
            }
            guard let same else { return nil }
            // Where the prefix ends, a combining mark (or the "\n" of a "\r\n") in the text would extend its last
            // character, which `hasPrefix` compares whole.
            let extended = i < hay.count && (hay[i] >= 0x80 || (i > 0 && hay[i - 1] == 0x0D && hay[i] == 0x0A))
            return same && extended ? nil : same
        }
        return verdict ?? text.hasPrefix(fill(template))
    }
}
