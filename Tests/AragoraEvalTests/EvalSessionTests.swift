import AragoraCore
@testable import AragoraEval
import Foundation
import Synchronization
import Testing

/// The session's operations: the budget stops it with what was done, a rerun with what was recorded does only the
/// rest and ends where an uninterrupted run ends, cancelling keeps finished answers only, and no more answers are in
/// flight than asked.
@Suite struct EvalSessionTests {
    typealias KnownAgent = EvalRunnerTests.KnownAgent
    static let items = BuiltinDatasets.arithmetic(n: 12, seed: 4)

    /// Counts calls and how many are in flight at once; `hold` keeps every call waiting until that many are in flight
    /// together (or a deadline passes, so a broken bound fails instead of hanging), and `block` never returns.
    final class Gauge: Sendable {
        let state = Mutex((calls: 0, inFlight: 0, most: 0))
        var calls: Int { state.withLock { $0.calls } }
        var most: Int { state.withLock { $0.most } }
    }

    struct GaugedAgent: Agent {
        let inner: KnownAgent
        let gauge: Gauge
        var hold = 0
        var blockAfter: Int?
        var identity: AgentIdentity { inner.identity }

        func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
            let call = gauge.state.withLock { s in
                s.calls += 1
                s.inFlight += 1
                s.most = max(s.most, s.inFlight)
                return s.calls
            }
            defer { gauge.state.withLock { $0.inFlight -= 1 } }
            if let blockAfter, call > blockAfter { try await Task.sleep(for: .seconds(600)) }
            let deadline = ContinuousClock.now + .seconds(20)
            while gauge.state.withLock({ $0.inFlight }) < hold && gauge.most < hold && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            return try await inner.respond(to: request, in: context)
        }
    }

    func session(_ agents: [any Agent], _ configurations: [EvalConfiguration] = [.single, .majority], concurrency: Int = 1,
                 budget: Double? = nil) -> EvalSession {
        let runner = EvalRunner(agents: agents, seed: 3) { question, rounds, seed in
            let engine = DebateEngine(agents: agents, config: DebateConfig(rounds: rounds, consensus: .majority, seed: seed))
            return await engine.run(engine.newRecord(id: "deb_eval", question: question))
        }
        return EvalSession(items: Self.items, configurations: configurations, runner: runner, concurrency: concurrency, budgetUSD: budget)
    }

    func agents(_ gauge: Gauge, hold: Int = 0, blockAfter: Int? = nil) -> [any Agent] {
        [GaugedAgent(inner: KnownAgent("a", p: 0.7), gauge: gauge, hold: hold, blockAfter: blockAfter),
         GaugedAgent(inner: KnownAgent("b", p: 0.4), gauge: gauge, hold: hold, blockAfter: blockAfter)]
    }

    /// Without the seconds, which differ from run to run, in item and configuration order: answers are recorded as
    /// they finish, which with several in flight is not the order of the plan.
    static func answers(_ outcomes: [EvalOutcome]) -> [EvalOutcome] {
        outcomes.map { var o = $0; o.seconds = 0; return o }.sorted { ($0.item, $0.configuration) < ($1.item, $1.configuration) }
    }

    @Test func theBudgetStopsItWithWhatWasDone() async throws {
        // Each call costs $0.001: a single answer (two agents) $0.002, a majority answer $0.002.
        let recorded = Mutex<[EvalOutcome]>([])
        let result = try await session(agents(Gauge()), budget: 0.009).run(previous: [], record: { o in recorded.withLock { $0 += o } })
        #expect(result.stop == .budget)
        #expect(result.progress.answered == 5 && result.progress.planned == 24, "the fifth answer reaches $0.010")
        #expect(abs(result.progress.spentUSD - 0.010) < 1e-9)
        #expect(result.outcomes.count == 8, "single (two lines), majority, single, majority, single")
        #expect(Self.answers(recorded.withLock { $0 }) == Self.answers(result.outcomes), "every answer was recorded as it came")
        #expect(result.progress.itemsDone == 2)
        let rows = EvalSummary.rows(result.outcomes)
        #expect(rows.map(\.total) == [3, 3, 2], "the report covers exactly what was done")
    }

    @Test func aRerunWithWhatWasRecordedDoesOnlyTheRestAndEndsLikeOneRun() async throws {
        let fresh = try await session(agents(Gauge())).run(previous: [], record: { _ in })
        #expect(fresh.stop == nil && fresh.outcomes.count == 12 * 3)

        let recorded = Mutex<[EvalOutcome]>([])
        let first = try await session(agents(Gauge()), budget: 0.02).run(previous: [], record: { o in recorded.withLock { $0 += o } })
        #expect(first.stop == .budget)
        let gauge = Gauge()
        let second = try await session(agents(gauge), concurrency: 3).run(previous: recorded.withLock { $0 }, record: { _ in })
        #expect(second.stop == nil && second.progress.resumed == first.progress.answered)
        #expect(gauge.calls == (24 - first.progress.answered) * 2, "two calls per answer left, none for those done")
        #expect(Self.answers(second.outcomes) == Self.answers(fresh.outcomes), "same items, same seeds")
        #expect(second.outcomes.map { $0.item + "/" + $0.configuration } == fresh.outcomes.map { $0.item + "/" + $0.configuration },
                "reported in the plan's order whatever order they finished in")
    }

    @Test func cancellingKeepsOnlyFinishedAnswers() async throws {
        let gauge = Gauge()
        let recorded = Mutex<[EvalOutcome]>([])
        let task = Task {
            try await session(agents(gauge, blockAfter: 6), concurrency: 2).run(previous: [], record: { o in recorded.withLock { $0 += o } })
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while gauge.calls <= 6 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let result = try await task.value
        #expect(result.stop == .interrupted)
        #expect(result.outcomes.allSatisfy { !$0.raw.contains { $0.hasPrefix("error") } }, "no answer cut short is kept")
        #expect(Self.answers(recorded.withLock { $0 }) == Self.answers(result.outcomes))
        #expect(result.progress.answered < 24)
    }

    @Test func noMoreAnswersAreInFlightThanAsked() async throws {
        // Every call waits until three are in flight together: with a bound of 3 they meet; the gauge shows no fourth.
        let gauge = Gauge()
        let result = try await session(agents(gauge, hold: 3), [.majority], concurrency: 3).run(previous: [], record: { _ in })
        #expect(result.stop == nil && result.outcomes.count == 12)
        #expect(gauge.most == 3)
    }

    @Test func theJournalResumesDropsATornLineAndRefusesOtherTerms() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-eval-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let identities = [AgentIdentity(name: "a", provider: "test", model: "m")]
        let terms = EvalJournal.Terms(dataset: "builtin:arithmetic", seed: 1, agents: identities, consensus: "majority", blind: true)
        let outcome = EvalOutcome(item: "arithmetic-1", configuration: "majority", raw: ["7"], extracted: "7", correct: true, calls: 1,
                                  usage: TokenUsage(), seconds: 0.5, debateID: nil)
        do {
            let journal = try EvalJournal(directory: dir, terms: terms)
            #expect(journal.previous.isEmpty)
            try journal.append([outcome, outcome])
        }
        // A crash cut the next write short: the torn line is dropped, the file ends on a whole line again.
        let results = dir + "/results.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: results))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"item":"arithmetic-2","configura"#.utf8))
        try handle.close()
        let reopened = try EvalJournal(directory: dir, terms: terms)
        #expect(reopened.previous == [outcome, outcome])
        try reopened.append([outcome])
        #expect(try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n").count == 3)

        var other = terms
        other.seed = 2
        #expect { try EvalJournal(directory: dir, terms: other) } throws: { error in
            (error as? EvalJournal.Invalid)?.description.contains("seed 1 there, 2 here") == true
        }
        try Data("not json\n".utf8).write(to: URL(fileURLWithPath: results))
        #expect { try EvalJournal(directory: dir, terms: terms) } throws: { error in
            (error as? EvalJournal.Invalid)?.description == "results.jsonl:1: not an answer line; fix or remove it to resume"
        }
    }
}
