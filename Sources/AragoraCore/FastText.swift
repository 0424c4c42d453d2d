/// Small string helpers on UTF-8, used in hot paths instead of Foundation's bridged NSString methods
/// (which are slow on Linux).
enum FastText {
    /// The part before and after the first `separator`, or nil when absent.
    static func splitOnce(_ s: String, _ separator: String) -> (String, String)? {
        guard let r = range(of: separator, in: s) else { return nil }
        return (String(s[..<r.lowerBound]), String(s[r.upperBound...]))
    }

    static func range(of needle: String, in s: String) -> Range<String.Index>? {
        let n = Array(needle.utf8)
        guard let first = n.first else { return nil }
        let u = s.utf8
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == first {
                var j = i, k = 0
                while k < n.count, j != u.endIndex, u[j] == n[k] {
                    j = u.index(after: j)
                    k += 1
                }
                if k == n.count { return i..<j }
            }
            i = u.index(after: i)
        }
        return nil
    }

    static func contains(_ s: String, _ needle: String) -> Bool { range(of: needle, in: s) != nil }

    static func replacing(_ s: String, _ target: String, with replacement: String) -> String {
        guard var r = range(of: target, in: s) else { return s }
        var out = ""
        var rest = Substring(s)
        while true {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
            guard let next = range(of: target, in: String(rest)) else { break }
            let base = String(rest)
            rest = Substring(base)
            r = next
        }
        out += rest
        return out
    }

    /// Lines split at `\n` bytes (faster than splitting on Characters).
    static func lines(_ s: String) -> [Substring] {
        var out: [Substring] = []
        var start = s.utf8.startIndex
        var i = start
        let u = s.utf8
        while i != u.endIndex {
            if u[i] == 10 {
                out.append(s[start..<i])
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        out.append(s[start..<u.endIndex])
        return out
    }

    static func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }

    /// Trims whitespace and newlines.
    static func trim<S: StringProtocol>(_ s: S) -> String {
        var start = s.startIndex, end = s.endIndex
        while start < end, isSpace(s[start]) { start = s.index(after: start) }
        while end > start, isSpace(s[s.index(before: end)]) { end = s.index(before: end) }
        return String(s[start..<end])
    }

    /// Trims characters in `set` (and whitespace) from both ends.
    static func trim<S: StringProtocol>(_ s: S, _ set: Set<Character>) -> String {
        var start = s.startIndex, end = s.endIndex
        while start < end, isSpace(s[start]) || set.contains(s[start]) { start = s.index(after: start) }
        while end > start, isSpace(s[s.index(before: end)]) || set.contains(s[s.index(before: end)]) { end = s.index(before: end) }
        return String(s[start..<end])
    }
}
