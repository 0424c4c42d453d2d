import AragoraCore

/// Who is calling, as the API's token scopes say (CONTRACT §2): `everything` (stdio, whose user started the
/// process; an `admin` token; auth off) or one debate (a token whose loop_id is that debate's id: read and cancel it,
/// nothing else).
public enum MCPAccess: Sendable, Equatable {
    case everything
    case debate(String)

    func mayRead(_ id: String) -> Bool {
        switch self {
        case .everything: return true
        case .debate(let own): return own == id
        }
    }

    /// Starting debates, listing and searching them: `everything` only.
    var mayStartAndList: Bool { self == .everything }

    func refusal(_ what: String) -> String {
        switch self {
        case .everything: return ""
        case .debate(let own): return "forbidden: this token (loop_id '\(own)') may only read and cancel debate \(own), not \(what)"
        }
    }
}
