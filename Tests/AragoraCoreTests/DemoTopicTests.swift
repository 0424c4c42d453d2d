@testable import AragoraCore
import Testing

/// `DemoTopic.opens` compares in place what `hasPrefix(fill(template))` compares after rendering; the demo agents'
/// recognition of whose voice an answer is in (under blind review) rests on the two agreeing everywhere.
@Suite struct DemoTopicTests {
    static let questions = [
        "Should we adopt a monorepo?", "Rust or Go for the new service?", "x", "élan vital: ¿debemos migrar?",
        "ß straße größe? 日本語の質問", "is it worth e\u{301}crire tests", "should we 9 lives cats", "",
    ]
    static let templates = DemoPersona.all.flatMap(\.stances) + [
        "{topic}", "{topic}.", "{a} and {b}", "plain text", "{unknown} stays", "{topic} {", "Ünïcode {a}", "", "ends with\r",
    ]

    @Test func agreesWithRenderingThenComparing() {
        for question in Self.questions {
            let topic = DemoTopic(question: question)
            for template in Self.templates {
                let filled = topic.fill(template)
                // The filled text itself, with more after it, cut short, changed in its last byte, with a combining
                // mark or a line feed right after it (one character with a closing "\r"), and unrelated text.
                var texts = [filled, filled + " More.", String(filled.dropLast()), filled + "\u{301} tail", filled + "\n",
                             "Other text", ""]
                if let last = filled.last { texts.append(String(filled.dropLast()) + (last == "." ? "!" : ".")) }
                texts.append(filled.lowercased())
                for text in texts {
                    #expect(topic.opens(text, with: template) == text.hasPrefix(filled),
                            "question \(question), template \(template), text \(text)")
                }
            }
        }
    }

    @Test func recognisesEachPersonaFromItsOwnStance() {
        let topic = DemoTopic(question: "Should we adopt a monorepo?")
        for persona in DemoPersona.all {
            for stance in persona.stances {
                let answer = topic.fill(stance) + " Because.\n\nRecommendation: go."
                #expect(topic.opens(answer, with: stance))
                let others = DemoPersona.all.filter { $0.name != persona.name }.flatMap(\.stances)
                #expect(!others.contains { topic.opens(answer, with: $0) }, "\(persona.name): \(stance)")
            }
        }
    }
}
