import Foundation

/// Reads an agent's answer to an `EvalItem` in the item's normal form, or nil when the reply holds none. The raw reply
/// is kept beside it in the results, so a wrong extraction is visible, never silent.
public enum AnswerExtractor {
    public static func extract(_ reply: String, kind: EvalItem.Kind, choices: Int = 4) -> String? {
        switch kind {
        case .number: return number(reply)
        case .letter: return letter(reply, choices: choices)
        case .text: return text(reply)
        }
    }

    /// The number after the last "answer" (`answer is 42`, `Answer: -3`, `#### 1,234`), else the last number in the
    /// reply; thousands separators dropped, `7.0` read as `7`.
    public static func number(_ reply: String) -> String? {
        for marker in ["####", "answer"] {
            if let r = reply.range(of: marker, options: [.backwards, .caseInsensitive]), let first = numbers(in: reply[r.upperBound...]).first {
                return normalise(first)
            }
        }
        return numbers(in: Substring(reply)).last.flatMap(normalise)
    }

    static func numbers(in text: Substring) -> [String] {
        var found: [String] = []
        var current = ""
        var previous: Character = " "
        for c in text {
            if c.isASCII && c.isNumber {
                if current.isEmpty && previous == "-" { current = "-" }
                current.append(c)
            } else if (c == "," || c == ".") && !current.isEmpty && current.last!.isNumber {
                current.append(c)
            } else if !current.isEmpty {
                found.append(current)
                current = ""
            }
            previous = c
        }
        if !current.isEmpty { found.append(current) }
        return found.map { $0.hasSuffix(",") || $0.hasSuffix(".") ? String($0.dropLast()) : $0 }
    }

    /// `1,234` -> `1234`, `7.50` -> `7.5`, `-0` -> `0`.
    public static func normalise(_ raw: String) -> String? {
        guard let value = Double(raw.replacingOccurrences(of: ",", with: "")), value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// The option letter after the last "answer" (`Answer: B`, `the answer is (C)`), else a reply that is only a
    /// letter (`B`, `(B)`, `B)`), else the first letter standing alone (`B) ...`, `(B)`).
    public static func letter(_ reply: String, choices: Int = 4) -> String? {
        let valid = Set((0..<max(1, min(choices, 26))).map { EvalItem.letter($0) })
        func standalone(_ text: Substring) -> String? {
            let chars = Array(text)
            for (i, c) in chars.enumerated() where valid.contains(String(c)) {
                let before = i == 0 ? " " : chars[i - 1]
                let after = i + 1 < chars.count ? chars[i + 1] : " "
                if !before.isLetter, !before.isNumber, !after.isLetter, !after.isNumber { return String(c) }
            }
            return nil
        }
        if let r = reply.range(of: "answer", options: [.backwards, .caseInsensitive]), let found = standalone(reply[r.upperBound...]) {
            return found
        }
        return standalone(Substring(reply))
    }

    /// Trimmed, case folded, without a final full stop.
    public static func text(_ reply: String) -> String? {
        var t = reply.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if t.hasSuffix(".") { t.removeLast() }
        return t.isEmpty ? nil : t
    }
}
