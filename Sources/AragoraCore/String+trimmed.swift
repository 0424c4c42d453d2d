extension StringProtocol {
    /// The text without leading and trailing whitespace (and newlines), and without any of `extra` at either end.
    func trimmed(also extra: Set<Character> = []) -> String {
        func drop(_ c: Character) -> Bool {
            // ASCII first: `isWhitespace` looks up Unicode properties, which costs on every reply parsed.
            if let a = c.asciiValue, a == 32 || (9...13).contains(a) { return true }
            if !extra.isEmpty && extra.contains(c) { return true }
            return c.asciiValue == nil && c.isWhitespace
        }
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }
}
