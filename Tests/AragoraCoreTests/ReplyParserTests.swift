import AragoraCore
import XCTest

final class ReplyParserTests: XCTestCase {
    let names = ["demo-skeptic", "demo-pragmatist", "demo-visionary"]

    func testVoteAsJSONInACodeFence() throws {
        let v = try ReplyParser.vote("Here you go:\n```json\n{\"choice\": \"demo-pragmatist\", \"confidence\": 0.7, \"reasoning\": \"grounded\"}\n```",
                                     candidates: names)
        XCTAssertEqual(v, .init(choice: "demo-pragmatist", confidence: 0.7, reasoning: "grounded"))
    }

    func testVoteAsLabelledLinesWithMarkdownAndPercent() throws {
        let v = try ReplyParser.vote("**Vote:** demo-visionary\n**Confidence:** 85%\n**Reasoning:** bold and clear", candidates: names)
        XCTAssertEqual(v.choice, "demo-visionary")
        XCTAssertEqual(v.confidence, 0.85, accuracy: 1e-9)
        XCTAssertEqual(v.reasoning, "bold and clear")
    }

    func testVoteInProseMatchesDistinctiveWord() throws {
        let v = try ReplyParser.vote("I side with the Skeptic here; their caution is warranted.", candidates: names)
        XCTAssertEqual(v.choice, "demo-skeptic")
        XCTAssertEqual(v.confidence, 0.5)  // no confidence given
    }

    func testVoteWithTypoMatchesFuzzily() throws {
        XCTAssertEqual(try ReplyParser.vote("VOTE: pragmatis", candidates: names).choice, "demo-pragmatist")
        XCTAssertEqual(try ReplyParser.vote("VOTE: visonary", candidates: names).choice, "demo-visionary")
    }

    func testVoteNamingNobodyIsMalformed() {
        XCTAssertThrowsError(try ReplyParser.vote("VOTE: the blue one", candidates: names))
        XCTAssertThrowsError(try ReplyParser.vote("", candidates: names))
        XCTAssertThrowsError(try ReplyParser.vote("{{{###", candidates: names))
    }

    func testVotePrefersLongerNameAtSamePlace() throws {
        let v = try ReplyParser.vote("VOTE: demo-skeptic-2", candidates: ["demo-skeptic", "demo-skeptic-2"])
        XCTAssertEqual(v.choice, "demo-skeptic-2")
    }

    func testConfidenceIsClamped() throws {
        XCTAssertEqual(try ReplyParser.vote("{\"choice\":\"demo-skeptic\",\"confidence\":7}", candidates: names).confidence, 0.07, accuracy: 1e-9)
        XCTAssertEqual(try ReplyParser.vote("{\"choice\":\"demo-skeptic\",\"confidence\":-3}", candidates: names).confidence, 0)
        XCTAssertEqual(try ReplyParser.vote("{\"choice\":\"demo-skeptic\",\"confidence\":\"high\"}", candidates: names).confidence, 0.5)
    }

    func testCritiqueAsJSON() throws {
        let c = try ReplyParser.critique("{\"issues\": [\"no data\", \"too vague\"], \"suggestions\": \"add data; be specific\", \"severity\": 12}")
        XCTAssertEqual(c.issues, ["no data", "too vague"])
        XCTAssertEqual(c.suggestions, ["add data", "be specific"])
        XCTAssertEqual(c.severity, 10)
    }

    func testCritiqueAsLabelledLines() throws {
        let c = try ReplyParser.critique("ISSUES:\n- ignores cost\n- no owner\nSUGGESTIONS:\n1. price it\nSEVERITY: 7/10")
        XCTAssertEqual(c.issues, ["ignores cost", "no owner"])
        XCTAssertEqual(c.suggestions, ["price it"])
        XCTAssertEqual(c.severity, 7)
    }

    func testCritiqueInProse() throws {
        let c = try ReplyParser.critique("The plan ignores cost. It has no owner! Severity about 3.")
        XCTAssertEqual(c.issues.count, 3)
        XCTAssertEqual(c.severity, 3)
        let noSeverity = try ReplyParser.critique("Too vague overall")
        XCTAssertEqual(noSeverity.severity, 5)
    }

    func testGarbageCritiqueIsMalformed() {
        XCTAssertThrowsError(try ReplyParser.critique("   "))
        XCTAssertThrowsError(try ReplyParser.critique("\u{0}\u{1}#!%"))
    }

    func testAnswerExtractsJSONAnswerField() throws {
        XCTAssertEqual(try ReplyParser.answer("{\"answer\": \"Use a monorepo.\"}"), "Use a monorepo.")
        XCTAssertEqual(try ReplyParser.answer("  plain text  "), "plain text")
        XCTAssertThrowsError(try ReplyParser.answer("..."))
    }

    func testJudgment() throws {
        let j = try ReplyParser.judgment("WINNER: pragmatist\nCONFIDENCE: 0.9\nFINAL ANSWER: Do it in stages.", candidates: names)
        XCTAssertEqual(j, .init(finalAnswer: "Do it in stages.", confidence: 0.9, choice: "demo-pragmatist"))
        let prose = try ReplyParser.judgment("Just do it in stages.", candidates: names)
        XCTAssertEqual(prose.finalAnswer, "Just do it in stages.")
        XCTAssertNil(prose.choice)
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
