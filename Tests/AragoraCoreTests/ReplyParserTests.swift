import Foundation
import AragoraCore
import XCTest

/// Machine-read replies meet their schema or fail with the reason: nothing is guessed from prose, nothing is
/// defaulted. The failures quoted here are what SmolLM2-135M actually wrote before structured output.
final class ReplyParserTests: XCTestCase {
    let labels = ["Answer A", "Answer B"]

    func testVoteAsJSONInACodeFence() throws {
        let v = try ReplyParser.vote("Here you go:\n```json\n{\"choice\": \"Answer B\", \"confidence\": 0.7, \"reasoning\": \"grounded\"}\n```",
                                     labels: labels)
        XCTAssertEqual(v, .init(choice: "Answer B", confidence: 0.7, reasoning: "grounded"))
        XCTAssertEqual(try ReplyParser.vote(#"{"choice": "answer a", "confidence": 1, "reasoning": ""}"#, labels: labels).choice, "Answer A",
                       "a label's case is ignored")
    }

    func testVotesInProseOrLabelledLinesAreNotGuessed() {
        for reply in ["**Vote:** Answer A\n**Confidence:** 85%", "I side with Answer B here; their caution is warranted.",
                      "### openai-compatible-pragmatist", "Demonstration-pragmatist is the most grounded", "", "{{{###"] {
            XCTAssertThrowsError(try ReplyParser.vote(reply, labels: labels), reply)
        }
    }

    func testEveryVoteFieldIsChecked() {
        func problem(_ json: String) -> String {
            do { _ = try ReplyParser.vote(json, labels: labels); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(problem(#"{"choice": "Answer C", "confidence": 0.5, "reasoning": "x"}"#).contains("must be one of: Answer A, Answer B"))
        XCTAssertTrue(problem(#"{"confidence": 0.5, "reasoning": "x"}"#).contains("choice is missing"))
        XCTAssertTrue(problem(#"{"choice": "Answer A", "confidence": 128396.0, "reasoning": "x"}"#).contains("from 0 to 1, got 128396"))
        XCTAssertTrue(problem(#"{"choice": "Answer A", "confidence": "high", "reasoning": "x"}"#).contains("from 0 to 1"))
        XCTAssertTrue(problem(#"{"choice": "Answer A", "reasoning": "x"}"#).contains("confidence is missing"))
        XCTAssertTrue(problem(#"{"choice": "Answer A", "confidence": 0.5}"#).contains("reasoning must be a string"))
    }

    func testCritiqueAsJSON() throws {
        let c = try ReplyParser.critique(#"{"issues": ["no data", "too vague", " "], "suggestions": ["add data"], "severity": 7}"#)
        XCTAssertEqual(c, .init(issues: ["no data", "too vague"], suggestions: ["add data"], severity: 7))
        XCTAssertEqual(try ReplyParser.critique(#"{"issues": [], "suggestions": [], "severity": 0}"#).severity, 0)
    }

    func testALineBreakInsideAStringIsReadAsOne() throws {
        // What llama.cpp's grammar let SmolLM2 write: raw line breaks inside JSON strings.
        let c = try ReplyParser.critique("{ \"issues\": [\"too vague\nand long\"], \"suggestions\": [\"say \\\"how\\\"\tnow\"], \"severity\": 3 }")
        XCTAssertEqual(c.issues, ["too vague\nand long"])
        XCTAssertEqual(c.suggestions, ["say \"how\"\tnow"])
    }

    func testCritiquesOutsideTheSchemaFail() {
        for reply in [#"{"issues": ["x"], "suggestions": [], "severity": 12}"#, #"{"issues": ["x"], "suggestions": [], "severity": 6.5}"#,
                      #"{"issues": ["x"], "suggestions": []}"#, #"{"issues": "x", "suggestions": [], "severity": 3}"#,
                      #"{"issues": [3], "suggestions": [], "severity": 3}"#,
                      "ISSUES:\n- ignores cost\nSEVERITY: 7/10", "The plan ignores cost. It has no owner! Severity about 3.",
                      #"], "suggestions": [".  The plan is fine."#, "   "] {
            XCTAssertThrowsError(try ReplyParser.critique(reply), reply)
        }
    }

    func testAnswerExtractsJSONAnswerField() throws {
        XCTAssertEqual(try ReplyParser.answer("{\"answer\": \"Use a monorepo.\"}"), "Use a monorepo.")
        XCTAssertEqual(try ReplyParser.answer("  plain text  "), "plain text")
        XCTAssertThrowsError(try ReplyParser.answer("..."))
    }

    func testJudgmentGivesItsOwnFiguresOrNone() throws {
        let j = try ReplyParser.judgment(#"{"winner": "Answer B", "confidence": 0.9, "final_answer": "Do it in stages."}"#, labels: labels)
        XCTAssertEqual(j, .init(finalAnswer: "Do it in stages.", confidence: 0.9, choice: "Answer B"))
        let silent = try ReplyParser.judgment(#"{"winner": null, "final_answer": "Do it in stages."}"#, labels: labels)
        XCTAssertNil(silent.confidence, "no figure given: none reported")
        XCTAssertNil(silent.choice, "no answer named: sides with nobody")
        XCTAssertThrowsError(try ReplyParser.judgment("WINNER: Answer B\nFINAL ANSWER: Do it in stages.", labels: labels))
        XCTAssertThrowsError(try ReplyParser.judgment(#"{"winner": "Answer Q", "final_answer": "x y"}"#, labels: labels))
        XCTAssertThrowsError(try ReplyParser.judgment(#"{"winner": "Answer A", "confidence": 2, "final_answer": "x y"}"#, labels: labels))
        XCTAssertThrowsError(try ReplyParser.judgment(#"{"winner": "Answer A", "final_answer": ""}"#, labels: labels))
        XCTAssertThrowsError(try ReplyParser.judgment(#"{"winner": "Answer A", "final_answer": "..."}"#, labels: labels)) {
            XCTAssertEqual("\($0)", #"final_answer must be a non-empty string, got "...""#, "what was wrong, with what came")
        }
    }

    /// The grammar a constrained server decodes with cannot write a final answer the parser refuses: words first.
    func testTheGrammarsFinalAnswerStartsWithWords() throws {
        let pattern = try XCTUnwrap(ReplySchema.judgment(labels: labels).forGrammar(maxTokens: 2048)["properties"]?["final_answer"]?["pattern"]?.stringValue)
        let regex = try NSRegularExpression(pattern: pattern)
        func matches(_ s: String) -> Bool { regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }
        XCTAssertTrue(matches("Do it in stages, then review." + String(repeating: " and more", count: 200)), "no length at a long cap")
        for refused in ["", "...", " Do it", "Do \"it\"", "Do\nit", "Do \\ it"] { XCTAssertFalse(matches(refused), refused) }
        let short = try XCTUnwrap(ReplySchema.judgment(labels: labels).forGrammar(maxTokens: 160)["properties"]?["final_answer"]?["pattern"]?.stringValue)
        XCTAssertTrue(short.hasSuffix("{0,111}$"), "at a short cap the answer fits in it: \(short)")
        for accepted in ["Do it in stages, then review.", "Oui, c'est évident"] {
            XCTAssertTrue(matches(accepted), accepted)
            XCTAssertNoThrow(try ReplyParser.judgment(#"{"final_answer": "\#(accepted)"}"#, labels: labels))
        }
    }

    /// At a short token cap every text of a grammar-constrained reply together fits in it, so its JSON closes.
    func testTheGrammarsTextsFitTheTokenCap() {
        let item = { (cap: Int) in ReplySchema.critique.forGrammar(maxTokens: cap)["properties"]?["issues"]?["items"]?["maxLength"] }
        XCTAssertEqual(item(2048), 120)
        XCTAssertEqual(item(160), 28, "four items of (160 - 48) / 4 characters")
        XCTAssertEqual(item(20), 16, "never below 16")
        let reasoning = { (cap: Int) in ReplySchema.vote(labels: self.labels).forGrammar(maxTokens: cap)["properties"]?["reasoning"]?["maxLength"] }
        XCTAssertEqual(reasoning(2048), 200)
        XCTAssertEqual(reasoning(160), 112)
        XCTAssertEqual(ReplySchema.critique.forGrammar(maxTokens: 160)["properties"]?["severity"]?["enum"]?.arrayValue?.count, 11)
    }

    func testSchemasOfferOnlyTheLabelsShown() {
        let vote = PhaseRequest(phase: .vote, round: 1, candidates: [Position(agent: "Answer A", content: "x"), Position(agent: "Answer B", content: "y")])
        XCTAssertEqual(vote.schema?.schema["properties"]?["choice"]?["enum"], ["Answer A", "Answer B"])
        XCTAssertEqual(vote.schema?.schema["required"], ["choice", "confidence", "reasoning"])
        XCTAssertEqual(vote.schema?.schema["additionalProperties"], false)
        XCTAssertEqual(ReplySchema.critique.schema["properties"]?["severity"], ["type": "integer", "minimum": 0, "maximum": 10])
        XCTAssertNil(PhaseRequest(phase: .propose, round: 1).schema)
    }
}

final class AgentSpecTests: XCTestCase {
    func testForms() throws {
        XCTAssertEqual(try AgentSpec.parse("demo"), AgentSpec(provider: "demo"))
        XCTAssertEqual(try AgentSpec.parse("demo:skeptic"), AgentSpec(provider: "demo", persona: "skeptic"))
        XCTAssertEqual(try AgentSpec.parse("anthropic-api:judge"), AgentSpec(provider: "anthropic-api", role: "judge"))
        XCTAssertEqual(try AgentSpec.parse("ollama|llama3:8b|analyst|critic"),
                       AgentSpec(provider: "ollama", model: "llama3:8b", persona: "analyst", role: "critic"))
        XCTAssertEqual(try AgentSpec.parse(json: [["provider": "demo", "persona": "optimist"], "demo:analyst"]),
                       [AgentSpec(provider: "demo", persona: "optimist"), AgentSpec(provider: "demo", persona: "analyst")])
        XCTAssertEqual(try AgentSpec.parse(json: "demo, demo"), [AgentSpec(provider: "demo"), AgentSpec(provider: "demo")])
    }

    func testErrors() {
        XCTAssertThrowsError(try AgentSpec.parse("nope")) { XCTAssertEqual($0 as? AgentSpecError, .unknownProvider("nope")) }
        XCTAssertThrowsError(try AgentSpec.parse("demo:"))
        XCTAssertThrowsError(try AgentSpec.parse("a|b|c|d|e"))
        XCTAssertThrowsError(try AgentSpec.parse(json: [1, 2]))
    }

    func testNumberedNamesNeverCollide() throws {
        let specs = try AgentSpec.parseList("demo,demo,demo,demo,demo,demo:6,demo:6")
        let names = specs.uniqueNames()
        XCTAssertEqual(Set(names).count, names.count, "\(names)")
        XCTAssertEqual(names, ["demo", "demo-2", "demo-3", "demo-4", "demo-5", "demo-6", "demo-6-2"])
        XCTAssertThrowsError(try AgentSpec.parse("demo|m|p|wizard"), "roles are the engine's")
        XCTAssertEqual(try AgentSpec.parse("demo|m||critic").role, "critic")
    }

    func testUniqueNames() throws {
        let specs = try AgentSpec.parseList("demo:skeptic,demo:skeptic,demo,openai-api|gpt-4o")
        XCTAssertEqual(specs.uniqueNames(), ["demo-skeptic", "demo-skeptic-2", "demo", "openai-api-gpt-4o"])
    }

    func testFactoryNamesMissingProviders() {
        let factory = AgentFactory()
        XCTAssertThrowsError(try factory.make([AgentSpec(provider: "demo"), AgentSpec(provider: "gemini")])) {
            XCTAssertEqual(String(describing: $0), "no credentials configured for gemini; available providers: demo")
        }
    }
}
