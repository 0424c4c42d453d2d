import AragoraCore
import Foundation

/// Evaluation sets users bring, read whole or not at all: a line that cannot be read is reported with its number and
/// nothing is loaded. Formats: GSM8K's JSONL (`question`, `answer` ending `#### N`), multiple-choice JSONL or CSV as
/// MMLU-style sets are distributed (question, four choices, the answer letter), and a generic JSONL
/// `{question, answer, choices?}`.
public enum DatasetLoader {
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
        init(_ file: String, line: Int?, _ why: String) {
            description = line.map { "\(file):\($0): \(why)" } ?? "\(file): \(why)"
        }
    }

    /// `builtin:NAME` or a file (`.csv` read as multiple choice; JSONL otherwise, each line's shape deciding its kind).
    public static func load(_ source: String, n: Int, seed: UInt64) throws(Invalid) -> [EvalItem] {
        if source.hasPrefix("builtin:") {
            let name = String(source.dropFirst(8))
            guard let items = BuiltinDatasets.make(name, n: n, seed: seed) else {
                throw Invalid(source, line: nil, "no such built-in set (built in: \(BuiltinDatasets.names.joined(separator: ", ")))")
            }
            return items
        }
        guard let data = FileManager.default.contents(atPath: source) else { throw Invalid(source, line: nil, "cannot be read") }
        let text = String(decoding: data, as: UTF8.self)
        let items = source.lowercased().hasSuffix(".csv") ? try csv(text, file: source) : try jsonl(text, file: source)
        guard !items.isEmpty else { throw Invalid(source, line: nil, "holds no items") }
        return Array(items.prefix(n))
    }

    /// One JSON object per line; blank lines are skipped.
    public static func jsonl(_ text: String, file: String = "input") throws(Invalid) -> [EvalItem] {
        var items: [EvalItem] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let object = JSONValue.parse(trimmed)?.objectValue else { throw Invalid(file, line: index + 1, "not a JSON object") }
            items.append(try item(object, id: "\(file)#\(index + 1)", file: file, line: index + 1))
        }
        return items
    }

    static func item(_ o: [String: JSONValue], id: String, file: String, line: Int) throws(Invalid) -> EvalItem {
        guard let question = o["question"]?.stringValue, !question.isEmpty else { throw Invalid(file, line: line, "no \"question\" text") }
        // Multiple choice: `choices` (an array) or `A`..`D` members, and the answer letter.
        var choices = o["choices"]?.arrayValue?.compactMap(\.stringValue)
        if choices == nil, let a = o["A"]?.stringValue, let b = o["B"]?.stringValue { choices = [a, b] + ["C", "D"].compactMap { o[$0]?.stringValue } }
        let rawAnswer = o["answer"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
        guard let rawAnswer, !rawAnswer.isEmpty else { throw Invalid(file, line: line, "no \"answer\"") }
        if let choices {
            guard choices.count >= 2 else { throw Invalid(file, line: line, "fewer than two choices") }
            let letter = rawAnswer.trimmingCharacters(in: .whitespaces).uppercased()
            let letters = (0..<choices.count).map(EvalItem.letter)
            if let i = Int(letter), choices.indices.contains(i) {
                return EvalItem(id: id, question: question, answer: letters[i], kind: .letter, choices: choices)  // an index, as some sets give it
            }
            guard letters.contains(letter) else { throw Invalid(file, line: line, "answer '\(rawAnswer)' is not one of \(letters.joined(separator: ", "))") }
            return EvalItem(id: id, question: question, answer: letter, kind: .letter, choices: choices)
        }
        // GSM8K: the worked solution ends with `#### N`.
        if let r = rawAnswer.range(of: "####", options: .backwards) {
            guard let n = AnswerExtractor.normalise(rawAnswer[r.upperBound...].trimmingCharacters(in: .whitespaces)) else {
                throw Invalid(file, line: line, "the answer after #### is not a number")
            }
            return EvalItem(id: id, question: question, answer: n, kind: .number)
        }
        if let n = AnswerExtractor.normalise(rawAnswer.trimmingCharacters(in: .whitespaces)) {
            return EvalItem(id: id, question: question, answer: n, kind: .number)
        }
        return EvalItem(id: id, question: question, answer: AnswerExtractor.text(rawAnswer) ?? rawAnswer, kind: .text)
    }

    /// MMLU's CSV form, one item per row: question, four choices, the answer letter (no header; quoted fields).
    public static func csv(_ text: String, file: String = "input") throws(Invalid) -> [EvalItem] {
        var items: [EvalItem] = []
        for (index, row) in try rows(text, file: file).enumerated() where !(row.count == 1 && row[0].isEmpty) {
            guard row.count == 6 else { throw Invalid(file, line: index + 1, "expected 6 fields (question, A, B, C, D, answer), got \(row.count)") }
            let o: [String: JSONValue] = ["question": .string(row[0]), "choices": JSONValue(Array(row[1...4])), "answer": .string(row[5])]
            items.append(try item(o, id: "\(file)#\(index + 1)", file: file, line: index + 1))
        }
        return items
    }

    /// RFC 4180 fields: commas, quoted fields with `""` for a quote and line breaks inside quotes.
    static func rows(_ text: String, file: String) throws(Invalid) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, afterQuote = false
        var chars = Array(text)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false; afterQuote = true }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty && !afterQuote {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""; afterQuote = false
            } else if c == "\n" || c == "\r\n" {
                row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
            } else if c != "\r" {
                field.append(c)
            }
            i += 1
        }
        if quoted { throw Invalid(file, line: rows.count + 1, "a quoted field is not closed") }
        return rows
    }
}
