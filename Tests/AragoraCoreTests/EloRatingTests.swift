import AragoraCore
import XCTest

final class EloRatingTests: XCTestCase {
    func testExpectedScore() {
        XCTAssertEqual(EloRating.expected(1500, 1500), 0.5, accuracy: 1e-12)
        XCTAssertEqual(EloRating.expected(1900, 1500), 1 / (1 + pow(10, -1)), accuracy: 1e-12)
    }

    func testWinnerBeatsEveryOtherAgent() {
        let changes = EloRating.update(ratings: [:], participants: ["a", "b", "c"], winner: "a")
        let by = Dictionary(uniqueKeysWithValues: changes.map { ($0.agent, $0) })
        XCTAssertEqual(by["a"]!.after, 1532, accuracy: 1e-9)  // two wins at 16 points each
        XCTAssertEqual(by["b"]!.after, 1484, accuracy: 1e-9)
        XCTAssertEqual(by["c"]!.after, 1484, accuracy: 1e-9)
        XCTAssertEqual(by["a"]!.outcome, .win)
        XCTAssertEqual(by["b"]!.outcome, .loss)
        XCTAssertEqual(changes.map { $0.after - $0.before }.reduce(0, +), 0, accuracy: 1e-9)  // zero-sum
    }

    func testUpsetGivesMorePoints() {
        let changes = EloRating.update(ratings: ["a": 1300, "b": 1700], participants: ["a", "b"], winner: "a")
        let expectedA = 1 / (1 + pow(10, 400.0 / 400))
        XCTAssertEqual(changes[0].after, 1300 + 32 * (1 - expectedA), accuracy: 1e-9)
        XCTAssertEqual(changes[1].after, 1700 - 32 * (1 - expectedA), accuracy: 1e-9)
    }

    func testNoConsensusIsADraw() {
        let changes = EloRating.update(ratings: ["a": 1600, "b": 1500], participants: ["a", "b"], winner: nil)
        let ea = EloRating.expected(1600, 1500)
        XCTAssertEqual(changes[0].after, 1600 + 32 * (0.5 - ea), accuracy: 1e-9)
        XCTAssertEqual(changes[1].after, 1500 + 32 * (0.5 - (1 - ea)), accuracy: 1e-9)
        XCTAssertEqual(changes[0].outcome, .draw)
    }
}
