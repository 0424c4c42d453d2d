import Foundation

/// The state of one debate while it runs. Owned by the task that runs the debate; agent calls only
/// receive immutable copies of what they need.
final class DebateRun {
    let engine: DebateEngine
    var state: DebateCheckpoint
    let sink: DebateEventSink?
    let checkpoint: (@Sendable (DebateCheckpoint) async -> Void)?
    let context: DebateContext
    let deadline: ContinuousClock.Instant?
    /// The most one call has cost so far in this run (the budget's projection).
    var costliestCall = 0.0

    /// Consecutive failed steps after which an agent leaves the panel.
    static let maxConsecutiveFailures = 2

    init(engine: DebateEngine, state: DebateCheckpoint, sink: DebateEventSink?,
         checkpoint: (@Sendable (DebateCheckpoint) async -> Void)?) {
        self.engine = engine
        self.state = state
        self.sink = sink
        self.checkpoint = checkpoint
        let r = state.record
        context = DebateContext(debateID: r.id, question: r.task, context: r.context,
                                agents: r.agents, seed: r.seed)
        deadline = engine.config.debateTimeout.map { ContinuousClock.now + $0 }
    }

    var record: DebateRecord {
        get { state.record }
        _modify { yield &state.record }
    }
    var config: DebateConfig { engine.config }

    // MARK: - Main loop

    @inline(never) func execute() async -> DebateRecord {
        if state.progress.step == .done { return record }
        if record.status == .created {
            record.status = .running
            record.startedAt = Timestamp.now()
            announceStart()
        }
        while state.progress.step != .done {
            if let stop = stopReason() { return finish(stop.status, error: stop.message) }
            if state.progress.active.count < 2 {
                let reasons = record.failures.filter(\.removed).map { "\($0.agent): \($0.error)" }
                return finish(.error, error: "fewer than two agents remain (\(reasons.joined(separator: "; ")))")
            }
            if let stop = budgetStop() { return finish(stop.status, error: stop.message) }
            switch state.progress.step {
            case .answer: await answerPhase()
            case .critique: await critiquePhase()
            case .vote: await votePhase()
            case .finalize: await finalize()
            case .done: break
            }
            if let stop = stopReason() { return finish(stop.status, error: stop.message) }
            if state.progress.step != .done, let checkpoint { await checkpoint(state) }
        }
        return finish(.completed, error: nil)
    }

    struct Stop { var status: DebateStatus; var message: String }

    func stopReason() -> Stop? {
        if Task.isCancelled { return Stop(status: .cancelled, message: "cancelled") }
        if let deadline, ContinuousClock.now >= deadline {
            return Stop(status: .timeout, message: "debate timed out after \(config.debateTimeout!.seconds.formatted2)s")
        }
        return nil
    }

    /// The budget rule: before each phase, the spend so far plus the phase's projected cost (its number of calls
    /// times twice the costliest call so far: later phases carry earlier answers in their prompts, so their calls
    /// cost more) must stay within `budgetUSD`; otherwise the debate stops here,
    /// `cancelled`, with the reason and the spend in the record (`metadata.stop_reason = "budget"`). The first phase
    /// always runs (nothing is known of the price yet) unless the budget is zero.
    func budgetStop() -> Stop? {
        guard let budget = config.budgetUSD else { return nil }
        let spent = record.usage.costUSD
        let calls = record.messages.count + record.critiques.count + record.votes.count
        let perCall = 2 * (costliestCall > 0 ? costliestCall : (calls > 0 ? spent / Double(calls) : 0))
        let upcoming: Int
        switch state.progress.step {
        case .answer: upcoming = state.progress.round > record.rounds ? 0 : state.progress.active.count
        case .critique, .vote: upcoming = state.progress.active.count
        case .finalize: upcoming = 1
        case .done: upcoming = 0
        }
        let projected = perCall * Double(upcoming)
        guard spent + projected > budget || (budget == 0 && upcoming > 0) else { return nil }
        record.metadata["stop_reason"] = "budget"
        let phase = state.progress.step == .answer ? (state.progress.round == 1 ? "propose" : "revise") : state.progress.step.rawValue
        func usd(_ v: Double) -> String { "$" + String(format: "%.4f", v) }
        return Stop(status: .cancelled, message: "budget reached: spent \(usd(spent)) of \(usd(budget)); the \(phase) phase "
                        + "(\(upcoming) calls) would cost about \(usd(projected)) more")
    }

    /// Per-call timeout, cut short by the debate's own deadline.
    var callTimeout: Duration {
        guard let deadline else { return config.callTimeout }
        return min(config.callTimeout, max(.zero, deadline - ContinuousClock.now))
    }

    func finish(_ status: DebateStatus, error: String?) -> DebateRecord {
        state.progress.step = .done
        record.status = status
        record.error = error
        record.completedAt = Timestamp.now()
        if let signer = engine.signer { record.receipt = try? signer.sign(record) }
        emit(DebateEndEvent(record))
        return record
    }

    // MARK: - Phases

    // The events emitted from async phases are built in these sync functions: a payload built inline would
    // enlarge the phase's async frame, which every debate in flight holds while it waits for its agents.
    @inline(never) func announceStart() {
        emit(DebateStartEvent(task: record.task, agents: record.agents.map(\.name), rounds: record.rounds,
                              consensus: record.consensusMethod.rawValue, judge: record.judge?.name))
    }

    @inline(never) func announceConsensus(_ result: ConsensusResult) {
        emit(ConsensusEvent(result, roundSummaries: record.roundSummaries))
    }

    @inline(never) func announceSynthesis(_ content: String, method: String, by agent: String) {
        emit(SynthesisEvent(content: content, method: method, debateUsage: record.usage), agent: agent)
    }

    @inline(never) func announceRound(_ round: Int) {
        emit(RoundStartEvent(round: round, totalRounds: record.rounds, phase: round == 1 ? "propose" : "revise",
                             agents: state.progress.active, previousRound: record.roundSummaries.last), round: round)
    }

    @inline(never) func answerPhase() async {
        let round = state.progress.round
        if round > record.rounds {
            state.progress.step = .finalize
            return
        }
        // How the round before ended (convergence, provisional consensus), for a live view; the last round's
        // summary comes with the `consensus` event.
        announceRound(round)
        let previous = Dictionary(record.latestAnswers().map { ($0.agent, $0.content) }, uniquingKeysWith: { a, _ in a })
        var calls: [PhaseRunner.Call<AgentReply>] = []
        let names = state.progress.active
        // An agent whose earlier proposal failed proposes now: it sat that phase out, it did not leave.
        let phases = names.map { previous[$0] == nil ? DebatePhase.propose : .revise }
        let timeout = callTimeout
        for (i, name) in names.enumerated() {
            guard let agent = engine.agent(named: name) else { continue }
            let request = PhaseRequest(
                phase: phases[i], round: round, ownAnswer: previous[name],
                critiquesReceived: critiquesFor(name, round: round - 1),
                deadline: .now + timeout)
            calls.append(streamedCall(i, agent, request))
        }
        let results = await PhaseRunner.run(calls, timeout: timeout, onDelta: { i, text in
            streamed(text, agent: names[i], round: round, phase: phases[i])
        }) { i, result in
            guard stopReason() == nil else { return }
            let name = names[i]
            let phase = phases[i]
            switch result.flatMap(Self.parseAnswer) {
            case .success(let (reply, text)):
                succeeded(name, reply)
                // A round counts once it has an answer in it.
                record.roundsUsed = max(record.roundsUsed, round)
                let role = phase == .propose ? "proposal" : "revision"
                record.messages.append(DebateMessage(role: role, agent: name, content: text, round: round, timestamp: Timestamp.now()))
                emit(AgentMessageEvent(content: text, role: role, phase: phase.rawValue, debateUsage: record.usage), round: round, agent: name)
            case .failure(let failure):
                failed(name, round: round, phase: phase, failure)
            }
        }
        _ = results
        state.progress.step = .critique
    }

    @inline(never) func critiquePhase() async {
        let round = state.progress.round
        let answers = currentAnswers()
        // Each critic sees the others' answers through its own view (labels under blind review).
        var pairs: [(critic: String, target: String, shown: Position)] = []
        for critic in state.progress.active {
            let view = readerView(answers.filter { $0.agent != critic }, for: critic, round: round, purpose: "critique")
            for shown in view.positions { pairs.append((critic, view.agentOf[shown.agent]!, shown)) }
        }
        var calls: [PhaseRunner.Call<Structured<ReplyParser.ParsedCritique>>] = []
        for (i, pair) in pairs.enumerated() {
            guard let agent = engine.agent(named: pair.critic) else { continue }
            let request = PhaseRequest(phase: .critique, round: round, ownAnswer: answers.first { $0.agent == pair.critic }?.content,
                                       target: pair.shown, deadline: .now + callTimeout)
            calls.append(structuredCall(i, agent, request, parse: ReplyParser.critique))
        }
        var failuresByCritic: [String: CallFailure] = [:]
        var successByCritic: Set<String> = []
        var count = RoundSummary.Count(valid: 0, requested: calls.count)
        _ = await PhaseRunner.run(calls, timeout: callTimeout) { i, result in
            guard stopReason() == nil else { return }
            let (critic, target, _) = pairs[i]
            switch Self.settle(result, &count) { charge(critic, $0) } {
            case .success(let parsed):
                successByCritic.insert(critic)
                let c = Critique(agent: critic, target: target, issues: parsed.issues, suggestions: parsed.suggestions,
                                 severity: parsed.severity, round: round)
                record.critiques.append(c)
                emit(CritiqueEvent(c, debateUsage: record.usage), round: round, agent: critic)
            case .failure(let failure):
                failuresByCritic[critic] = failure
            }
        }
        if Task.isCancelled { return }
        // One failure per agent and step, however many of its critiques failed.
        for name in state.progress.active {
            if let failure = failuresByCritic[name], !successByCritic.contains(name) {
                failed(name, round: round, phase: .critique, failure)
            } else if let failure = failuresByCritic[name] {
                // Some of its critiques failed, not all: recorded, but it does not count towards leaving.
                recordFailure(name, round: round, phase: .critique, failure, removed: false)
            } else if successByCritic.contains(name) {
                state.progress.consecutiveFailures[name] = 0
            }
        }
        state.progress.critiques = count
        state.progress.step = record.consensusMethod == .none ? .answer : .vote
        if record.consensusMethod == .none { closeRound(votes: [], count: nil) }
    }

    @inline(never) func votePhase() async {
        let round = state.progress.round
        let answers = currentAnswers()
        // A voter is offered every answer but its own (an agent without an answer this round votes too).
        var voters: [(name: String, view: ReaderView)] = []
        for voter in state.progress.active {
            let view = readerView(answers.filter { $0.agent != voter }, for: voter, round: round, purpose: "vote")
            if !view.positions.isEmpty { voters.append((voter, view)) }
        }
        var calls: [PhaseRunner.Call<Structured<ReplyParser.ParsedVote>>] = []
        for (i, voter) in voters.enumerated() {
            guard let agent = engine.agent(named: voter.name) else { continue }
            let request = PhaseRequest(phase: .vote, round: round, ownAnswer: answers.first { $0.agent == voter.name }?.content,
                                       candidates: voter.view.positions, deadline: .now + callTimeout)
            let labels = voter.view.positions.map(\.agent)
            calls.append(structuredCall(i, agent, request) { try ReplyParser.vote($0, labels: labels) })
        }
        var votes: [Vote] = []
        var count = RoundSummary.Count(valid: 0, requested: calls.count)
        _ = await PhaseRunner.run(calls, timeout: callTimeout) { i, result in
            guard stopReason() == nil else { return }
            let (voter, view) = voters[i]
            switch Self.settle(result, &count) { charge(voter, $0) } {
            case .success(let parsed):
                state.progress.consecutiveFailures[voter] = 0
                let v = Vote(agent: voter, choice: view.agentOf[parsed.choice]!, confidence: parsed.confidence,
                             reasoning: parsed.reasoning, round: round)
                votes.append(v)
                record.votes.append(v)
                emit(VoteEvent(v, debateUsage: record.usage), round: round, agent: voter)
            case .failure(let failure):
                failed(voter, round: round, phase: .vote, failure)
            }
        }
        if Task.isCancelled { return }
        closeRound(votes: votes, count: count)
    }

    /// Records convergence, the valid critiques and votes, and the provisional outcome; then moves on or stops early.
    func closeRound(votes: [Vote], count: RoundSummary.Count?) {
        let round = state.progress.round
        record.roundsUsed = max(record.roundsUsed, round)
        let answers = currentAnswers()
        var similarity: [String: Double] = [:]
        var status = "initial"
        if round > 1 {
            let before = Dictionary(record.messages.filter { $0.round == round - 1 && ($0.role == "proposal" || $0.role == "revision") }
                .map { ($0.agent, $0.content) }, uniquingKeysWith: { a, _ in a })
            let comparable = answers.filter { before[$0.agent] != nil }
            let scores = TextSimilarity.pairwise(comparable.map { (before[$0.agent]!, $0.content) })
            for (a, s) in zip(comparable, scores) { similarity[a.agent] = (s * 1000).rounded() / 1000 }
            let minimum = scores.min() ?? 0
            status = minimum >= config.convergedThreshold ? "converged"
                : (minimum < config.divergingThreshold ? "diverging" : "refining")
        }
        let provisional: Bool
        if record.consensusMethod == .none {
            provisional = false
        } else {
            let rule = ConsensusRule(method: record.consensusMethod == .judge ? .majority : record.consensusMethod,
                                     ratings: config.ratings)
            provisional = rule.decide(votes: votes, agents: state.progress.active, answers: answers, requested: count?.requested,
                                      quorum: record.requiredVotes).reached
        }
        record.roundSummaries.append(RoundSummary(round: round, convergence: status, similarity: similarity, consensusReached: provisional,
                                                  critiques: state.progress.critiques, votes: count))
        state.progress.critiques = nil
        let positionsSettled = status == "converged"
        let stopEarly = config.earlyStop && positionsSettled && (provisional || record.consensusMethod == .none)
        if stopEarly || round >= record.rounds {
            state.progress.step = .finalize
        } else {
            state.progress.round = round + 1
            state.progress.step = .answer
        }
    }

    @inline(never) func finalize() async {
        let answers = currentAnswers()
        let lastRound = record.roundsUsed
        let votes = record.votes.filter { $0.round == lastRound }
        let requested = record.roundSummaries.last { $0.round == lastRound }?.votes?.requested ?? state.progress.active.count
        let method = record.consensusMethod
        var result: ConsensusResult
        // A judge or a synthesis decide by a call; every other method counts the votes by its rule (`ConsensusRule`).
        if method == .judge {
            result = await judged(answers: answers, votes: votes, requested: requested)
        } else if method == .none {
            result = await synthesized(answers: answers)
        } else {
            result = ConsensusRule(method: method, ratings: config.ratings)
                .decide(votes: votes, agents: state.progress.active, answers: answers, requested: requested, quorum: record.requiredVotes)
        }
        if Task.isCancelled { return }
        record.consensus = result
        announceConsensus(result)
        state.progress.step = .done
    }

    func judged(answers: [Position], votes: [Vote], requested: Int) async -> ConsensusResult {
        let quorum = record.requiredVotes
        let fallback = ConsensusRule(method: .majority, ratings: config.ratings)
            .decide(votes: votes, agents: state.progress.active, answers: answers, requested: requested, quorum: quorum)
        if let j = record.judge, record.agents.contains(j), !state.progress.active.contains(j.name),
           let stand = state.progress.active.max(by: { (config.ratings[$0] ?? 1500) < (config.ratings[$1] ?? 1500) }) {
            // The panel's judge left the panel (it kept failing): the highest-rated agent still in it judges.
            record.judge = record.agents.first { $0.name == stand }
        }
        guard let judgeID = record.judge, let judge = engine.agent(named: judgeID.name) else {
            var r = fallback
            r.method = .judge
            r.summary = "no judge available; " + r.summary
            return r
        }
        let round = record.roundsUsed
        // The judge reads the answers, critiques and votes through its own view: labels, not names, when blind.
        let view = readerView(answers, for: judgeID.name, round: round, purpose: "judge")
        let shownVotes = votes.map { v in
            Vote(agent: view.describe(v.agent, blind: record.blind), choice: view.labelOf[v.choice] ?? v.choice,
                 confidence: v.confidence, reasoning: v.reasoning, round: v.round)
        }
        let shownCritiques = record.critiques.filter { $0.round == round }.map { c in
            Critique(agent: view.describe(c.agent, blind: record.blind), target: view.labelOf[c.target] ?? c.target, issues: c.issues,
                     suggestions: c.suggestions, severity: c.severity, round: c.round)
        }
        let request = PhaseRequest(phase: .judge, round: round, candidates: view.positions, critiques: shownCritiques, votes: shownVotes,
                                   deadline: .now + callTimeout)
        let labels = view.positions.map(\.agent)
        let results = await PhaseRunner.run([structuredCall(0, judge, request, streamed: true) { try ReplyParser.judgment($0, labels: labels) }],
                                            timeout: callTimeout, onDelta: { _, text in
            streamed(text, agent: judgeID.name, round: round, phase: .judge)
        }) { _, _ in }
        var ignored = RoundSummary.Count(valid: 0, requested: 1)
        switch Self.settle(results[0]!, &ignored) { charge(judgeID.name, $0) } {
        case .success(let parsed):
            record.messages.append(DebateMessage(role: "judgment", agent: judgeID.name, content: parsed.finalAnswer,
                                                 round: round, timestamp: Timestamp.now()))
            announceSynthesis(parsed.finalAnswer, method: "judge", by: judgeID.name)
            // Only the answer the judge named is sided with; a judge that named none sides with nobody.
            let winner = parsed.choice.flatMap { view.agentOf[$0] }
            let supporters = winner.map { w in [w] + votes.filter { $0.choice == w }.map(\.agent) } ?? []
            let dissent = winner.map { w in votes.filter { $0.choice != w && $0.agent != w }
                .map { Dissent(agent: $0.agent, choice: $0.choice, reason: $0.reasoning) } } ?? []
            let quorate = votes.count >= quorum
            var summary = "judged by \(judgeID.name)" + (winner.map { ", siding with \($0)" } ?? "")
            if !quorate { summary = "no consensus: \(votes.count) of \(requested) votes valid (\(quorum) needed); " + summary }
            return ConsensusResult(method: .judge, reached: quorate, confidence: parsed.confidence, finalAnswer: parsed.finalAnswer,
                                   winner: winner, supportingAgents: supporters, dissentingAgents: dissent.map(\.agent),
                                   dissent: dissent, summary: summary, validVotes: votes.count, quorum: quorum)
        case .failure(let failure):
            recordFailure(judgeID.name, round: round, phase: .judge, failure, removed: false)
            var r = fallback
            r.method = .judge
            r.summary = "judge \(judgeID.name) failed (\(failure.description)); decided by vote: " + r.summary
            return r
        }
    }

    func synthesized(answers: [Position]) async -> ConsensusResult {
        let writer = state.progress.active.first { engine.agent(named: $0)?.identity.role == "synthesizer" } ?? state.progress.active[0]
        let agreement = Self.agreement(answers)
        let request = PhaseRequest(phase: .synthesize, round: record.roundsUsed, candidates: answers,
                                   critiques: record.critiques.filter { $0.round == record.roundsUsed }, deadline: .now + callTimeout)
        var text = ConsensusRule.noConsensusAnswer(answers)
        var summary = "no vote (method none); positions combined"
        if let agent = engine.agent(named: writer) {
            let round = record.roundsUsed
            let results = await PhaseRunner.run([streamedCall(0, agent, request)], timeout: callTimeout, onDelta: { _, delta in
                streamed(delta, agent: writer, round: round, phase: .synthesize)
            }) { _, _ in }
            switch results[0]!.flatMap(Self.parseAnswer) {
            case .success(let (reply, synthesis)):
                charge(writer, reply)
                text = synthesis
                summary = "no vote (method none); synthesis by \(writer)"
                record.messages.append(DebateMessage(role: "synthesis", agent: writer, content: synthesis,
                                                     round: record.roundsUsed, timestamp: Timestamp.now()))
                announceSynthesis(synthesis, method: "none", by: writer)
            case .failure(let failure):
                recordFailure(writer, round: record.roundsUsed, phase: .synthesize, failure, removed: false)
            }
        }
        return ConsensusResult(method: .none, reached: false, confidence: agreement, finalAnswer: text, winner: nil,
                               supportingAgents: [], dissentingAgents: [], dissent: [], summary: summary)
    }

    // MARK: - Helpers

    /// A call that streams its text (answers, judgments, syntheses).
    func streamedCall(_ index: Int, _ agent: any Agent, _ request: PhaseRequest) -> PhaseRunner.Call<AgentReply> {
        let ctx = context
        return .init(index: index, inline: agent.respondsInstantly) { sink in try await agent.stream(to: request, in: ctx, onDelta: sink) }
    }

    /// A machine-read reply (critique, vote, judgment) with its parse. One that does not parse is sent back once
    /// with what was wrong (the repair); the tokens of both tries count.
    struct Structured<T: Sendable>: Sendable {
        var reply: AgentReply
        var parsed: Result<T, MalformedReply>
        var repaired: Bool
    }

    func structuredCall<T: Sendable>(_ index: Int, _ agent: any Agent, _ request: PhaseRequest, streamed: Bool = false,
                                     parse: @escaping @Sendable (String) throws -> T) -> PhaseRunner.Call<Structured<T>> {
        let ctx = context
        return .init(index: index, inline: agent.respondsInstantly) { sink in
            let first = streamed ? try await agent.stream(to: request, in: ctx, onDelta: sink) : try await agent.respond(to: request, in: ctx)
            let problem: MalformedReply
            do { return Structured(reply: first, parsed: .success(try parse(first.text)), repaired: false) } catch {
                problem = error as? MalformedReply ?? MalformedReply("\(error)")
            }
            var again = request
            again.repair = .init(previousReply: first.text, problem: problem.description)
            var second = try await agent.respond(to: again, in: ctx)
            second.usage = first.usage + second.usage
            second.contextTrimmedCharacters = max(first.contextTrimmedCharacters, second.contextTrimmedCharacters)
            let parsed = Result { try parse(second.text) }.mapError { $0 as? MalformedReply ?? MalformedReply("\($0)") }
            return Structured(reply: second, parsed: parsed.mapError { MalformedReply("\($0.description) (after one repair attempt)") },
                              repaired: true)
        }
    }

    /// A structured call's outcome: its tokens charged (a reply that did not parse still cost them), counted
    /// when valid, and a failure when it did not come or did not parse.
    static func settle<T>(_ result: Result<Structured<T>, CallFailure>, _ count: inout RoundSummary.Count,
                          charge: (AgentReply) -> Void) -> Result<T, CallFailure> {
        switch result {
        case .failure(let failure): return .failure(failure)
        case .success(let s):
            charge(s.reply)
            if s.repaired { count.repaired += 1 }
            switch s.parsed {
            case .success(let value):
                count.valid += 1
                return .success(value)
            case .failure(let problem):
                return .failure(.malformed(problem.description))
            }
        }
    }

    /// `reader`'s view of `answers` (labels under blind review); the labels it saw go into the record once.
    func readerView(_ answers: [Position], for reader: String, round: Int, purpose: String) -> ReaderView {
        let view = ReaderView(answers, blind: record.blind, seed: record.seed, reader: reader, round: round, purpose: purpose)
        if record.blind, !view.positions.isEmpty,
           !record.reviewLabels.contains(where: { $0.round == round && $0.reader == reader && $0.purpose == purpose }) {
            record.reviewLabels.append(ReviewLabels(round: round, reader: reader, purpose: purpose, labels: view.agentOf))
        }
        return view
    }

    /// Streamed text becomes `token_delta` events: a call's deltas come before its `agent_message` (or
    /// `synthesis`); deltas of concurrent calls interleave as they arrive; messages keep panel order.
    func streamed(_ text: String, agent: String, round: Int, phase: DebatePhase) {
        guard stopReason() == nil else { return }
        emit(TokenDeltaEvent(delta: text, phase: phase.rawValue), round: round, agent: agent)
    }

    /// The critiques of `author`'s answer in `round`, their critics unnamed under blind review.
    func critiquesFor(_ author: String, round: Int) -> [Critique] {
        record.critiques.filter { $0.round == round && $0.target == author }.map { c in
            var shown = c
            if record.blind { shown.agent = "a reviewer" }
            return shown
        }
    }

    func currentAnswers() -> [Position] {
        let active = Set(state.progress.active)
        return record.latestAnswers().filter { active.contains($0.agent) }
    }

    /// Mean pairwise similarity of the final answers: how much the panel already agrees.
    static func agreement(_ answers: [Position]) -> Double {
        var pairs: [(String, String)] = []
        for i in answers.indices { for j in answers.indices where j > i { pairs.append((answers[i].content, answers[j].content)) } }
        guard !pairs.isEmpty else { return 0 }
        let s = TextSimilarity.pairwise(pairs)
        return ((s.reduce(0, +) / Double(s.count)) * 1000).rounded() / 1000
    }

    static func parseAnswer(_ reply: AgentReply) -> Result<(AgentReply, String), CallFailure> {
        Result { (reply, try ReplyParser.answer(reply.text)) }.mapError(asFailure)
    }

    static func asFailure(_ error: any Error) -> CallFailure {
        if let f = error as? CallFailure { return f }
        if let m = error as? MalformedReply { return .malformed(m.description) }
        if let a = error as? AgentError { return .agent(a) }
        return .failed(PhaseRunner.describe(error))
    }

    func succeeded(_ name: String, _ reply: AgentReply) {
        charge(name, reply)
        state.progress.consecutiveFailures[name] = 0
    }

    /// Adds a call's tokens and cost to the debate's and the agent's totals.
    /// Also records, per agent, how much quoted material was trimmed to fit its model's context window.
    func charge(_ name: String, _ reply: AgentReply) {
        let usage = reply.usage
        if reply.contextTrimmedCharacters > 0 {
            var trimmed = record.metadata["context_trimmed"]?.objectValue ?? [:]
            trimmed[name] = .int((trimmed[name]?.intValue ?? 0) + reply.contextTrimmedCharacters)
            record.metadata["context_trimmed"] = .object(trimmed)
        }
        costliestCall = max(costliestCall, usage.costUSD)
        record.usage = record.usage + usage
        record.agentUsage[name] = (record.agentUsage[name] ?? TokenUsage()) + usage
    }

    /// A failed phase: the agent sits it out and is asked again next phase; it leaves the panel after
    /// `maxConsecutiveFailures` failed phases in a row, or at once when the failure is permanent (credentials
    /// refused, quota exhausted).
    func failed(_ name: String, round: Int, phase: DebatePhase, _ failure: CallFailure) {
        let count = (state.progress.consecutiveFailures[name] ?? 0) + 1
        state.progress.consecutiveFailures[name] = count
        let remove = failure.isPermanent || count >= Self.maxConsecutiveFailures
        if remove { state.progress.active.removeAll { $0 == name } }
        recordFailure(name, round: round, phase: phase, failure, removed: remove)
    }

    func recordFailure(_ name: String, round: Int, phase: DebatePhase, _ failure: CallFailure, removed: Bool) {
        let f = AgentFailure(agent: name, round: round, phase: phase, error: failure.description, removed: removed, kind: failure.kind)
        record.failures.append(f)
        emit(AgentErrorEvent(f), round: round, agent: name)
    }

    /// Answers, critiques, votes and syntheses carry the debate's spend so far (`debate_usage`), so a live view shows
    /// the cost as it grows (the record holds only the totals).
    func emit<P: DebateEventPayload>(_ payload: P, round: Int? = nil, agent: String? = nil) {
        let type = P.eventType
        let data = payload.json
        state.progress.seq += 1
        var agentSeq: Int?
        if let agent {
            let n = (state.progress.agentSeq[agent] ?? 0) + 1
            state.progress.agentSeq[agent] = n
            agentSeq = n
        }
        guard let sink else { return }
        sink(DebateEvent(type: type, data: data, timestamp: Timestamp.now(), round: round, agent: agent, seq: state.progress.seq,
                         agentSeq: agentSeq, loopID: record.id))
    }
}
