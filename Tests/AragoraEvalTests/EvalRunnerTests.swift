import AragoraCore
@testable import AragoraEval
import Foundation
import Synchronization
import Testing

/// The runner on agents whose accuracy is known: each answers an item right exactly when a draw from its own name and
/// the question falls under its p, so the expected accuracy is counted here independently of the runner.
@Suite struct EvalRunnerTests {
    struct KnownAgent: Agent {
        let identity: AgentIdentity
        let p: Double

        init(_ name: String, p: Double) {
            identity = AgentIdentity(name: name, provider: "test", model: "known-\(p)")
            self.p = p
        }

        static func isRight(_ name: String, _ question: String, p: Double) -> Bool {
            var rng = SeededRandom(seed: 0, name, question)
            return rng.unit() < p
        }

        func respond(to request: PhaseRequest, in context: DebateContext) async throws -> AgentReply {
            let usage = TokenUsage(inputTokens: 20, outputTokens: 10, costUSD: 0.001)
            switch request.phase {
            case .critique: return AgentReply(text: #"{"issues": ["none"], "suggestions": [], "severity": 1}"#, usage: usage)
            case .vote:
                return AgentReply(text: #"{"choice": "\#(request.candidates[0].agent)", "confidence": 0.9, "reasoning": "agreed"}"#, usage: usage)
            default: break
            }
            let item = context.question.components(separatedBy: "\n\n")[0]
            let v = item.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let truth = v.count == 6 ? v[0] + v[1] * v[2] + v[3] - v[4] * v[5] : 0
            let answer = Self.isRight(identity.name, item, p: p) ? truth : truth + 1 + Int(context.seed % 3)
            return AgentReply(text: "Working it out step by step. The answer is \(answer).", usage: usage)
        }
    }

    static let items = BuiltinDatasets.arithmetic(n: 60, seed: 9)

    func runner(_ agents: [any Agent]) -> EvalRunner {
        EvalRunner(agents: agents, seed: 1) { question, rounds, seed in
            let engine = DebateEngine(agents: agents, config: DebateConfig(rounds: rounds, consensus: .majority, seed: seed))
            return await engine.run(engine.newRecord(id: "deb_eval", question: question))
        }
    }

    @Test func singleAgentsScoreWhatTheyAreKnownToScore() async throws {
        let agents: [any Agent] = [KnownAgent("a", p: 0.8), KnownAgent("b", p: 0.5), KnownAgent("c", p: 0.2)]
        let r = runner(agents)
        var outcomes: [EvalOutcome] = []
        for item in Self.items { outcomes += await r.run(item, .single) }
        let rows = EvalSummary.rows(outcomes)
        #expect(rows.map(\.configuration) == ["single:a", "single:b", "single:c"])
        for (row, (name, p)) in zip(rows, [("a", 0.8), ("b", 0.5), ("c", 0.2)]) {
            let expected = Self.items.filter { KnownAgent.isRight(name, $0.question, p: p) }.count
            #expect(row.correct == expected && row.total == 60, "\(row)")
            #expect(row.calls == 60 && row.usage.inputTokens == 1200)
            let w = EvalStatistics.wilson(correct: expected, total: 60)
            #expect(row.low == w.low && row.high == w.high)
        }
        // Paired: a against c, counted here item by item.
        let comparison = EvalSummary.compare("single:a", "single:c", in: outcomes)
        let onlyA = Self.items.filter { KnownAgent.isRight("a", $0.question, p: 0.8) && !KnownAgent.isRight("c", $0.question, p: 0.2) }.count
        let onlyC = Self.items.filter { !KnownAgent.isRight("a", $0.question, p: 0.8) && KnownAgent.isRight("c", $0.question, p: 0.2) }.count
        #expect(comparison.items == 60 && comparison.onlyFirst == onlyA && comparison.onlySecond == onlyC)
        #expect(comparison.p == EvalStatistics.mcnemar(onlyFirst: onlyA, onlySecond: onlyC))
        #expect(comparison.p < 0.01, "0.8 against 0.2 on 60 items is no coin toss")
    }

    @Test func majorityIsTheMostGivenAnswerAndSelfConsistencySamples() async throws {
        let sure: [any Agent] = [KnownAgent("x", p: 1), KnownAgent("y", p: 1), KnownAgent("z", p: 0)]
        let r = runner(sure)
        for item in Self.items.prefix(10) {
            let majority = await r.run(item, .majority)
            #expect(majority.count == 1 && majority[0].correct && majority[0].calls == 3 && majority[0].raw.count == 3)
            let samples = await r.run(item, .selfConsistency(samples: 5))
            #expect(samples[0].calls == 5 && samples[0].correct, "five samples of x, always right")
        }
        #expect(EvalRunner.majority(["7", "8", "7"]) == "7")
        #expect(EvalRunner.majority(["7", "8"]) == nil, "a tie is no answer")
        #expect(EvalRunner.majority([]) == nil)
    }

    @Test func debatesAreReadFromTheirFinalAnswer() async throws {
        let r = runner([KnownAgent("x", p: 1), KnownAgent("y", p: 1), KnownAgent("z", p: 1)])
        let item = Self.items[0]
        let outcome = try #require(await r.run(item, .debate(rounds: 1)).first)
        #expect(outcome.configuration == "debate:1" && outcome.debateID == "deb_eval")
        #expect(outcome.extracted == item.answer && outcome.correct, "\(outcome.raw)")
        #expect(outcome.calls >= 3)
    }

    @Test func configurationsParseAndBadOnesAreNamed() throws {
        #expect(try EvalConfiguration.parseList("single, self-consistency:5,majority,debate:2")
                == [.single, .selfConsistency(samples: 5), .majority, .debate(rounds: 2)])
        for bad in ["debate", "debate:0", "self-consistency:1", "vote", ""] {
            #expect(throws: EvalConfiguration.Invalid.self) { try EvalConfiguration.parseList(bad) }
        }
    }
}

/// The reports say what the summary says, and show configuration names as text.
@Suite struct EvalReportTests {
    @Test func markdownAndHTMLCarryEveryRowAndEscapeNames() {
        let rows = [EvalSummary(configuration: "single:<b>x</b>", correct: 3, total: 4, low: 0.3, high: 0.95, calls: 4,
                                usage: TokenUsage(inputTokens: 10, outputTokens: 5, costUSD: 0.02), seconds: 1.5),
                    EvalSummary(configuration: "debate:2", correct: 4, total: 4, low: 0.51, high: 1, calls: 40,
                                usage: TokenUsage(inputTokens: 100, outputTokens: 50, costUSD: 0.2), seconds: 9)]
        let report = EvalReport(dataset: "builtin:arithmetic", items: 4, rows: rows,
                                comparisons: [.init(first: "debate:2", second: "single:<b>x</b>", items: 4, onlyFirst: 1, onlySecond: 0, p: 1)])
        #expect(report.markdown.contains("| debate:2 | 100.0% (4/4) | 51.0%-100.0% | 40 | 100 / 50 | $0.2000 | $0.0500 | 9.0 |"))
        #expect(report.markdown.contains("single:&lt;b&gt;x&lt;/b&gt;") && !report.markdown.contains("<b>"))
        #expect(report.htmlDocument.contains("single:&lt;b&gt;x&lt;/b&gt;") && !report.htmlDocument.contains("<b>x"))
        #expect(report.chart.components(separatedBy: "<circle").count - 1 == 2, "one point per configuration")
        #expect(!report.htmlDocument.contains("<script"))
    }
}
