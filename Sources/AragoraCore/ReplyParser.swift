import Foundation

/// A reply that could not be understood; recorded as the agent's failure for that step.
public struct MalformedReply: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Reads agents' replies whatever their form: JSON (bare or in a code fence), labelled lines
/// (`VOTE: x`, `CONFIDENCE: 0.8`) or plain prose.
public enum ReplyParser {
    public struct ParsedCritique: Equatable {
        public var issues: [String]
        public var suggestions: [String]
        public var severity: Double
        public init(issues: [String], suggestions: [String], severity: Double) {
            self.issues = issues; self.suggestions = suggestions; self.severity = severity
        }
    }

    public struct ParsedVote: Equatable {
        public var choice: String
        public var confidence: Double
        public var reasoning: String
        public init(choice: String, confidence: Double, reasoning: String) {
            self.choice = choice; self.confidence = confidence; self.reasoning = reasoning
        }
    }

    public struct ParsedJudgment: Equatable {
        public var finalAnswer: String
        public var confidence: Double
        public var choice: String?
        public init(finalAnswer: String, confidence: Double, choice: String?) {
            self.finalAnswer = finalAnswer; self.confidence = confidence; self.choice = choice
        }
    }

    /// An answer (proposal, revision, synthesis) must contain words.
    public static func answer(_ text: String) throws -> String {
        let trimmed = text.trimmed()
        guard hasWords(trimmed) else { throw MalformedReply("empty or unreadable answer") }
        if let json = jsonObject(in: trimmed), let inner = (json["answer"] ?? json["content"])?.stringValue,
           hasWords(inner) {
            return inner
        }
        return trimmed
    }

    public static func critique(_ text: String) throws -> ParsedCritique {
        guard hasWords(text) else { throw MalformedReply("empty or unreadable critique") }
        if let json = jsonObject(in: text) {
            let issues = stringList(json["issues"] ?? json["issue"] ?? json["problems"])
            let suggestions = stringList(json["suggestions"] ?? json["suggestion"] ?? json["improvements"])
            if !issues.isEmpty || !suggestions.isEmpty {
                let severity = json["severity"].flatMap(number) ?? 5
                return ParsedCritique(issues: issues, suggestions: suggestions, severity: clampSeverity(severity))
            }
        }
        let sections = labelled(text)
        let issues = bulletList(sections["issues"] ?? sections["issue"] ?? sections["problems"] ?? "")
        let suggestions = bulletList(sections["suggestions"] ?? sections["suggestion"] ?? sections["improvements"] ?? "")
        let severity = (sections["severity"]).flatMap(leadingNumber) ?? severityInProse(text) ?? 5
        if !issues.isEmpty || !suggestions.isEmpty {
            return ParsedCritique(issues: issues, suggestions: suggestions, severity: clampSeverity(severity))
        }
        // Prose: every sentence is an issue.
        let sentences = self.sentences(text)
        return ParsedCritique(issues: sentences.isEmpty ? [text] : sentences, suggestions: [],
                              severity: clampSeverity(severity))
    }

    /// Parses a vote and matches its choice to one of `candidates` (agent names).
    public static func vote(_ text: String, candidates: [String]) throws -> ParsedVote {
        guard hasWords(text) else { throw MalformedReply("empty or unreadable vote") }
        var rawChoice: String?
        var confidence: Double?
        var reasoning: String?
        if let json = jsonObject(in: text) {
            rawChoice = (json["choice"] ?? json["vote"] ?? json["agent"] ?? json["winner"])?.stringValue
            confidence = json["confidence"].flatMap(number)
            reasoning = (json["reasoning"] ?? json["reason"])?.stringValue
        }
        if rawChoice == nil {
            let sections = labelled(text)
            rawChoice = sections["vote"] ?? sections["choice"] ?? sections["winner"]
            confidence = confidence ?? sections["confidence"].flatMap(leadingNumber)
            reasoning = reasoning ?? sections["reasoning"] ?? sections["reason"]
        }
        let choice = match(rawChoice ?? text, candidates: candidates)
        guard let choice else {
            throw MalformedReply("vote names none of: \(candidates.joined(separator: ", "))")
        }
        return ParsedVote(choice: choice, confidence: normalizeConfidence(confidence ?? 0.5),
                          reasoning: (reasoning ?? text).trimmed())
    }

    public static func judgment(_ text: String, candidates: [String]) throws -> ParsedJudgment {
        guard hasWords(text) else { throw MalformedReply("empty or unreadable judgment") }
        if let json = jsonObject(in: text),
           let answer = (json["final_answer"] ?? json["answer"])?.stringValue, hasWords(answer) {
            let choice = (json["winner"] ?? json["choice"])?.stringValue.flatMap { match($0, candidates: candidates) }
            return ParsedJudgment(finalAnswer: answer, confidence: normalizeConfidence(json["confidence"].flatMap(number) ?? 0.5),
                                  choice: choice)
        }
        let sections = labelled(text)
        let answer = sections["final answer"] ?? sections["answer"] ?? text
        let choice = (sections["winner"] ?? sections["choice"]).flatMap { match($0, candidates: candidates) }
        let confidence = sections["confidence"].flatMap(leadingNumber) ?? 0.5
        guard hasWords(answer) else { throw MalformedReply("judgment has no final answer") }
        return ParsedJudgment(finalAnswer: answer.trimmed(),
                              confidence: normalizeConfidence(confidence), choice: choice)
    }

    // MARK: - Name matching

    /// Finds the candidate a free-text choice refers to: exact name, name contained in the text,
    /// then the candidate's distinctive words (`skeptic` for `demo-skeptic`), then a near spelling.
    static let namePunctuation: Set<Character> = [".", ",", ";", ":", "!", "?", "\"", "'", "*", "`", "(", ")", "[", "]"]

    public static func match(_ raw: String, candidates: [String]) -> String? {
        let text = raw.lowercased().trimmed(also: namePunctuation)
        guard !text.isEmpty, !candidates.isEmpty else { return nil }
        if let exact = candidates.first(where: { $0.lowercased() == text }) { return exact }
        let contained = candidates.filter { text.containsBytes(of: $0.lowercased()) }
        if !contained.isEmpty {
            // The name mentioned first wins; at the same place the longer one (`demo-skeptic-2` over `demo-skeptic`).
            return contained.min { a, b in
                let pa = text.firstByteRange(of: a.lowercased())!.lowerBound
                let pb = text.firstByteRange(of: b.lowercased())!.lowerBound
                return pa != pb ? pa < pb : a.count > b.count
            }
        }
        // Distinctive words: parts of a name not shared by every candidate.
        let parts = candidates.map { Set($0.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)) }
        let shared = parts.dropFirst().reduce(parts.first ?? []) { $0.intersection($1) }
        let words = TextSimilarity.tokens(text).map(String.init)
        var scored: [(name: String, position: Int)] = []
        for (i, name) in candidates.enumerated() {
            let distinctive = parts[i].subtracting(shared)
            if let pos = words.firstIndex(where: { distinctive.contains($0) }) { scored.append((name, pos)) }
        }
        if let first = scored.min(by: { $0.position < $1.position }) { return first.name }
        // Near spelling of a distinctive word (typos such as "skeptik").
        for (i, name) in candidates.enumerated() {
            for d in parts[i].subtracting(shared) where d.count >= 5 {
                if words.contains(where: { editDistance($0, d) <= 2 }) { return name }
            }
        }
        return nil
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    // MARK: - Helpers

    static func hasWords<S: StringProtocol>(_ text: S) -> Bool {
        var letters = 0
        var nonASCII = false
        for b in text.utf8 {
            if (b >= 65 && b <= 90) || (b >= 97 && b <= 122) {
                letters += 1
                if letters >= 2 { return true }
            } else if b >= 128 {
                nonASCII = true
            }
        }
        guard nonASCII else { return false }
        letters = 0
        for ch in text where ch.isLetter {
            letters += 1
            if letters >= 2 { return true }
        }
        return false
    }

    /// The first JSON object in the text (bare, or inside a ``` fence or surrounding prose).
    static func jsonObject(in text: String) -> [String: JSONValue]? {
        var text = text
        // Over the contiguous bytes: most replies hold no JSON, and UTF8View's index walk cost more than the parse.
        let bytes: [UInt8]? = text.withUTF8 { u in
            guard let open = u.firstIndex(of: UInt8(ascii: "{")), let close = u.lastIndex(of: UInt8(ascii: "}")),
                  open < close else { return nil }
            return Array(u[open...close])
        }
        return bytes.flatMap { JSONValue.parse(bytes: $0)?.objectValue }
    }

    static func stringList(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let s): return bulletList(s)
        case .array(let items):
            return items.compactMap { item in
                let s = item.stringValue ?? item.serialized()
                let t = s.trimmed()
                return t.isEmpty ? nil : t
            }
        default: return []
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        if let d = value.doubleValue { return d }
        return value.stringValue.flatMap(leadingNumber)
    }

    /// The first number in the text: "7", "7/10", "0.8", "80%".
    static func leadingNumber(_ text: String) -> Double? {
        var digits = ""
        var seenDigit = false
        for ch in text {
            if ch.isNumber || (ch == "." && seenDigit && !digits.contains(".")) {
                digits.append(ch)
                seenDigit = true
            } else if seenDigit {
                if ch == "%" { return Double(digits).map { $0 / 100 } }
                break
            }
        }
        return Double(digits)
    }

    static func severityInProse(_ text: String) -> Double? {
        let lower = text.lowercased()
        guard let r = lower.firstByteRange(of: "severity") else { return nil }
        return leadingNumber(String(lower[r.upperBound...].prefix(20)))
    }

    static func clampSeverity(_ s: Double) -> Double {
        guard s.isFinite else { return 5 }
        return min(10, max(0, s))
    }

    /// Confidences may come as 0.8, 80 or "80%".
    static func normalizeConfidence(_ c: Double) -> Double {
        guard c.isFinite else { return 0.5 }
        let v = c > 1 ? c / 100 : c
        return min(1, max(0, v))
    }

    static let labels: Set<String> = [
        "issues", "issue", "problems", "suggestions", "suggestion", "improvements", "severity", "vote", "choice",
        "winner", "confidence", "reasoning", "reason", "final answer", "answer",
    ]

    /// Splits `LABEL: value` sections; a section runs until the next known label.
    /// Works on UTF-8 bytes: only lines with a short prefix before a colon are label candidates.
    static func labelled(_ text: String) -> [String: String] {
        var sections: [String: String] = [:]
        var current: String?
        // Split on the newline byte: splitting Characters costs several times more, on every reply parsed.
        for bytes in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = Substring(bytes)
            if let (label, value) = labelAndValue(line) {
                current = label
                sections[label] = value
                continue
            }
            if let c = current {
                let existing = sections[c] ?? ""
                sections[c] = existing.isEmpty ? String(line) : existing + "\n" + line
            }
        }
        return sections.mapValues { $0.trimmed() }
    }

    /// `**Vote:** x` -> ("vote", "x") when the label is known.
    static func labelAndValue(_ line: Substring) -> (String, String)? {
        let bytes = line.utf8
        guard let colon = bytes.firstIndex(of: 58) else { return nil }
        var label: [UInt8] = []
        for b in bytes[..<colon] {
            switch b {
            case 65...90: label.append(b + 32)
            case 97...122: label.append(b)
            case 32 where !label.isEmpty: label.append(b)
            case 32, 42, 35, 45, 62, 96, 9: continue  // leading space, * # - > ` and tabs are decoration
            default: return nil
            }
            if label.count > 14 { return nil }
        }
        while label.last == 32 { label.removeLast() }
        let name = String(decoding: label, as: UTF8.self)
        guard labels.contains(name) else { return nil }
        let rest = line[line.utf8.index(after: colon)...]
        return (name, rest.trimmed(also: ["*"]))
    }

    /// Bulleted or semicolon-separated items.
    static func bulletList(_ text: String) -> [String] {
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == ";" })
        return lines.compactMap { line in
            let t = line.trimmed(also: bulletMarks)
            return hasWords(t) ? t : nil
        }
    }

    static let bulletMarks: Set<Character> = ["-", "*", "•", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", ")"]

    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text {
            current.append(ch)
            if ch == "." || ch == "!" || ch == "?" || ch == "\n" {
                let t = current.trimmed()
                if hasWords(t) { out.append(t) }
                current = ""
            }
        }
        let t = current.trimmed()
        if hasWords(t) { out.append(t) }
        return out
    }
}
