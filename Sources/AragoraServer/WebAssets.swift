import Crypto
import Foundation
import Hummingbird

/// The web page's files, embedded at build time by `Plugins/WebAssetsPlugin` (see `Web/`), each with its
/// content type and a strong ETag so browsers revalidate instead of downloading again.
struct WebAssets: Sendable {
    struct File: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        var etag: String
    }

    static let shared = WebAssets()

    let files: [String: File]

    init() {
        var files: [String: File] = [:]
        for (name, base64) in Self.embedded {
            guard let data = Data(base64Encoded: base64) else { continue }
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            files[name] = File(bytes: ByteBuffer(bytes: data), contentType: Self.contentType(name), etag: "\"\(digest)\"")
        }
        self.files = files
    }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}

/// Serves the page at `/` and its files at `/static/{name}` (public with auth on, CONTRACT §2; exempt from rate
/// limits, like probes: they cost nothing and a page load fetches several).
struct WebController: Sendable {
    let assets = WebAssets.shared

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { request, _ in try serve("index.html", request) }
        router.get("/static/:name") { request, context in
            try serve(context.parameters.get("name") ?? "", request)
        }
    }

    func serve(_ name: String, _ request: Request) throws -> Response {
        guard let file = assets.files[name] else { throw APIError.notFound("no file /static/\(name)") }
        var headers: HTTPFields = [.eTag: file.etag, .cacheControl: "no-cache"]
        if name.hasSuffix(".html") { headers.append(contentsOf: SecurityHeaders.page) }
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == file.etag || tag == "W/" + file.etag || tag == "*"
        }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.bytes))
    }
}
