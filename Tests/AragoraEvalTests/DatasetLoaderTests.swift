import AragoraCore
@testable import AragoraEval
import Foundation
import Testing

/// Sets users bring are read whole or not at all, and a bad line is named by its number.
@Suite struct DatasetLoaderTests {
    @Test func gsm8kStyleAnswersEndWithTheNumber() throws {
        let text = """
            {"question": "Tom has 3 apples and buys 4 more. How many does he have?", "answer": "3 + 4 = 7 apples.\\n#### 7"}

            {"question": "A shop sells 12 boxes of 100 pens. How many pens?", "answer": "12 * 100 = 1200\\n#### 1,200"}
            """
        let items = try DatasetLoader.jsonl(text, file: "gsm8k.jsonl")
        #expect(items.map(\.answer) == ["7", "1200"])
        #expect(items.allSatisfy { $0.kind == .number })
        #expect(items.map(\.id) == ["gsm8k.jsonl#1", "gsm8k.jsonl#3"], "ids by line, blank lines skipped")
    }

    @Test func multipleChoiceAndGenericLines() throws {
        let text = """
            {"question": "Which planet is largest?", "choices": ["Mars", "Jupiter", "Venus", "Mercury"], "answer": "b"}
            {"question": "Which is a prime?", "A": "4", "B": "6", "C": "7", "D": "9", "answer": "C"}
            {"question": "Pick the even one", "choices": ["3", "8"], "answer": 1}
            {"question": "Capital of France?", "answer": "Paris"}
            {"question": "Six times seven?", "answer": 42}
            """
        let items = try DatasetLoader.jsonl(text)
        #expect(items.map(\.answer) == ["B", "C", "B", "paris", "42"])
        #expect(items.map(\.kind) == [.letter, .letter, .letter, .text, .number])
        #expect(items[1].choices == ["4", "6", "7", "9"])
    }

    @Test func aBadLineIsNamedAndNothingIsLoaded() {
        let text = """
            {"question": "One?", "answer": 1}
            {"question": "Two?", "answer": 2}
            {"question": "Three?", "answer"
            """
        #expect(throws: DatasetLoader.Invalid("set.jsonl", line: 3, "not a JSON object")) { try DatasetLoader.jsonl(text, file: "set.jsonl") }
        #expect(throws: DatasetLoader.Invalid("set.jsonl", line: 1, "answer 'E' is not one of A, B, C, D")) {
            try DatasetLoader.jsonl(#"{"question": "Q?", "choices": ["a", "b", "c", "d"], "answer": "E"}"#, file: "set.jsonl")
        }
        #expect(throws: DatasetLoader.Invalid("set.jsonl", line: 1, "no \"answer\"")) {
            try DatasetLoader.jsonl(#"{"question": "Q?"}"#, file: "set.jsonl")
        }
    }

    @Test func mmluStyleCSVWithQuotedFields() throws {
        let text = "\"Which, of these, is \"\"odd\"\"?\",2,4,5,8,C\r\nWhat is 2+2?,3,4,5,\"6\nor more\",B\n"
        let items = try DatasetLoader.csv(text, file: "mmlu.csv")
        #expect(items.count == 2)
        #expect(items[0].question == "Which, of these, is \"odd\"?")
        #expect(items[0].choices == ["2", "4", "5", "8"] && items[0].answer == "C")
        #expect(items[1].choices?.last == "6\nor more" && items[1].answer == "B")
        #expect(throws: DatasetLoader.Invalid("mmlu.csv", line: 2, "expected 6 fields (question, A, B, C, D, answer), got 3")) {
            try DatasetLoader.csv("Q?,a,b,c,d,A\nshort,row,here\n", file: "mmlu.csv")
        }
    }

    @Test func builtinSetsByNameAndFilesByPath() throws {
        #expect(try DatasetLoader.load("builtin:arithmetic", n: 5, seed: 1) == BuiltinDatasets.arithmetic(n: 5, seed: 1))
        #expect(throws: DatasetLoader.Invalid.self) { try DatasetLoader.load("builtin:trivia", n: 5, seed: 1) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data((1...10).map { #"{"question": "\#($0) + 1?", "answer": \#($0 + 1)}"# }.joined(separator: "\n").utf8).write(to: file)
        #expect(try DatasetLoader.load(file.path, n: 3, seed: 0).map(\.answer) == ["2", "3", "4"], "the first n items")
        #expect(throws: DatasetLoader.Invalid.self) { try DatasetLoader.load(file.path + ".missing", n: 3, seed: 0) }
    }
}
