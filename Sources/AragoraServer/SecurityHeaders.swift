import HTTPTypes

/// Headers that keep browsers from reinterpreting what the service sends (CONTRACT §7).
enum SecurityHeaders {
    /// On every response: no content-type sniffing.
    static let all: HTTPFields = [HTTPField.Name("X-Content-Type-Options")!: "nosniff"]
    /// On HTML: nothing loads or runs but the page's own inline style, and no framing.
    static let html: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]
    /// On the web page: its own scripts, styles and images only, requests and WebSockets to this origin only, no
    /// framing, and Trusted Types required, so no string ever reaches `innerHTML` or an HTML parser (agent text is
    /// untrusted and is only ever set as text).
    static let page: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]
}
