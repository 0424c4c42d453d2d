import Foundation

/// A reply that could not be understood; recorded as the agent's failure for that step.
public struct MalformedReply: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Reads agents' replies. Answers are prose. Critiques, votes and judgments are JSON meeting their
/// `ReplySchema` (bare, or inside a code fence or a sentence around it), every field checked: a reply that does
/// not meet it is a `MalformedReply` saying what is wrong, never a guess from its prose or a default in place of
/// a missing figure.
public enum ReplyParser {
    public struct ParsedCritique: Equatable, Sendable {
        public var issues: [String]
        public var suggestions: [String]
        public var severity: Double
        public init(issues: [String], suggestions: [String], severity: Double) {
            self.issues = issues; self.suggestions = suggestions; self.severity = severity
        }
    }

    public struct ParsedVote: Equatable, Sendable {
        /// One of the labels offered.
        public var choice: String
        public var confidence: Double
        public var reasoning: String
        public init(choice: String, confidence: Double, reasoning: String) {
            self.choice = choice; self.confidence = confidence; self.reasoning = reasoning
        }
    }

    public struct ParsedJudgment: Equatable, Sendable {
        public var finalAnswer: String
        /// The judge's own figure; nil when it gave none.
        public var confidence: Double?
        /// The label the judge sided with; nil when it named none.
        public var choice: String?
        public init(finalAnswer: String, confidence: Double?, choice: String?) {
            self.finalAnswer = finalAnswer; self.confidence = confidence; self.choice = choice
        }
    }

    /// An answer (proposal, revision, synthesis) must contain words.
    public static func answer(_ text: String) throws -> String {
        let trimmed = text.trimmed()
        guard hasWords(trimmed) else { throw MalformedReply("empty or unreadable answer") }
        if let json = jsonObject(in: trimmed), let inner = (json["answer"] ?? json["content"])?.stringValue,
           hasWords(inner) {
            return inner.compacted
        }
        return trimmed.compacted
    }

    /// `{"issues": [string], "suggestions": [string], "severity": integer 0-10}`.
    public static func critique(_ text: String) throws -> ParsedCritique {
        let json = try object(text, "critique")
        let issues = try strings(json, "issues")
        let suggestions = try strings(json, "suggestions")
        guard let severity = json["severity"]?.doubleValue, severity.isFinite, severity == severity.rounded(), (0...10).contains(severity) else {
            throw MalformedReply("severity must be an integer from 0 to 10, got \(shown(json["severity"]))")
        }
        return ParsedCritique(issues: issues, suggestions: suggestions, severity: severity)
    }

    /// `{"choice": one of labels, "confidence": 0-1, "reasoning": string}`.
    public static func vote(_ text: String, labels: [String]) throws -> ParsedVote {
        let json = try object(text, "vote")
        let choice = try label(json["choice"], "choice", labels)
        guard let choice else { throw MalformedReply("choice is missing; it must be one of: \(labels.joined(separator: ", "))") }
        guard let confidence = try figure(json["confidence"]) else { throw MalformedReply("confidence is missing; it must be a number from 0 to 1") }
        guard let reasoning = json["reasoning"]?.stringValue else { throw MalformedReply("reasoning must be a string") }
        return ParsedVote(choice: choice, confidence: confidence, reasoning: reasoning.trimmed())
    }

    /// `{"winner": one of labels, "confidence": 0-1, "final_answer": string}`; a judge may leave out (or null)
    /// the winner and the confidence, and then has not given them.
    public static func judgment(_ text: String, labels: [String]) throws -> ParsedJudgment {
        let json = try object(text, "judgment")
        guard let answer = json["final_answer"]?.stringValue, hasWords(answer) else {
            throw MalformedReply("final_answer must be a non-empty string, got \(shown(json["final_answer"]))")
        }
        return ParsedJudgment(finalAnswer: answer.trimmed(), confidence: try figure(json["confidence"]),
                              choice: try label(json["winner"], "winner", labels))
    }

    /// The reply's JSON object, or why there is none.
    static func object(_ text: String, _ what: String) throws -> [String: JSONValue] {
        guard hasWords(text) || text.contains("{") else { throw MalformedReply("empty \(what)") }
        guard let json = jsonObject(in: text) else { throw MalformedReply("the \(what) is not a JSON object: \(excerpt(text))") }
        return json
    }

    static func strings(_ json: [String: JSONValue], _ field: String) throws -> [String] {
        guard let items = json[field]?.arrayValue else { throw MalformedReply("\(field) must be a list of strings, got \(shown(json[field]))") }
        return try items.compactMap { item in
            guard let s = item.stringValue else { throw MalformedReply("\(field) must be a list of strings, got \(shown(item))") }
            let t = s.trimmed()
            return t.isEmpty ? nil : t
        }
    }

    /// A label from `labels` (its case ignored), nil when absent or null.
    static func label(_ value: JSONValue?, _ field: String, _ labels: [String]) throws -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, let found = labels.first(where: { $0.lowercased() == text.trimmed().lowercased() }) else {
            throw MalformedReply("\(field) must be one of: \(labels.joined(separator: ", ")); got \(shown(value))")
        }
        return found
    }

    /// A confidence from 0 to 1, nil when absent or null.
    static func figure(_ value: JSONValue?) throws -> Double? {
        guard let value, value != .null else { return nil }
        guard let d = value.doubleValue, d.isFinite, (0...1).contains(d) else {
            throw MalformedReply("confidence must be a number from 0 to 1, got \(shown(value))")
        }
        return d
    }

    static func shown(_ value: JSONValue?) -> String { value.map { excerpt($0.serialized()) } ?? "nothing" }

    static func excerpt(_ text: String) -> String {
        let t = text.trimmed()
        return t.count > 80 ? String(t.prefix(80)) + "..." : t
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
        guard let bytes else { return nil }
        return (JSONValue.parse(bytes: bytes) ?? JSONValue.parse(bytes: escapingControlCharacters(bytes)))?.objectValue
    }

    /// The same bytes with raw control characters inside strings escaped: grammar-constrained servers (llama.cpp)
    /// let a model write a line break inside a JSON string, which JSON forbids but means only that.
    static func escapingControlCharacters(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var inString = false, escaped = false
        for b in bytes {
            if inString, b < 0x20 {
                switch b {
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                default: out += Array(String(format: "\\u%04x", b).utf8)
                }
                continue
            }
            out.append(b)
            if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = inString } else if b == UInt8(ascii: "\"") { inString.toggle() }
        }
        return out
    }
}
