import AragoraCore
import Testing

@Suite struct DebateLimitsTests {
    @Test(arguments: [
        ("Should we?", "Should we?"),
        ("  \t Should we?\n", "Should we?"),
        ("\u{3000}\u{FEFF}Ça va ?\u{2029}\u{1C}", "Ça va ?"),
        ("a", "a"),
        ("\u{A0} \u{205F}", ""),
        ("", ""),
        ("inner  \u{3000}blanks stay", "inner  \u{3000}blanks stay"),
        // A combining mark after a blank: trimming is by scalar, so the mark stays.
        (" \u{301}e ", "\u{301}e"),
    ])
    func trimsBlankScalarsAtBothEnds(_ text: String, _ expected: String) {
        #expect(Array(DebateLimits.trimmed(text).unicodeScalars) == Array(expected.unicodeScalars))
    }
}
