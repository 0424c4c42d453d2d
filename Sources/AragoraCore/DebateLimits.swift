/// The limits every way of starting a debate enforces (CONTRACT §4), defined once.
public enum DebateLimits {
    public static let agents = 2...10
    public static let questionCharacters = 10_000
    public static let contextCharacters = 100_000
    /// Rounds a deployment may allow at most (`ARAGORA_MAX_ROUNDS` is capped by it); the default cap is 12.
    public static let roundsCeiling = 100
    public static let defaultMaxRounds = 12
    public static let defaultRounds = 3

    /// What counts as blank around a question: the white space of ECMAScript's and Python's regular expressions
    /// together, so the OpenAPI document's `questionPattern` and the server agree on every engine.
    public static let blank: Set<Unicode.Scalar> = Set(
        [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF]
            .map { Unicode.Scalar(UInt32($0))! } + (0x1C...0x1F).map { Unicode.Scalar(UInt32($0))! }
            + (0x2000...0x200A).map { Unicode.Scalar(UInt32($0))! })
    /// `text` without the blank scalars around it. A slice of the original: rebuilding the question scalar by
    /// scalar was about 3% of a debate's creation (docs/benchmarks.md).
    public static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank.contains($0) }),
              let last = scalars.lastIndex(where: { !blank.contains($0) }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }

    /// A regular expression that finds a character that is not blank: a question must contain one.
    public static let questionPattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff\\u001c-\\u001f]"
    /// Lengths count Unicode scalars (code points) before trimming, as JSON Schema's `maxLength` does.
    public static func length(_ text: String) -> Int { text.unicodeScalars.count }
}
