/// One way of answering the items, as `--configs` names it: `single` (each agent alone, one call),
/// `self-consistency:N` (N samples of one agent, majority of their answers), `majority` (the panel's first answers,
/// majority without debate), `debate:R` (the full protocol, R rounds).
public enum EvalConfiguration: Sendable, Equatable, CustomStringConvertible {
    case single
    case selfConsistency(samples: Int)
    case majority
    case debate(rounds: Int)

    public var description: String {
        switch self {
        case .single: return "single"
        case .selfConsistency(let n): return "self-consistency:\(n)"
        case .majority: return "majority"
        case .debate(let r): return "debate:\(r)"
        }
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// A comma-separated list: `single,self-consistency:5,majority,debate:2`.
    public static func parseList(_ text: String) throws(Invalid) -> [EvalConfiguration] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { throw Invalid(description: "--configs names no configuration") }
        var out: [EvalConfiguration] = []
        for part in parts {
            let pieces = part.split(separator: ":", maxSplits: 1).map(String.init)
            let number = pieces.count == 2 ? Int(pieces[1]) : nil
            switch (pieces[0], pieces.count, number) {
            case ("single", 1, _): out.append(.single)
            case ("majority", 1, _): out.append(.majority)
            case ("self-consistency", 2, let n?) where (2...50).contains(n): out.append(.selfConsistency(samples: n))
            case ("debate", 2, let r?) where (1...12).contains(r): out.append(.debate(rounds: r))
            default:
                throw Invalid(description: "unknown configuration '\(part)' (use single, self-consistency:N with N 2-50, majority, debate:R with R 1-12)")
            }
        }
        return out
    }
}
