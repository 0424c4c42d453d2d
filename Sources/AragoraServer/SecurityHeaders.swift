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
}
