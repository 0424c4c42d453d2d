/// How one reader sees the answers it critiques, votes on or judges. Under blind review every answer is shown as
/// "Answer A", "Answer B"..., in an order shuffled for that reader, round and purpose from the debate's seed, so
/// no reader learns who wrote what (no self-preference, no brand bias) and a rerun with the seed shows the same.
/// Without it the labels are the authors' names.
struct ReaderView {
    /// The answers as the reader sees them: `agent` is the label.
    var positions: [Position]
    /// The author of each of `positions`, in the same order. Arrays, not dictionaries: a debate holds a view per
    /// reader and phase, and looking through a handful of answers is as quick.
    var authors: [String]

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
        authors = shown.map(\.agent)
        positions = blind ? shown.indices.map { Position(agent: "Answer " + Self.letters($0), content: shown[$0].content) } : shown
    }

    /// The author of the answer shown as `label`.
    func agent(of label: String) -> String? {
        positions.firstIndex { $0.agent == label }.map { authors[$0] }
    }

    /// The label under which `agent`'s answer is shown.
    func label(of agent: String) -> String? {
        authors.firstIndex(of: agent).map { positions[$0].agent }
    }

    /// label -> author, as the record keeps it.
    var pairs: [ReviewLabels.Pair] {
        zip(positions, authors).map { ReviewLabels.Pair(label: $0.agent, agent: $1) }
    }

    /// A, B, ..., Z, AA, AB, ...
    static func letters(_ index: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < 26 ? String(alphabet[index]) : letters(index / 26 - 1) + String(alphabet[index % 26])
    }

    /// What a reader is told about another reader: its label's author under blind review, else its name.
    func describe(_ agent: String, blind: Bool) -> String {
        guard blind else { return agent }
        return label(of: agent).map { "the author of \($0)" } ?? "another agent"
    }
}
