import AragoraCore
import Foundation
import Synchronization
import XCTest

/// What a real model did to the engine, replayed with scripted agents: replies outside the schema, a panel whose
/// votes all fail, a judge that names nobody. The outcome must say only what was measured.
final class DebateIntegrityTests: XCTestCase {
    /// Records every request an agent received, and answers like `ScriptedAgent.voting`.
    final class Recorder: Sendable {
        let requests = Mutex<[PhaseRequest]>([])
        func agent(_ name: String, vote: (@Sendable (PhaseRequest) -> String)? = nil) -> ScriptedAgent {
            let plain = ScriptedAgent.voting(name)
            return ScriptedAgent(name) { req, ctx in
                self.requests.withLock { $0.append(req) }
                if req.phase == .vote, let vote { return vote(req) }
                return try await plain.respond(to: req, in: ctx).text
            }
        }
        var all: [PhaseRequest] { requests.withLock { $0 } }
    }

    func testBlindReviewShowsLabelsShuffledPerReaderAndRecordsThem() async throws {
        let rec = Recorder()
        let panel = ["alpha", "beta", "gamma", "delta"].map { rec.agent($0) }
        let r = await runDebate(panel, config: DebateConfig(rounds: 1, consensus: .majority, seed: 11))
        XCTAssertTrue(r.blind, "blind by default")
        for req in rec.all where req.phase == .vote || req.phase == .critique {
            let shown = req.phase == .vote ? req.candidates.map(\.agent) : [req.target!.agent]
            XCTAssertTrue(shown.allSatisfy { $0.hasPrefix("Answer ") }, "\(shown)")
            let prompt = PromptBuilder.user(req, DebateContext(debateID: "d", question: "q", agents: [], seed: 1), agent: panel[0].identity)
            for name in ["alpha", "beta", "gamma", "delta"] where req.phase == .vote {
                XCTAssertFalse(prompt.contains("### \(name)"), "no author names in a voter's prompt")
            }
        }
        let reviews = r.reviewLabels.filter { $0.purpose == "vote" && $0.round == 1 }
        XCTAssertEqual(reviews.count, 4)
        for view in reviews {
            XCTAssertEqual(Set(view.labels.values), Set(["alpha", "beta", "gamma", "delta"]).subtracting([view.reader]), "never the reader's own")
            XCTAssertEqual(Set(view.labels.keys), ["Answer A", "Answer B", "Answer C"])
        }
        XCTAssertGreaterThan(Set(reviews.map { $0.labels["Answer A"]! }).count, 1, "shuffled per reader")
        // Each recorded vote's choice is the author behind the label the voter picked.
        for v in r.votes {
            let view = try XCTUnwrap(reviews.first { $0.reader == v.agent })
            XCTAssertEqual(view.labels["Answer A"], v.choice, "ScriptedAgent.voting picks the first label offered")
        }
        let again = await runDebate(["alpha", "beta", "gamma", "delta"].map { ScriptedAgent.voting($0) },
                                    config: DebateConfig(rounds: 1, consensus: .majority, seed: 11))
        XCTAssertEqual(again.reviewLabels, r.reviewLabels, "the seed reproduces the labels")
        XCTAssertEqual(again.votes, r.votes)
        let named = await runDebate(panel, config: DebateConfig(rounds: 1, consensus: .majority, seed: 11, blind: false))
        XCTAssertTrue(named.reviewLabels.isEmpty)
    }

    func testARepliesOutsideTheSchemaGetOneRepairThenCountAsBadReplies() async {
        let rec = Recorder()
        // beta answers prose the first time and JSON when told what was wrong; gamma never manages.
        let beta = rec.agent("beta") { req in
            req.repair == nil ? "I pick the first one, it is best."
                : #"{"choice": "\#(req.candidates[0].agent)", "confidence": 0.6, "reasoning": "repaired"}"#
        }
        let gamma = rec.agent("gamma") { _ in "### openai-compatible-pragmatist" }
        let r = await runDebate([rec.agent("alpha"), beta, gamma], config: DebateConfig(rounds: 1, consensus: .majority, seed: 3))
        let repairs = rec.all.filter { $0.repair != nil }
        XCTAssertEqual(repairs.count, 2, "one repair each for beta and gamma, no more")
        XCTAssertTrue(repairs.allSatisfy { $0.repair!.problem.contains("not a JSON object") }, "\(repairs.map { $0.repair!.problem })")
        XCTAssertEqual(Set(r.votes.map(\.agent)), ["alpha", "beta"])
        let failure = r.failures.first { $0.agent == "gamma" }
        XCTAssertEqual(failure?.kind, "bad_reply")
        XCTAssertTrue(failure?.error.contains("after one repair attempt") == true, failure?.error ?? "")
        XCTAssertEqual(r.roundSummaries[0].votes, RoundSummary.Count(valid: 2, requested: 3, repaired: 2))
        XCTAssertEqual(r.roundSummaries[0].critiques, RoundSummary.Count(valid: 6, requested: 6))
        XCTAssertEqual(r.agentUsage["gamma"]?.inputTokens, 10 + 10 + 10 + 10 + 10, "a proposal, two critiques and both vote tries were paid for")
    }

    func testNoConsensusBelowTheQuorumOfValidVotes() async {
        let broken = { (name: String) in ScriptedAgent(name) { req, _ in
            req.phase == .vote ? "VOTE: alpha" : try await ScriptedAgent.voting(name).respond(to: req, in: DebateContext(
                debateID: "d", question: "q", agents: [], seed: 0)).text
        } }
        let r = await runDebate([ScriptedAgent.voting("alpha"), broken("beta"), broken("gamma")],
                                config: DebateConfig(rounds: 1, consensus: .majority, seed: 1))
        XCTAssertFalse(r.consensusReached)
        XCTAssertNil(r.consensus?.confidence, "a share of too few votes is no confidence")
        XCTAssertEqual(r.consensus?.summary, "no consensus: 1 of 3 votes valid (2 needed)")
        XCTAssertEqual(r.consensus?.validVotes, 1)
        XCTAssertEqual(r.roundSummaries[0].consensusReached, false, "the round's summary agrees")
        let payload = Receipt.payload(of: r)
        XCTAssertEqual(payload["consensus"]?["valid_votes"], 1)
        XCTAssertEqual(payload["consensus"]?["quorum"], 2)
        XCTAssertEqual(payload["consensus"]?["votes_requested"], 3)
        XCTAssertEqual(payload["consensus"]?["confidence"], .null)
        // A lower quorum, configured, lets the one valid vote decide.
        let one = await runDebate([ScriptedAgent.voting("alpha"), broken("beta"), broken("gamma")],
                                  config: DebateConfig(rounds: 1, consensus: .majority, seed: 1, quorum: 1))
        XCTAssertTrue(one.consensusReached)
    }

    func testAJudgeIsNoConsensusWithoutValidVotesAndGivesOnlyItsOwnFigures() async {
        let silentJudge = ScriptedAgent("referee", role: "judge") { _, _ in #"{"final_answer": "Stage it."}"# }
        let noVotes = ["alpha", "beta", "gamma"].map { name in
            ScriptedAgent(name) { req, _ in
                req.phase == .vote ? "I vote for the pragmatist." : try await ScriptedAgent.voting(name).respond(to: req, in: DebateContext(
                    debateID: "d", question: "q", agents: [], seed: 0)).text
            }
        }
        let r = await runDebate(noVotes + [silentJudge], config: DebateConfig(rounds: 1, consensus: .judge, seed: 2))
        XCTAssertFalse(r.consensusReached, "every vote failed: no consensus, whatever the judge wrote")
        XCTAssertNil(r.consensus?.confidence, "the judge gave no figure: none is reported")
        XCTAssertNil(r.consensus?.winner, "the judge named no answer: it sides with nobody")
        XCTAssertEqual(r.consensus?.finalAnswer, "Stage it.")
        XCTAssertEqual(r.consensus?.summary, "no consensus: 0 of 3 votes valid (2 needed); judged by referee")
        XCTAssertEqual(r.failures.filter { $0.kind == "bad_reply" }.count, 3)
        let json = String(decoding: try! r.jsonData(pretty: false), as: UTF8.self)
        XCTAssertTrue(json.contains(#""confidence":null"#), "null, not a default")
    }

    func testAnAgentWhoseProposalFailedSitsOutAndComesBack() async {
        let flaky = Mutex(0)
        let comeback = ScriptedAgent("comeback") { req, ctx in
            if req.phase == .propose, flaky.withLock({ $0 += 1; return $0 }) == 1 { throw AgentError.network("stream ended early after 0 characters") }
            return try await ScriptedAgent.voting("comeback").respond(to: req, in: ctx).text
        }
        let r = await runDebate([ScriptedAgent.voting("alpha"), ScriptedAgent.voting("beta"), comeback],
                                config: DebateConfig(rounds: 2, consensus: .majority, seed: 4, earlyStop: false))
        XCTAssertEqual(r.status, .completed)
        XCTAssertEqual(r.failures.map(\.removed), [false])
        XCTAssertTrue(r.messages.contains { $0.agent == "comeback" && $0.round == 2 && $0.role == "proposal" }, "asked again: its first answer")
        XCTAssertEqual(r.roundsUsed, 2)
    }

    func testRoundsUsedCountsRoundsWithProposals() async {
        let fails = { (name: String) in ScriptedAgent(name) { req, ctx in
            if req.phase == .critique { throw AgentError.auth("HTTP 401") }
            return try await ScriptedAgent.voting(name).respond(to: req, in: ctx).text
        } }
        let r = await runDebate([fails("a"), fails("b")], config: DebateConfig(rounds: 2, consensus: .majority, seed: 4))
        XCTAssertEqual(r.status, .error, "both left after a permanent failure")
        XCTAssertEqual(r.failures.map(\.removed), [true, true], "credentials refused: removed at once")
        XCTAssertEqual(r.roundsUsed, 1, "round 1 had proposals")
    }
}
