import AragoraDebates
import Foundation
import HTTPTypes

/// Keeps web pages the user happens to visit from driving the server through the user's browser, with auth off
/// (a laptop's default) as well as on:
/// - DNS rebinding: a request whose `Host` names neither the server nor an allowed host answers 421. Any IP
///   address is accepted as a Host (a rebinding attack needs a name the attacker controls; load balancers probe
///   by address); names must be `localhost`, the bound host, `ARAGORA_PUBLIC_URL`'s host or in
///   `ARAGORA_ALLOWED_HOSTS`.
/// - Cross-site requests: a state-changing request or a WebSocket upgrade carrying an `Origin` other than the
///   server's own (the request's Host, or `ARAGORA_PUBLIC_URL`) is refused with 403. Browsers always send `Origin`
///   on such requests; other clients send none and pass.
/// - Forms and `no-cors` fetches can only send simple content types: a state-changing request with a body must be
///   `application/json` (415 otherwise), which a cross-site page cannot send without a preflight we never allow.
struct OriginPolicy: Sendable {
    let allowedNames: Set<String>
    let allowAnyHost: Bool
    let publicOrigin: String?

    init(config: ServerConfiguration) {
        var names: Set<String> = ["localhost"]
        names.insert(config.host.lowercased())
        if let host = config.publicURL?.host?.lowercased() { names.insert(host) }
        for name in config.allowedHosts { names.insert(name.lowercased()) }
        allowAnyHost = names.contains("*")
        allowedNames = names
        publicOrigin = config.publicURL.map { url in
            let scheme = url.scheme?.lowercased() ?? "https"
            return "\(scheme)://\(url.host?.lowercased() ?? "")" + (url.port.map { ":\($0)" } ?? "")
        }
    }

    /// The host of a `Host` header or an origin's authority, without its port, lowercased; IPv6 without brackets.
    static func hostName(_ authority: Substring) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return authority[authority.index(after: authority.startIndex)..<end].lowercased()
        }
        let name = authority.firstIndex(of: ":").map { authority[..<$0] } ?? authority
        return name.utf8.contains { $0 >= 65 && $0 <= 90 } ? name.lowercased() : String(name)
    }

    /// A Content-Type's media type: before any parameters, without the spaces or tabs around it, lowercased. By
    /// bytes: Foundation's trimming made this check about 3% of a debate's creation (docs/benchmarks.md).
    static func mediaType(_ value: String) -> String {
        var type = value.utf8.split(separator: UInt8(ascii: ";"), maxSplits: 1, omittingEmptySubsequences: false)[0]
        while let b = type.first, b == 32 || b == 9 { type = type.dropFirst() }
        while let b = type.last, b == 32 || b == 9 { type = type.dropLast() }
        let text = Substring(type)
        return text.utf8.contains { $0 >= 65 && $0 <= 90 } ? text.lowercased() : String(text)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    func allowsHost(_ header: String?) -> Bool {
        guard let header, !header.isEmpty else { return true }  // HTTP/1.0 without Host: nothing to rebind
        if allowAnyHost { return true }
        let host = Self.hostName(Substring(header))
        if host.hasSuffix(".localhost") || allowedNames.contains(host) { return true }
        return Self.isIPAddress(host)
    }

    /// Whether `origin` is this server itself: the same authority as the request's Host, or the public URL. Only a
    /// web page's origin (`http`, `https`, or `null` from a sandboxed frame or a file) is checked: other schemes are
    /// no page a browser could be made to visit (a native WebSocket client may send `ws://host`).
    func isSameOrigin(_ origin: String, host: String?) -> Bool {
        let o = origin.lowercased()
        guard o == "null" || o.hasPrefix("http://") || o.hasPrefix("https://") else { return true }
        if let publicOrigin, o == publicOrigin { return true }
        guard let host, let schemeEnd = o.range(of: "://") else { return false }
        return o[schemeEnd.upperBound...] == Substring(host.lowercased())
    }

    static func isStateChanging(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }

    /// Why a request must be refused, or nil. `hasBody`: the request announces a body.
    func refusal(method: HTTPRequest.Method, headers: HTTPFields, authority: String?, hasBody: Bool,
                 isUpgrade: Bool = false) -> APIError? {
        let host = authority
        guard allowsHost(host) else {
            return APIError(HTTPResponse.Status(code: 421, reasonPhrase: "Misdirected Request"), "host_not_allowed",
                            "Host '\(host ?? "")' is not a name this server answers to: add it to ARAGORA_ALLOWED_HOSTS or set ARAGORA_PUBLIC_URL")
        }
        guard isUpgrade || Self.isStateChanging(method) else { return nil }
        if let origin = headers[.origin], !isSameOrigin(origin, host: host) {
            return APIError(.forbidden, "cross_origin",
                            "requests from another origin (\(origin)) may not \(isUpgrade ? "open a WebSocket" : "change anything") here")
        }
        if hasBody, !isUpgrade {
            let type = headers[.contentType].map(Self.mediaType)
            guard type == "application/json" else {
                return APIError(.unsupportedMediaType, "unsupported_media_type",
                                "send the body as Content-Type: application/json (got \(type.map { "'\($0)'" } ?? "none"))")
            }
        }
        return nil
    }
}
