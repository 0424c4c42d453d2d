extension StringProtocol {
    /// The text without leading and trailing whitespace (and newlines), and without any of `extra` at either end.
    func trimmed(also extra: Set<Character> = []) -> String {
        func keep(_ c: Character) -> Bool { !c.isWhitespace && !extra.contains(c) }
        guard let first = firstIndex(where: keep), let last = lastIndex(where: keep) else { return "" }
        return String(self[first...last])
    }
}
