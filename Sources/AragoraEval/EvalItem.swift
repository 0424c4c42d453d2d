import AragoraCore

/// One question of an evaluation set with its known answer, and how an answer to it is read.
public struct EvalItem: Sendable, Equatable, Codable {
    /// How an answer is compared: a number (normalised), a choice letter, or exact text (trimmed, case folded).
    public enum Kind: String, Sendable, Codable {
        case number, letter, text
    }

    public var id: String
    public var question: String
    /// The correct answer in its normal form (`Kind`): `"-12"`, `"C"`, `"paris"`.
    public var answer: String
    public var kind: Kind
    /// For multiple choice: the options, in order, labelled A, B, C, ...
    public var choices: [String]?

    public init(id: String, question: String, answer: String, kind: Kind, choices: [String]? = nil) {
        self.id = id
        self.question = question
        self.answer = answer
        self.kind = kind
        self.choices = choices
    }

    /// The question as agents see it: with its choices labelled, and what form the answer must take.
    public var prompt: String {
        switch kind {
        case .number: return question + "\n\nGive the final answer as a single number."
        case .letter:
            let options = (choices ?? []).enumerated().map { "\(EvalItem.letter($0.offset))) \($0.element)" }.joined(separator: "\n")
            return question + "\n\n" + options + "\n\nGive the final answer as the letter of one option."
        case .text: return question
        }
    }

    static func letter(_ index: Int) -> String { String(UnicodeScalar(UInt8(65 + index))) }
}
