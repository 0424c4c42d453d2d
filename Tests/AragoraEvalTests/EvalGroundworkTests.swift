import AragoraCore
@testable import AragoraEval
import Foundation
import Testing

/// The pieces `aragora eval` is built from: generated sets whose answers are right, extraction per kind, and the
/// statistics against values computed independently (Python's exact `math.comb` and `statistics.NormalDist`).
@Suite struct EvalGroundworkTests {
    @Test func arithmeticItemsAreDuEtAlsFormWithTheRightAnswer() throws {
        let items = BuiltinDatasets.arithmetic(n: 200, seed: 1)
        #expect(items == BuiltinDatasets.arithmetic(n: 200, seed: 1), "the same seed, the same items")
        #expect(items != BuiltinDatasets.arithmetic(n: 200, seed: 2))
        #expect(Set(items.map(\.id)).count == 200)
        for item in items {
            // Evaluated here on its own: the six operands read back from the text, precedence by hand.
            let v = item.question.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            try #require(v.count == 6, "\(item.question)")
            #expect(v.allSatisfy { (0...30).contains($0) })
            #expect(item.question == "What is the result of \(v[0])+\(v[1])*\(v[2])+\(v[3])-\(v[4])*\(v[5])?")
            #expect(item.answer == String(v[0] + v[1] * v[2] + v[3] - v[4] * v[5]))
            #expect(item.kind == .number)
        }
    }

    @Test func comparisonItemsHaveOneRightLetter() throws {
        let items = BuiltinDatasets.comparison(n: 100, seed: 3)
        #expect(items == BuiltinDatasets.comparison(n: 100, seed: 3))
        for item in items {
            let values = try #require(item.choices).map { option -> Int in
                let parts = option.split(separator: " ")
                return Int(parts[0])! * Int(parts[2])!
            }
            #expect(Set(values).count == 4, "distinct options")
            let target = item.question.contains("largest") ? values.max()! : values.min()!
            #expect(item.answer == EvalItem.letter(values.firstIndex(of: target)!))
            #expect(item.prompt.contains("A) ") && item.prompt.contains("D) "))
        }
        #expect(Set(items.map(\.answer)).count > 1, "the right letter varies")
    }

    @Test(arguments: [
        ("The answer is 42.", "42"), ("First 3*4 = 12, then 12+5 = 17. Answer: 17", "17"), ("#### 1,234", "1234"),
        ("It comes to -3", "-3"), ("Answer: 7.0", "7"), ("I get 2.50 in the end", "2.5"), ("So 10 - 25 = -15.", "-15"),
        ("answer is 12, not 13", "12"),
    ])
    func numbersAreReadAsTheAnswerSaysThem(reply: String, expected: String) {
        #expect(AnswerExtractor.extract(reply, kind: .number) == expected)
    }

    @Test func replyWithoutAnAnswerIsNil() {
        #expect(AnswerExtractor.extract("I cannot tell.", kind: .number) == nil)
        #expect(AnswerExtractor.extract("Hard to say.", kind: .letter) == nil, "the letters of words are not choices")
        #expect(AnswerExtractor.extract("  ", kind: .text) == nil)
    }

    @Test(arguments: [("B", "B"), ("(C)", "C"), ("Answer: D", "D"), ("I think A) fits, but the answer is (B).", "B"),
                      ("C) 12 times 4", "C"), ("The answer is E", nil)])
    func lettersAreReadOnlyAmongTheChoices(reply: String, expected: String?) {
        #expect(AnswerExtractor.extract(reply, kind: .letter, choices: 4) == expected)
    }

    @Test func textIsTrimmedAndFolded() {
        #expect(AnswerExtractor.extract("  Paris.\n", kind: .text) == "paris")
    }

    @Test(arguments: [(81, 100, 0.7222115462093562, 0.8748524849023126), (0, 10, 0.0, 0.27753279986288915),
                      (10, 10, 0.7224672001371109, 1.0), (15, 30, 0.3315412564053377, 0.6684587435946623),
                      (1, 1, 0.20654931437723745, 1.0)])
    func wilsonIntervals(correct: Int, total: Int, low: Double, high: Double) {
        let w = EvalStatistics.wilson(correct: correct, total: total)
        #expect(abs(w.low - low) < 1e-12 && abs(w.high - high) < 1e-12, "\(w)")
    }

    @Test(arguments: [(10, 2, 0.03857421875), (0, 5, 0.0625), (3, 3, 1.0), (25, 10, 0.01667384780012071), (1, 0, 1.0), (0, 0, 1.0)])
    func exactMcNemar(onlyFirst: Int, onlySecond: Int, p: Double) {
        #expect(abs(EvalStatistics.mcnemar(onlyFirst: onlyFirst, onlySecond: onlySecond) - p) < 1e-12)
    }
}
