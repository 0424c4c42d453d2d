/// How one reader sees the answers it critiques, votes on or judges. Under blind review every answer is shown as
/// "Answer A", "Answer B"..., in an order shuffled for that reader, round and purpose from the debate's seed, so
/// no reader learns who wrote what (no self-preference, no brand bias) and a rerun with the seed shows the same.
/// Without it the labels are the authors' names.
struct ReaderView {
    /// The answers as the reader sees them: `agent` is the label.
    var positions: [Position]
    /// label -> author, author -> label.
    var agentOf: [String: String]
    var labelOf: [String: String]

    init(_ answers: [Position], blind: Bool, seed: UInt64, reader: String, round: Int, purpose: String) {
        var shown = answers
        if blind {
            // Fisher-Yates with the debate's own generator: the same on every platform and Swift version.
            var rng = SeededRandom(seed: seed, "blind", purpose, reader, String(round))
            if shown.count > 1 {
                for i in stride(from: shown.count - 1, to: 0, by: -1) {
                    shown.swapAt(i, Int(rng.next() % UInt64(i + 1)))
                }
            }
        }
        positions = []
        agentOf = [:]
        labelOf = [:]
        for (i, answer) in shown.enumerated() {
            let label = blind ? "Answer " + Self.letters(i) : answer.agent
            positions.append(Position(agent: label, content: answer.content))
            agentOf[label] = answer.agent
            labelOf[answer.agent] = label
        }
    }

    /// A, B, ..., Z, AA, AB, ...
    static func letters(_ index: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < 26 ? String(alphabet[index]) : letters(index / 26 - 1) + String(alphabet[index % 26])
    }

    /// What a reader is told about another reader: its label's author under blind review, else its name.
    func describe(_ agent: String, blind: Bool) -> String {
        guard blind else { return agent }
        return labelOf[agent].map { "the author of \($0)" } ?? "another agent"
    }
}
