import AragoraCore
import Testing

@Suite struct ByteSearchTests {
    @Test func findsTheFirstExactOccurrence() {
        let text = "abc\n\nRecommendation: go\n\nRecommendation: again"
        let r = text.firstByteRange(of: "\n\nRecommendation: ")
        #expect(r.map { String(text[$0.upperBound...]) } == "go\n\nRecommendation: again")
        #expect(text.firstByteRange(of: "missing") == nil)
        #expect(text.firstByteRange(of: "") == nil)
        #expect("aaab".firstByteRange(of: "aab").map { String("aaab"[$0]) } == "aab", "restarts after a partial match")
        #expect("ab".firstByteRange(of: "abc") == nil, "no match past the end")
        #expect("xab".firstByteRange(of: "ab").map { String("xab"[$0]) } == "ab", "a match that ends the text")
    }

    @Test func worksOnSubstringsAndUnicode() {
        let text = "Ünïcode — demo-skeptic says: 日本語 ok"
        let r = text.firstByteRange(of: "日本語")
        #expect(r.map { String(text[$0]) } == "日本語")
        let sub = text.dropFirst(3)
        #expect(sub.containsBytes(of: "demo-skeptic"))
        #expect(sub.firstByteRange(of: "Ün") == nil, "only within the substring")
        #expect(!text.containsBytes(of: "Demo-Skeptic"), "case-sensitive, like the byte values")
    }
}
