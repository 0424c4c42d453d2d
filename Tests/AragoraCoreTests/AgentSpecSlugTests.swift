@testable import AragoraCore
import Testing

@Suite struct AgentSpecSlugTests {
    /// ASCII names take a byte-by-byte path; it must name agents exactly as the general one does.
    @Test(arguments: ["gpt-4o", "Claude 3.5 Sonnet", "--a__b--", "llama3.2:3b-instruct-q4_K_M", "-", "", "A/B\\C\tD",
                      "qwen2.5-coder:7b", "...", "x--y"])
    func asciiSlugsMatchTheGeneralOnes(_ name: String) {
        let general = String(name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "-" })
            .split(separator: "-").joined(separator: "-")
        #expect(AgentSpec.asciiSlug(name) == general)
        #expect(AgentSpec.slug(name) == general)
    }

    @Test func otherTextTakesTheGeneralPath() {
        #expect(AgentSpec.asciiSlug("Ünïcode") == nil)
        #expect(AgentSpec.slug("Ünïcode Modèle") == "ünïcode-modèle")
    }
}
