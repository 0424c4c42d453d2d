import Hummingbird
import Synchronization

/// The routes the router actually serves, for 404-vs-405 answers, auth exemptions and metric labels.
struct RouteTable: Sendable {
    struct Entry: Sendable {
        var method: HTTPRequest.Method
        var segments: [String]
    }

    let entries: [Entry]

    init(_ routes: [(HTTPRequest.Method, String)]) {
        entries = routes.map { Entry(method: $0.0, segments: Self.split($0.1)) }
    }

    static func split(_ path: String) -> [String] { path.split(separator: "/").map(String.init) }

    /// The methods served at `path` by its most specific pattern: as in the router's trie, a literal segment
    /// (`/api/debates/active`) wins over a parameter (`/api/debates/{id}`), whose methods do not apply there.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segs = Self.split(path)
        let matching = entries.filter { Self.matches($0.segments, segs) }
        guard let best = matching.map({ Self.literals($0.segments) }).max() else { return [] }
        var methods: [HTTPRequest.Method] = []
        for entry in matching where Self.literals(entry.segments) == best && !methods.contains(entry.method) {
            methods.append(entry.method)
        }
        return methods
    }

    /// Whether segment `index` of `path` is a parameter in the most specific pattern serving it (a literal there,
    /// like `active` in `/api/debates/active`, is a route word, not a value). True when no route serves the path:
    /// it answers 404 either way.
    func isParameter(at index: Int, of path: String) -> Bool {
        let segs = Self.split(path)
        let matching = entries.filter { Self.matches($0.segments, segs) }
        guard let best = matching.max(by: { Self.literals($0.segments) < Self.literals($1.segments) }) else { return true }
        guard index < best.segments.count else { return false }
        let p = best.segments[index]
        return p.hasPrefix(":") || p.hasPrefix("{")
    }

    /// Literal segments, weighted by position so an earlier literal counts for more.
    static func literals(_ pattern: [String]) -> Int {
        pattern.enumerated().reduce(0) { sum, item in
            item.element.hasPrefix(":") || item.element.hasPrefix("{") ? sum : sum + (1 << (16 - min(item.offset, 16)))
        }
    }

    static func matches(_ pattern: [String], _ path: [String]) -> Bool {
        guard pattern.count == path.count else { return false }
        for (p, s) in zip(pattern, path) where !(p.hasPrefix(":") || p.hasPrefix("{") || p == s) { return false }
        return true
    }

    /// 405 when the path exists under another method, else 404; always JSON.
    func apiError(for error: HTTPError, request: Request) -> APIError {
        if error.status == .notFound {
            let allowed = methods(for: request.uri.path)
            if !allowed.isEmpty, !allowed.contains(request.method) {
                var e = APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed on \(request.uri.path)")
                e.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return e
            }
            return APIError.notFound("no route for \(request.method.rawValue) \(request.uri.path)")
        }
        let code: String
        switch error.status {
        case .contentTooLarge: code = "request_too_large"
        case .badRequest: code = "invalid_request"
        case .unauthorized: code = "auth_required"
        default: code = error.status.code >= 500 ? "internal_error" : "http_\(error.status.code)"
        }
        let message = error.status.code >= 500 ? "internal server error" : (error.body ?? error.status.reasonPhrase)
        return APIError(error.status, code, message)
    }

    // Public with auth on (CONTRACT §2).
    static func isPublic(method: HTTPRequest.Method, path: String) -> Bool {
        let p = canonical(path)
        switch p {
        case "/healthz", "/readyz", "/api/health", "/metrics", "/api/openapi.json", "/": return true
        case "/api/agents", "/api/leaderboard", "/api/receipt-key": return method == .get
        default: return p.hasPrefix("/static/") || p.hasPrefix("/ui")
        }
    }

    /// Health probes: exempt from rate limits, and logged only when they fail.
    static func isProbe(_ path: String) -> Bool {
        switch canonical(path) {
        case "/healthz", "/readyz", "/api/health": return true
        default: return false
        }
    }

    /// The web page and its files: cheap, cached, fetched several at a time; not rate limited.
    static func isWebFile(_ path: String) -> Bool { path == "/" || path.hasPrefix("/static/") }

    /// Routes that start a debate (each spends from the creation rate budget).
    static func isCreate(_ path: String) -> Bool { canonical(path) == "/api/debates" || path == "/v1/chat/completions" }

    /// `/api/v1/x` -> `/api/x`.
    static func canonical(_ path: String) -> String {
        path.hasPrefix("/api/v1/") ? "/api/" + path.dropFirst(8) : path
    }
}

/// The route table, written once when the application is built and read by the middlewares.
final class RouteRegistry: Sendable {
    private let state = Mutex((table: RouteTable([]), served: [(method: String, path: String)]()))

    func set(_ routes: [(HTTPRequest.Method, String)]) {
        state.withLock { $0 = (RouteTable(routes), routes.map { ($0.0.rawValue, $0.1) }) }
    }

    var table: RouteTable { state.withLock { $0.table } }

    /// Every route served, in OpenAPI form (`/api/debates/{id}`).
    var served: [(method: String, path: String)] {
        state.withLock { $0.served }.map { route in
            let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return (route.method, "/" + path.joined(separator: "/"))
        }
    }
}
