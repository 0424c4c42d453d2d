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

extension String {
    /// The same text in storage of exactly its size. Text built by appending (interpolation, streamed deltas) can
    /// carry up to twice its length in capacity, and the transcript keeps every answer for the debate's life.
    var compacted: String {
        var copy = self
        return copy.withUTF8 { String(decoding: $0, as: UTF8.self) }
    }
}
