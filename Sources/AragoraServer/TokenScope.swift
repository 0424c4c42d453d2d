import AragoraCore
import HTTPTypes

/// What a valid token may do, from its loop_id (CONTRACT §2): `admin` everything; a debate id read, watch and
/// cancel that one debate (on /mcp too, where the tools enforce it); anything else (empty, `ADMIN`, `admin `) nothing beyond the public routes.
enum TokenScope: Equatable {
    case admin
    case debate(String)
    case none

    init(loopID: String) {
        if loopID == "admin" { self = .admin } else if DebateID.isValid(loopID) { self = .debate(loopID) } else { self = .none }
    }

    /// Whether a request on a non-public route is within the scope. `routes`: the path's third segment must be
    /// where a debate id goes, never a route word that happens to equal the token's loop id (`/api/debates/active`).
    func allows(_ method: HTTPRequest.Method, _ path: String, routes: RouteTable) -> Bool {
        switch self {
        case .admin: return true
        case .none: return false
        case .debate(let id):
            // MCP: the tools and resources themselves hold a debate's token to its debate.
            if RouteTable.canonical(path) == "/mcp" { return method == .post }
            let segments = RouteTable.canonical(path).split(separator: "/")
            guard segments.count >= 3, segments[0] == "api", segments[1] == "debates", segments[2] == id,
                  routes.isParameter(at: 2, of: RouteTable.canonical(path)) else { return false }
            if method == .get || method == .head { return true }
            return method == .post && segments.count == 4 && segments[3] == "cancel"
        }
    }

    /// Whether it may watch a debate's live events.
    func mayWatch(_ debateID: String) -> Bool {
        switch self {
        case .admin: return true
        case .debate(let id): return id == debateID
        case .none: return false
        }
    }
}
