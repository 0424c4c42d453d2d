import AragoraCore
import XCTest

final class ConsensusRuleTests: XCTestCase {
    let agents = ["a", "b", "c"]
    let answers = [Position(agent: "a", content: "A"), Position(agent: "b", content: "B"), Position(agent: "c", content: "C")]

    func v(_ voter: String, _ choice: String, _ c: Double = 0.8) -> Vote {
        Vote(agent: voter, choice: choice, confidence: c, reasoning: "\(voter) likes \(choice)", round: 1)
    }

    func testMajorityReached() {
        let r = ConsensusRule(method: .majority).decide(votes: [v("a", "b"), v("b", "a"), v("c", "b")], agents: agents, answers: answers)
        XCTAssertTrue(r.reached)
        XCTAssertEqual(r.winner, "b")
        XCTAssertEqual(r.finalAnswer, "B")
        XCTAssertEqual(r.confidence ?? -1, 1.6 / 2.4, accuracy: 1e-9)
        XCTAssertEqual(r.supportingAgents, ["b", "a", "c"])
        XCTAssertEqual(r.dissentingAgents, [])  // b's own vote for a is not dissent from its own answer
    }

    func testThreeWayCycleIsATie() {
        let r = ConsensusRule(method: .majority).decide(votes: [v("a", "b"), v("b", "c"), v("c", "a")], agents: agents, answers: answers)
        XCTAssertFalse(r.reached)
        XCTAssertNil(r.winner)
        XCTAssertTrue(r.summary.contains("tie"))
        XCTAssertTrue(r.finalAnswer.hasPrefix("No consensus"))
    }

    func testTwoWayTieWithFourAgentsIsNotConsensus() {
        let four = agents + ["d"]
        let r = ConsensusRule(method: .majority).decide(
            votes: [v("a", "b"), v("b", "a"), v("c", "a"), v("d", "b")], agents: four, answers: answers)
        XCTAssertFalse(r.reached)
        XCTAssertNil(r.winner)
    }

    func testConfidenceWeightingCanBeatHeadCount() {
        // One confident vote outweighs two hesitant ones.
        let r = ConsensusRule(method: .majority).decide(votes: [v("a", "c", 0.95), v("b", "a", 0.3), v("c", "a", 0.3)],
                                                        agents: agents, answers: answers)
        XCTAssertEqual(r.winner, "c")
        XCTAssertTrue(r.reached)
    }

    func testSupermajorityNeedsTwoThirds() {
        let votes = [v("a", "b", 0.6), v("b", "a", 0.9), v("c", "b", 0.6)]  // b: 1.2 / 2.1 = 57%
        XCTAssertTrue(ConsensusRule(method: .majority).decide(votes: votes, agents: agents, answers: answers).reached)
        let s = ConsensusRule(method: .supermajority).decide(votes: votes, agents: agents, answers: answers)
        XCTAssertFalse(s.reached)
        XCTAssertEqual(s.winner, "b")
        let strong = [v("a", "b", 0.9), v("b", "a", 0.5), v("c", "b", 0.9)]  // 1.8 / 2.3 = 78%
        XCTAssertTrue(ConsensusRule(method: .supermajority).decide(votes: strong, agents: agents, answers: answers).reached)
    }

    func testUnanimousFailsWithOneDissenter() {
        let four = agents + ["d"]
        let votes = [v("a", "b"), v("b", "a"), v("c", "b"), v("d", "c", 0.5)]
        XCTAssertTrue(ConsensusRule(method: .majority).decide(votes: votes, agents: four, answers: answers).reached)
        let u = ConsensusRule(method: .unanimous).decide(votes: votes, agents: four, answers: answers)
        XCTAssertFalse(u.reached)
        XCTAssertEqual(u.dissentingAgents, ["d"])
        XCTAssertEqual(u.dissent.first?.reason, "d likes c")
    }

    func testUnanimousFailsWhenAnAgentDidNotVote() {
        let u = ConsensusRule(method: .unanimous).decide(votes: [v("a", "b")], agents: agents, answers: answers)
        XCTAssertFalse(u.reached)
        XCTAssertEqual(u.dissentingAgents, ["c"])
    }

    func testUnanimousReached() {
        let u = ConsensusRule(method: .unanimous).decide(votes: [v("a", "b"), v("b", "c"), v("c", "b")], agents: agents, answers: answers)
        XCTAssertTrue(u.reached)
        XCTAssertEqual(u.winner, "b")
    }

    func testWeightedUsesVoterRatings() {
        let votes = [v("a", "c"), v("b", "a"), v("c", "a")]  // a has two votes
        XCTAssertEqual(ConsensusRule(method: .weighted).decide(votes: votes, agents: agents, answers: answers).winner, "a")
        let ratings = ["a": 2400.0, "b": 1000, "c": 1000]  // a's own vote now dominates
        let r = ConsensusRule(method: .weighted, ratings: ratings).decide(votes: votes, agents: agents, answers: answers)
        XCTAssertEqual(r.winner, "c")
        XCTAssertTrue(r.reached)
        XCTAssertTrue(r.summary.contains("ELO-weighted"))
    }

    func testNoVotesIsNoConsensus() {
        let r = ConsensusRule(method: .majority).decide(votes: [], agents: agents, answers: answers)
        XCTAssertFalse(r.reached)
        XCTAssertEqual(r.summary, "no votes were cast")
    }
}
