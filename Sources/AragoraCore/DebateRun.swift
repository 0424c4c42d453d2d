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

    /// Runs the debate to its end; `handOver` then gives its record.
    @inline(never) func execute() async {
        if begin() {
            while await runPhase() {}
        }
    }

    @inline(never) func handOver<T>(_ end: (DebateRecord) -> T) -> T { end(record) }

    // Every debate in flight holds these async frames while it waits for its agents, so they only branch and
    // await: the checks, the copy handed to `checkpoint` and `finish` (signing) live in frames of their own,
    // allocated only while they run.

    /// Marks a new debate running; false when it had already ended.
    @inline(never) func begin() -> Bool {
        if state.progress.step == .done { return false }
        if record.status == .created {
            record.status = .running
            record.startedAt = Timestamp.now()
            announceStart()
        }
        return true
    }

    /// Runs the next phase and saves its checkpoint; false once the debate has ended (and `finish` was called).
    @inline(never) func runPhase() async -> Bool {
        guard let step = nextStep() else { return false }
        switch step {
        case .answer: await answerPhase()
        case .critique: await critiquePhase()
        case .vote: await votePhase()
        case .finalize: await finalize()
        case .done: break
        }
        guard afterPhase() else { return false }
        if checkpoint != nil { await saveCheckpoint() }
        return true
    }

    /// The phase to run now, or nil after finishing the debate (done, stopped, too few agents, over budget).
    @inline(never) func nextStep() -> DebateCheckpoint.Step? {
        if state.progress.step == .done {
            finish(.completed, error: nil)
            return nil
        }
        if let stop = stopReason() ?? tooFewAgents() ?? budgetStop() {
            finish(stop.status, error: stop.message)
            return nil
        }
        return state.progress.step
    }

    /// After a phase: false when the debate was stopped during it (and is now finished); true to go on.
    @inline(never) func afterPhase() -> Bool {
        if let stop = stopReason() {
            finish(stop.status, error: stop.message)
            return false
        }
        if state.progress.step == .done {
            finish(.completed, error: nil)
            return false
        }
        return true
    }

    func tooFewAgents() -> Stop? {
        guard state.progress.active.count < 2 else { return nil }
        let reasons = record.failures.filter(\.removed).map { "\($0.agent): \($0.error)" }
        return Stop(status: .error, message: "fewer than two agents remain (\(reasons.joined(separator: "; ")))")
    }

    @inline(never) func saveCheckpoint() async {
        await checkpoint?(state)
    }

    final class Saved {
        let state: DebateCheckpoint
        init(_ state: DebateCheckpoint) { self.state = state }
    }

    struct Stop { var status: DebateStatus; var message: String }

    @inline(never) func stopReason() -> Stop? {
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

    @discardableResult @inline(never) func finish(_ status: DebateStatus, error: String?) -> DebateRecord {
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

    // Each phase's async function only awaits its calls: building them before and handling each result after run
    // in synchronous steps, with what they share kept in the phase's `Calls`. Every debate in flight holds its
    // phase's async frame while it waits, and temporaries written inline would all take room in it.

    /// One phase's calls and what their results are read against.
    final class Calls<Output: Sendable, Item> {
        var calls: [PhaseRunner.Call<Output>] = []
        /// Per call index: who was asked, and what the reply is checked against.
        var items: [Item] = []
        let round: Int
        var count: RoundSummary.Count
        init(round: Int) {
            self.round = round
            count = RoundSummary.Count(valid: 0, requested: 0)
        }
    }

    @inline(never) func answerPhase() async {
        guard let plan = answerCalls() else { return }
        _ = await PhaseRunner.run(plan.calls, timeout: callTimeout,
                                  onDelta: { i, text in streamed(text, agent: plan.items[i].name, round: plan.round, phase: plan.items[i].phase) },
                                  onResult: { i, result in answerArrived(plan, i, result) })
        state.progress.step = .critique
    }

    @inline(never) func answerCalls() -> Calls<AgentReply, (name: String, phase: DebatePhase)>? {
        let round = state.progress.round
        if round > record.rounds {
            state.progress.step = .finalize
            return nil
        }
        // How the round before ended (convergence, provisional consensus), for a live view; the last round's
        // summary comes with the `consensus` event.
        announceRound(round)
        reserveRound()
        let previous = Dictionary(record.latestAnswers().map { ($0.agent, $0.content) }, uniquingKeysWith: { a, _ in a })
        let plan = Calls<AgentReply, (name: String, phase: DebatePhase)>(round: round)
        let timeout = callTimeout
        for (i, name) in state.progress.active.enumerated() {
            // An agent whose earlier proposal failed proposes now: it sat that phase out, it did not leave.
            let phase = previous[name] == nil ? DebatePhase.propose : .revise
            plan.items.append((name, phase))
            guard let agent = engine.agent(named: name) else { continue }
            let request = PhaseRequest(phase: phase, round: round, ownAnswer: previous[name],
                                       critiquesReceived: critiquesFor(name, round: round - 1), deadline: .now + timeout)
            plan.calls.append(streamedCall(i, agent, request))
        }
        return plan
    }

    /// Room in the record for one round of the panel, taken exactly: an array that doubles as it grows stays up to
    /// half empty for the rest of the debate, in every debate in flight (docs/benchmarks.md, issue 25, seventh step).
    func reserveRound() {
        let n = state.progress.active.count
        record.messages.reserveCapacity(record.messages.count + n)
        record.critiques.reserveCapacity(record.critiques.count + n * (n - 1))
        if record.consensusMethod != .none { record.votes.reserveCapacity(record.votes.count + n) }
        record.roundSummaries.reserveCapacity(record.roundSummaries.count + 1)
        if record.blind { record.reviewLabels.reserveCapacity(record.reviewLabels.count + 2 * n) }
    }

    @inline(never) func answerArrived(_ plan: Calls<AgentReply, (name: String, phase: DebatePhase)>, _ i: Int,
                                      _ result: Result<AgentReply, CallFailure>) {
        guard stopReason() == nil else { return }
        let (name, phase) = plan.items[i]
        let round = plan.round
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

    /// Critic and the author of the answer it critiques.
    typealias CritiquePair = (critic: String, target: String)

    final class CritiqueTally {
        var failuresByCritic: [String: CallFailure] = [:]
        var successByCritic: Set<String> = []
    }

    @inline(never) func critiquePhase() async {
        let (plan, tally) = critiqueCalls()
        _ = await PhaseRunner.run(plan.calls, timeout: callTimeout) { i, result in critiqueArrived(plan, tally, i, result) }
        if Task.isCancelled { return }
        closeCritiques(plan, tally)
    }

    @inline(never) func critiqueCalls() -> (Calls<Structured<ReplyParser.ParsedCritique>, CritiquePair>, CritiqueTally) {
        let round = state.progress.round
        let answers = currentAnswers()
        let plan = Calls<Structured<ReplyParser.ParsedCritique>, CritiquePair>(round: round)
        // Each critic sees the others' answers through its own view (labels under blind review).
        for critic in state.progress.active {
            let view = readerView(answers.filter { $0.agent != critic }, for: critic, round: round, purpose: "critique")
            let own = answers.first { $0.agent == critic }?.content
            for shown in view.positions {
                let i = plan.items.count
                plan.items.append((critic, view.agent(of: shown.agent)!))
                guard let agent = engine.agent(named: critic) else { continue }
                let request = PhaseRequest(phase: .critique, round: round, ownAnswer: own, target: shown, deadline: .now + callTimeout)
                plan.calls.append(structuredCall(i, agent, request, parse: ReplyParser.critique))
            }
        }
        plan.count.requested = plan.calls.count
        return (plan, CritiqueTally())
    }

    @inline(never) func critiqueArrived(_ plan: Calls<Structured<ReplyParser.ParsedCritique>, CritiquePair>, _ tally: CritiqueTally,
                                        _ i: Int, _ result: Result<Structured<ReplyParser.ParsedCritique>, CallFailure>) {
        guard stopReason() == nil else { return }
        let (critic, target) = plan.items[i]
        switch Self.settle(result, &plan.count, charge: { charge(critic, $0) }) {
        case .success(let parsed):
            tally.successByCritic.insert(critic)
            let c = Critique(agent: critic, target: target, issues: parsed.issues, suggestions: parsed.suggestions,
                             severity: parsed.severity, round: plan.round)
            record.critiques.append(c)
            emit(CritiqueEvent(c, debateUsage: record.usage), round: plan.round, agent: critic)
        case .failure(let failure):
            tally.failuresByCritic[critic] = failure
        }
    }

    @inline(never) func closeCritiques(_ plan: Calls<Structured<ReplyParser.ParsedCritique>, CritiquePair>, _ tally: CritiqueTally) {
        // One failure per agent and step, however many of its critiques failed.
        for name in state.progress.active {
            if let failure = tally.failuresByCritic[name], !tally.successByCritic.contains(name) {
                failed(name, round: plan.round, phase: .critique, failure)
            } else if let failure = tally.failuresByCritic[name] {
                // Some of its critiques failed, not all: recorded, but it does not count towards leaving.
                recordFailure(name, round: plan.round, phase: .critique, failure, removed: false)
            } else if tally.successByCritic.contains(name) {
                state.progress.consecutiveFailures[name] = 0
            }
        }
        state.progress.critiques = plan.count
        state.progress.step = record.consensusMethod == .none ? .answer : .vote
        if record.consensusMethod == .none { closeRound(votes: [], count: nil) }
    }

    @inline(never) func votePhase() async {
        let (plan, votes) = voteCalls()
        _ = await PhaseRunner.run(plan.calls, timeout: callTimeout) { i, result in voteArrived(plan, votes, i, result) }
        if Task.isCancelled { return }
        closeRound(votes: votes.votes, count: plan.count)
    }

    final class VoteTally {
        var votes: [Vote] = []
    }

    @inline(never) func voteCalls() -> (Calls<Structured<ReplyParser.ParsedVote>, (name: String, view: ReaderView)>, VoteTally) {
        let round = state.progress.round
        let answers = currentAnswers()
        let plan = Calls<Structured<ReplyParser.ParsedVote>, (name: String, view: ReaderView)>(round: round)
        // A voter is offered every answer but its own (an agent without an answer this round votes too).
        for voter in state.progress.active {
            let view = readerView(answers.filter { $0.agent != voter }, for: voter, round: round, purpose: "vote")
            guard !view.positions.isEmpty else { continue }
            let i = plan.items.count
            plan.items.append((voter, view))
            guard let agent = engine.agent(named: voter) else { continue }
            let request = PhaseRequest(phase: .vote, round: round, ownAnswer: answers.first { $0.agent == voter }?.content,
                                       candidates: view.positions, deadline: .now + callTimeout)
            let labels = view.positions.map(\.agent)
            plan.calls.append(structuredCall(i, agent, request) { try ReplyParser.vote($0, labels: labels) })
        }
        plan.count.requested = plan.calls.count
        return (plan, VoteTally())
    }

    @inline(never) func voteArrived(_ plan: Calls<Structured<ReplyParser.ParsedVote>, (name: String, view: ReaderView)>, _ tally: VoteTally,
                                    _ i: Int, _ result: Result<Structured<ReplyParser.ParsedVote>, CallFailure>) {
        guard stopReason() == nil else { return }
        let (voter, view) = plan.items[i]
        switch Self.settle(result, &plan.count, charge: { charge(voter, $0) }) {
        case .success(let parsed):
            state.progress.consecutiveFailures[voter] = 0
            let v = Vote(agent: voter, choice: view.agent(of: parsed.choice)!, confidence: parsed.confidence,
                         reasoning: parsed.reasoning, round: plan.round)
            tally.votes.append(v)
            record.votes.append(v)
            emit(VoteEvent(v, debateUsage: record.usage), round: plan.round, agent: voter)
        case .failure(let failure):
            failed(voter, round: plan.round, phase: .vote, failure)
        }
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

    // The final phase's async frames stay small like the others': what a call needs before and after it is
    // worked out in synchronous steps and carried across the wait in `FinalCall`.
    @inline(never) func finalize() async {
        switch finalPlan() {
        case .decided(let decided): if !Task.isCancelled { conclude(decided) }
        case .judge(let call): await finalCall(call, judgmentCall(call), settle: settleJudgment)
        case .synthesize(let call): await finalCall(call, streamedCall(0, call.agent, call.request), settle: settleSynthesis)
        }
    }

    /// The judge's or the synthesizer's call, with what its outcome is read against.
    final class FinalCall {
        let agent: any Agent
        let request: PhaseRequest
        let round: Int
        let answers: [Position]
        let votes: [Vote]
        let requested: Int
        /// What the votes decide without the judge (judge method).
        let fallback: ConsensusResult?
        /// The judge's view of the answers (judge method).
        let view: ReaderView?

        init(agent: any Agent, request: PhaseRequest, round: Int, answers: [Position], votes: [Vote] = [], requested: Int = 0,
             fallback: ConsensusResult? = nil, view: ReaderView? = nil) {
            (self.agent, self.request, self.round, self.answers) = (agent, request, round, answers)
            (self.votes, self.requested, self.fallback, self.view) = (votes, requested, fallback, view)
        }
    }

    enum FinalPlan {
        /// Boxed: `finalize` holds the plan in its async frame, and a result inline would take its size there.
        indirect case decided(ConsensusResult)
        case judge(FinalCall)
        case synthesize(FinalCall)
    }

    /// A judge or a synthesis decide by a call; every other method counts the votes by its rule (`ConsensusRule`).
    @inline(never) func finalPlan() -> FinalPlan {
        record.messages.reserveCapacity(record.messages.count + 1)
        if record.blind { record.reviewLabels.reserveCapacity(record.reviewLabels.count + 1) }
        let answers = currentAnswers()
        let lastRound = record.roundsUsed
        let votes = record.votes.filter { $0.round == lastRound }
        let requested = record.roundSummaries.last { $0.round == lastRound }?.votes?.requested ?? state.progress.active.count
        switch record.consensusMethod {
        case .judge: return judgePlan(answers: answers, votes: votes, requested: requested)
        case .none: return synthesisPlan(answers: answers)
        case let method:
            return .decided(ConsensusRule(method: method, ratings: config.ratings)
                .decide(votes: votes, agents: state.progress.active, answers: answers, requested: requested, quorum: record.requiredVotes))
        }
    }

    @inline(never) func conclude(_ result: ConsensusResult) {
        record.consensus = result
        announceConsensus(result)
        state.progress.step = .done
    }

    /// The final call, its streamed text shown as it comes, and the consensus its result gives.
    @inline(never) func finalCall<Output: Sendable>(_ call: FinalCall, _ runner: PhaseRunner.Call<Output>,
                                                    settle: @escaping (FinalCall, Result<Output, CallFailure>) -> ConsensusResult) async {
        let (name, round, phase) = (call.agent.identity.name, call.round, call.request.phase)
        let results = await PhaseRunner.run([runner], timeout: callTimeout, onDelta: { _, text in
            streamed(text, agent: name, round: round, phase: phase)
        }) { _, _ in }
        concludeFinal(call, results, settle)
    }

    @inline(never) func concludeFinal<Output: Sendable>(_ call: FinalCall, _ results: [Int: Result<Output, CallFailure>],
                                                        _ settle: (FinalCall, Result<Output, CallFailure>) -> ConsensusResult) {
        let result = settle(call, results[0]!)
        if !Task.isCancelled { conclude(result) }
    }

    func judgmentCall(_ call: FinalCall) -> PhaseRunner.Call<Structured<ReplyParser.ParsedJudgment>> {
        let labels = call.view!.positions.map(\.agent)
        return structuredCall(0, call.agent, call.request, streamed: true) { try ReplyParser.judgment($0, labels: labels) }
    }

    @inline(never) func judgePlan(answers: [Position], votes: [Vote], requested: Int) -> FinalPlan {
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
            return .decided(r)
        }
        let round = record.roundsUsed
        // The judge reads the answers, critiques and votes through its own view: labels, not names, when blind.
        let view = readerView(answers, for: judgeID.name, round: round, purpose: "judge")
        let shownVotes = votes.map { v in
            Vote(agent: view.describe(v.agent, blind: record.blind), choice: view.label(of: v.choice) ?? v.choice,
                 confidence: v.confidence, reasoning: v.reasoning, round: v.round)
        }
        let shownCritiques = record.critiques.filter { $0.round == round }.map { c in
            Critique(agent: view.describe(c.agent, blind: record.blind), target: view.label(of: c.target) ?? c.target, issues: c.issues,
                     suggestions: c.suggestions, severity: c.severity, round: c.round)
        }
        let request = PhaseRequest(phase: .judge, round: round, candidates: view.positions, critiques: shownCritiques, votes: shownVotes,
                                   deadline: .now + callTimeout)
        return .judge(FinalCall(agent: judge, request: request, round: round, answers: answers, votes: votes, requested: requested,
                                fallback: fallback, view: view))
    }

    @inline(never) func settleJudgment(_ call: FinalCall, _ result: Result<Structured<ReplyParser.ParsedJudgment>, CallFailure>)
        -> ConsensusResult {
        let (judgeName, round, votes, quorum) = (call.agent.identity.name, call.round, call.votes, record.requiredVotes)
        let view = call.view!
        var ignored = RoundSummary.Count(valid: 0, requested: 1)
        switch Self.settle(result, &ignored, charge: { charge(judgeName, $0) }) {
        case .success(let parsed):
            record.messages.append(DebateMessage(role: "judgment", agent: judgeName, content: parsed.finalAnswer,
                                                 round: round, timestamp: Timestamp.now()))
            announceSynthesis(parsed.finalAnswer, method: "judge", by: judgeName)
            // Only the answer the judge named is sided with; a judge that named none sides with nobody.
            let winner = parsed.choice.flatMap { view.agent(of: $0) }
            let supporters = winner.map { w in [w] + votes.filter { $0.choice == w }.map(\.agent) } ?? []
            let dissent = winner.map { w in votes.filter { $0.choice != w && $0.agent != w }
                .map { Dissent(agent: $0.agent, choice: $0.choice, reason: $0.reasoning) } } ?? []
            let quorate = votes.count >= quorum
            var summary = "judged by \(judgeName)" + (winner.map { ", siding with \($0)" } ?? "")
            if !quorate { summary = "no consensus: \(votes.count) of \(call.requested) votes valid (\(quorum) needed); " + summary }
            return ConsensusResult(method: .judge, reached: quorate, confidence: parsed.confidence, finalAnswer: parsed.finalAnswer,
                                   winner: winner, supportingAgents: supporters, dissentingAgents: dissent.map(\.agent),
                                   dissent: dissent, summary: summary, validVotes: votes.count, quorum: quorum)
        case .failure(let failure):
            recordFailure(judgeName, round: round, phase: .judge, failure, removed: false)
            var r = call.fallback!
            r.method = .judge
            r.summary = "judge \(judgeName) failed (\(failure.description)); decided by vote: " + r.summary
            return r
        }
    }

    @inline(never) func synthesisPlan(answers: [Position]) -> FinalPlan {
        let writer = state.progress.active.first { engine.agent(named: $0)?.identity.role == "synthesizer" } ?? state.progress.active[0]
        guard let agent = engine.agent(named: writer) else { return .decided(synthesis(nil, answers: answers)) }
        let request = PhaseRequest(phase: .synthesize, round: record.roundsUsed, candidates: answers,
                                   critiques: record.critiques.filter { $0.round == record.roundsUsed }, deadline: .now + callTimeout)
        return .synthesize(FinalCall(agent: agent, request: request, round: record.roundsUsed, answers: answers))
    }

    @inline(never) func settleSynthesis(_ call: FinalCall, _ result: Result<AgentReply, CallFailure>) -> ConsensusResult {
        let writer = call.agent.identity.name
        switch result.flatMap(Self.parseAnswer) {
        case .success(let (reply, text)):
            charge(writer, reply)
            record.messages.append(DebateMessage(role: "synthesis", agent: writer, content: text, round: call.round, timestamp: Timestamp.now()))
            announceSynthesis(text, method: "none", by: writer)
            return synthesis((text, writer), answers: call.answers)
        case .failure(let failure):
            recordFailure(writer, round: call.round, phase: .synthesize, failure, removed: false)
            return synthesis(nil, answers: call.answers)
        }
    }

    /// The outcome of a debate without a vote: the synthesis, or the positions combined when there is none.
    func synthesis(_ written: (text: String, by: String)?, answers: [Position]) -> ConsensusResult {
        ConsensusResult(method: .none, reached: false, confidence: Self.agreement(answers),
                        finalAnswer: written?.text ?? ConsensusRule.noConsensusAnswer(answers), winner: nil,
                        supportingAgents: [], dissentingAgents: [], dissent: [],
                        summary: written.map { "no vote (method none); synthesis by \($0.by)" } ?? "no vote (method none); positions combined")
    }

    // MARK: - Helpers

    /// A call that streams its text (answers, judgments, syntheses).
    func streamedCall(_ index: Int, _ agent: any Agent, _ request: PhaseRequest) -> PhaseRunner.Call<AgentReply> {
        let ctx = context
        let inline = agent.respondsInstantly
        guard inline || !(agent is any ScheduledAgent) else {
            return PhaseRunner.Call(index: index, body: .start { sink, done in
                (agent as! any ScheduledAgent).start(request, in: ctx, streaming: true, onDelta: sink) { done($0.mapError(PhaseRunner.failure)) }
            })
        }
        return PhaseRunner.Call(index: index, inline: inline, body: .work { sink in
            try await agent.stream(to: request, in: ctx, onDelta: sink)
        })
    }

    /// A machine-read reply (critique, vote, judgment) with its parse. One that does not parse is sent back once
    /// with what was wrong (the repair); the tokens of both tries count.
    struct Structured<T: Sendable>: Sendable {
        var reply: AgentReply
        var parsed: Result<T, MalformedReply>
        var repaired: Bool

        /// The first reply parsed, or the request that asks for the repair.
        static func first(_ reply: AgentReply, of request: PhaseRequest, parse: (String) throws -> T) -> Result<Self, Repair> {
            do { return .success(Structured(reply: reply, parsed: .success(try parse(reply.text)), repaired: false)) } catch {
                let problem = error as? MalformedReply ?? MalformedReply("\(error)")
                var again = request
                again.repair = .init(previousReply: reply.text, problem: problem.description)
                return .failure(Repair(request: again))
            }
        }

        /// The repaired reply, charged for both tries.
        static func second(_ reply: AgentReply, after first: AgentReply, parse: (String) throws -> T) -> Self {
            var second = reply
            second.usage = first.usage + second.usage
            second.contextTrimmedCharacters = max(first.contextTrimmedCharacters, second.contextTrimmedCharacters)
            let parsed = Result { try parse(second.text) }.mapError { $0 as? MalformedReply ?? MalformedReply("\($0)") }
            return Structured(reply: second, parsed: parsed.mapError { MalformedReply("\($0.description) (after one repair attempt)") },
                              repaired: true)
        }
    }

    struct Repair: Error {
        var request: PhaseRequest
    }

    func structuredCall<T: Sendable>(_ index: Int, _ agent: any Agent, _ request: PhaseRequest, streamed: Bool = false,
                                     parse: @escaping @Sendable (String) throws -> T) -> PhaseRunner.Call<Structured<T>> {
        let ctx = context
        let inline = agent.respondsInstantly
        // Cast when the call starts, not here: the cast copies an agent larger than an existential's inline buffer
        // into a box of its own, which the closure would hold for the whole phase.
        guard inline || !(agent is any ScheduledAgent) else {
            return PhaseRunner.Call(index: index, body: .start { sink, done in
                (agent as! any ScheduledAgent).start(request, in: ctx, streaming: streamed, onDelta: sink) { reply in
                    let first: AgentReply
                    switch reply {
                    case .failure(let error): return done(.failure(PhaseRunner.failure(error)))
                    case .success(let r): first = r
                    }
                    switch Structured.first(first, of: request, parse: parse) {
                    case .success(let structured): done(.success(structured))
                    case .failure(let repair):
                        (agent as! any ScheduledAgent).start(repair.request, in: ctx, streaming: false, onDelta: { _ in }) { second in
                            done(second.map { Structured.second($0, after: first, parse: parse) }.mapError(PhaseRunner.failure))
                        }
                    }
                }
            })
        }
        return PhaseRunner.Call(index: index, inline: inline, body: .work { sink in
            let first = streamed ? try await agent.stream(to: request, in: ctx, onDelta: sink) : try await agent.respond(to: request, in: ctx)
            switch Structured.first(first, of: request, parse: parse) {
            case .success(let done): return done
            case .failure(let repair):
                return Structured.second(try await agent.respond(to: repair.request, in: ctx), after: first, parse: parse)
            }
        })
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
            record.reviewLabels.append(ReviewLabels(round: round, reader: reader, purpose: purpose, pairs: view.pairs))
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
        Result { (reply, try ReplyParser.answer(reply.text)) }.mapError(PhaseRunner.failure)
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
